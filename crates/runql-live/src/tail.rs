//! The part of a file being written that a round can take: a record being written waits
//! for the next round instead of being read as damage.

use runql_codecs::{tensorboard, wandb};

/// How many leading bytes of `bytes` (the file `path` now) a round reads. `before` is the
/// file's size the round before, when it existed then.
///
/// Logs of records (TensorBoard event files, `.wandb` logs) end at their last whole
/// record. A file that grew from a size ending with a line end is appended to by lines
/// (MLflow's metric files, JSON lines, CSV, journals): it ends at its last line end. Other
/// files are taken whole: a file rewritten in place is read again when it changes again.
///
/// ```text
/// metrics/loss  before 24 bytes "…\n", now "…\n1700000001 0.5 3"  → the 24 bytes
/// ```
pub(crate) fn complete_len(path: &str, bytes: &[u8], before: Option<u64>) -> usize {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name.contains("tfevents") {
        return tensorboard::record::complete_len(bytes);
    }
    if name.ends_with(".wandb") {
        return wandb::framing::complete_len(bytes);
    }
    let Some(before) = before.and_then(|b| usize::try_from(b).ok()).filter(|b| *b > 0 && *b < bytes.len())
    else {
        return bytes.len();
    };
    let appended_by_lines = bytes.get(before - 1) == Some(&b'\n');
    if !appended_by_lines || bytes.last() == Some(&b'\n') {
        return bytes.len();
    }
    bytes.iter().rposition(|b| *b == b'\n').map_or(before, |i| i + 1)
}

/// Whether [`complete_len`] may cut the file `path` (on disk at `disk`, `len` bytes now,
/// `before` bytes the round before): a record log, or a file that grew from a line end.
/// Only such files are read into memory by a round; looking costs one byte read.
pub(crate) fn may_cut(path: &str, disk: &std::path::Path, before: Option<u64>, len: u64) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let name = path.rsplit('/').next().unwrap_or(path);
    if name.contains("tfevents") || name.ends_with(".wandb") {
        return true;
    }
    let Some(before) = before.filter(|b| *b > 0 && *b < len) else { return false };
    let mut byte = [0u8; 1];
    let read = std::fs::File::open(disk)
        .and_then(|mut f| f.seek(SeekFrom::Start(before - 1)).and_then(|_| f.read_exact(&mut byte)));
    read.is_ok() && byte[0] == b'\n'
}

#[cfg(test)]
mod tests {
    use super::complete_len;

    #[test]
    fn a_line_being_appended_waits() {
        let now = b"1 0.5 0\n2 0.25 1\n3 0.1";
        assert_eq!(complete_len("r/metrics/loss", now, Some(8)), 17);
        // Whole lines are taken.
        assert_eq!(complete_len("r/metrics/loss", &now[..17], Some(8)), 17);
        // A new file, or one that did not end a line before, is taken whole.
        assert_eq!(complete_len("r/metrics/loss", now, None), now.len());
        assert_eq!(complete_len("r/params/lr", b"0.001", Some(3)), 5);
        assert_eq!(complete_len("files/wandb-summary.json", b"{\"a\": 1, \"b\": 2}", Some(8)), 16);
    }

    #[test]
    fn records_being_written_wait() {
        let mut events = runql_codecs::tensorboard::record::encode_record(b"first");
        let first = events.len();
        events.extend(runql_codecs::tensorboard::record::encode_record(b"second"));
        assert_eq!(complete_len("run/events.out.tfevents.1.host", &events[..first + 5], Some(1)), first);
        let log = runql_codecs::wandb::framing::encode_log(&[b"one".as_slice(), b"two".as_slice()]);
        assert_eq!(complete_len("run-x/run-x.wandb", &log[..log.len() - 1], None), 17);
    }
}
