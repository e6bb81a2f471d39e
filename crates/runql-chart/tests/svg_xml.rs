//! SVG output is well-formed XML whatever the run names, titles and labels hold: a terminal
//! color code (`ESC [31m`) or a NUL in a run name once made browsers refuse the whole SVG.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use runql_chart::data::{f64_column, rows_from, text_column};
use runql_chart::{Chart, ChartSpec};

/// Characters XML 1.0 does not allow in a document (surrogates cannot be in a `str`).
fn not_xml(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}

#[test]
fn control_characters_in_names_titles_and_labels_never_reach_the_svg() {
    let red = "\u{1b}[31mred\u{1b}[0m";
    let nul = "nul\u{0}run\u{ffff}";
    let spec = ChartSpec::from_json(
        r#"{"kind": "line", "title": "loss \u0007 bell", "data": {"sql": "-"},
            "encoding": {"x": "step", "y": "loss", "series": "run"},
            "options": {"width": 500, "height": 300, "x_label": "st\u0008ep", "y_label": "lo\u001fss"}}"#,
    )
    .unwrap();
    let rows = rows_from(vec![
        ("step", f64_column(vec![0.0, 1.0, 2.0, 0.0, 1.0, 2.0])),
        ("loss", f64_column(vec![1.0, 0.5, 0.25, 1.2, 0.9, 0.7])),
        ("run", text_column(vec![red, red, red, nul, nul, nul])),
    ])
    .unwrap();
    let svg = Chart::new(spec, rows).unwrap().svg().unwrap();
    let bad: Vec<(usize, char)> = svg.char_indices().filter(|(_, c)| not_xml(*c)).collect();
    assert!(bad.is_empty(), "characters XML does not allow: {bad:?}");
    // The texts are still there, with U+FFFD where a control character was.
    for shown in [
        "\u{fffd}[31mred\u{fffd}[0m",
        "nul\u{fffd}run\u{fffd}",
        "loss \u{fffd} bell",
        "st\u{fffd}ep",
        "lo\u{fffd}ss",
    ] {
        assert!(svg.contains(shown), "{shown:?} not in the SVG");
    }
}
