//! A tiny protobuf writer for hand-made W&B `.wandb` logs.

use runql_readers::wandb::framing::encode_log;

pub fn varint(mut v: u64, out: &mut Vec<u8>) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// Length-delimited field.
pub fn ld(field: u64, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    varint(field << 3 | 2, &mut out);
    varint(body.len() as u64, &mut out);
    out.extend_from_slice(body);
    out
}

/// Varint field.
pub fn vi(field: u64, v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    varint(field << 3, &mut out);
    varint(v, &mut out);
    out
}

/// A `HistoryItem`/`SummaryItem`/`ConfigItem` with a flat key (or a nested key if it has `|`).
pub fn item(key: &str, value_json: &str) -> Vec<u8> {
    let mut out = Vec::new();
    if key.contains('|') {
        for part in key.split('|') {
            out.extend(ld(2, part.as_bytes()));
        }
    } else {
        out.extend(ld(1, key.as_bytes()));
    }
    out.extend(ld(16, value_json.as_bytes()));
    out
}

/// `Record { history { item…, step? } }`; `step: Some(n)` writes `step { num: n }` (n = 0 → `step {}`).
pub fn history(items: &[(&str, &str)], step: Option<u64>) -> Vec<u8> {
    let mut body: Vec<u8> = items.iter().flat_map(|(k, v)| ld(1, &item(k, v))).collect();
    if let Some(s) = step {
        body.extend(ld(2, &if s == 0 { Vec::new() } else { vi(1, s) }));
    }
    ld(2, &body)
}

pub fn summary_record(items: &[(&str, &str)]) -> Vec<u8> {
    ld(3, &items.iter().flat_map(|(k, v)| ld(1, &item(k, v))).collect::<Vec<u8>>())
}

pub fn run_record(id: &str, config: &[(&str, &str)], tags: &[&str]) -> Vec<u8> {
    let mut body = ld(1, id.as_bytes());
    body.extend(ld(3, b"proj"));
    body.extend(ld(4, &config.iter().flat_map(|(k, v)| ld(1, &item(k, v))).collect::<Vec<u8>>()));
    for t in tags {
        body.extend(ld(10, t.as_bytes()));
    }
    body.extend(ld(17, &vi(1, 1_700_000_000))); // start_time.seconds
    ld(17, &body)
}

pub fn exit(code: u64) -> Vec<u8> {
    ld(18, &vi(1, code))
}

pub fn log(records: &[Vec<u8>]) -> Vec<u8> {
    let refs: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
    encode_log(&refs)
}

/// A run record that belongs to sweep `sweep_id` (`RunRecord.sweep_id` = field 12).
pub fn sweep_run_record(id: &str, sweep_id: &str, config: &[(&str, &str)]) -> Vec<u8> {
    let mut body = ld(1, id.as_bytes());
    body.extend(ld(4, &config.iter().flat_map(|(k, v)| ld(1, &item(k, v))).collect::<Vec<u8>>()));
    if !sweep_id.is_empty() {
        body.extend(ld(12, sweep_id.as_bytes()));
    }
    ld(17, &body)
}

/// `Record { stats { timestamp { seconds, nanos }, item… } }` (a system monitor sample).
pub fn stats(seconds: u64, nanos: u64, items: &[(&str, &str)]) -> Vec<u8> {
    let mut ts = vi(1, seconds);
    ts.extend(vi(2, nanos));
    let mut body = ld(2, &ts);
    body.extend(items.iter().flat_map(|(k, v)| ld(3, &item(k, v))));
    ld(7, &body)
}
