//! Splitting text files into numbered lines, for the line-oriented readers (JSON lines,
//! Optuna journals).

/// Longest line a line-oriented reader parses (16 MiB); longer lines are reported and
/// skipped, so one hostile line cannot make the parser allocate without bound.
pub(crate) const MAX_LINE_BYTES: usize = 16 << 20;

/// One line of a text file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Line<'a> {
    /// 1-based line number.
    pub number: u64,
    /// The line without its `\n` or `\r\n`.
    pub text: &'a [u8],
    /// False for a last line with no newline: a writer that died mid-line leaves one.
    pub terminated: bool,
}

impl Line<'_> {
    /// True for an empty or whitespace-only line.
    pub fn is_blank(&self) -> bool {
        self.text.iter().all(u8::is_ascii_whitespace)
    }
}

/// The lines of `bytes`; a final newline does not start an extra empty line.
pub(crate) fn lines(bytes: &[u8]) -> impl Iterator<Item = Line<'_>> {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let ends_with_newline = body.len() < bytes.len();
    let count = if bytes.is_empty() { 0 } else { body.split(|b| *b == b'\n').count() };
    body.split(|b| *b == b'\n').take(count).enumerate().map(move |(i, text)| Line {
        number: i as u64 + 1,
        text: text.strip_suffix(b"\r").unwrap_or(text),
        terminated: ends_with_newline || i + 1 < count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbering_and_termination() {
        let got: Vec<(u64, &[u8], bool)> =
            lines(b"a\r\n\nb").map(|l| (l.number, l.text, l.terminated)).collect();
        assert_eq!(got, [(1, &b"a"[..], true), (2, &b""[..], true), (3, &b"b"[..], false)]);
        assert_eq!(lines(b"x\n").count(), 1);
        assert!(lines(b"x\n").all(|l| l.terminated));
        assert_eq!(lines(b"").count(), 0);
        assert_eq!(lines(b"\n").count(), 1);
    }
}
