//! Text from run data and file names made safe for a terminal: control characters (escape
//! sequences that move the cursor, retitle the window or hide text) are shown as `\x1b`,
//! `\x07`, … instead of being sent as they are.

use std::borrow::Cow;

/// `text` with every control character but newline and tab replaced by its `\xNN` (C0,
/// DEL) or `\u{NN}` (C1) escape.
///
/// ```text
/// assert_eq!(printable("a\u{1b}[2Jb\n"), "a\\x1b[2Jb\n");
/// ```
pub fn printable(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !unsafe_char(c) {
            out.push(c);
        } else if (c as u32) < 0x80 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_sent() {
        assert_eq!(printable("plain run-1\tok\n"), "plain run-1\tok\n");
        assert_eq!(printable("a\u{1b}[2Jb"), "a\\x1b[2Jb");
        assert_eq!(printable("bell\u{7}\r"), "bell\\x07\\x0d");
        assert_eq!(printable("c1\u{9b}31m"), "c1\\u{9b}31m");
        assert_eq!(printable("del\u{7f}"), "del\\x7f");
    }
}
