//! Special files (FIFOs, and links to them) in a folder given to a load.
#![cfg(unix)]

use runql_readers::FileTree;

/// `mkfifo path`; false when the tool is missing (the test then has nothing to check).
fn mkfifo(path: &std::path::Path) -> bool {
    std::process::Command::new("mkfifo").arg(path).status().is_ok_and(|s| s.success())
}

/// A FIFO blocks whoever opens it until a writer comes: before special files were
/// skipped, sniffing `pipe.csv` hung the load forever.
#[test]
fn fifos_are_skipped_and_reported_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let fixture =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/mlflow-ui-csv/chart_history.csv");
    std::fs::copy(fixture, dir.path().join("chart_history.csv")).unwrap();
    if !mkfifo(&dir.path().join("pipe.csv")) {
        eprintln!("mkfifo not available; nothing to check");
        return;
    }
    std::os::unix::fs::symlink(dir.path().join("pipe.csv"), dir.path().join("link.csv")).unwrap();
    let root = dir.path().to_path_buf();
    let (done, wait) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let loaded = FileTree::from_path(&root).and_then(|t| runql_readers::load(&[t], &Default::default()));
        let _ = done.send(loaded);
    });
    let loaded =
        wait.recv_timeout(std::time::Duration::from_secs(60)).expect("the load hangs on the FIFO").unwrap();
    assert!(loaded.report.rows.metrics > 0, "the real file beside the FIFO loads");
    let skipped: Vec<String> = loaded.report.issues().iter().map(ToString::to_string).collect();
    for (name, reason) in
        [("pipe.csv", "not a regular file (fifo)"), ("link.csv", "not a regular file (symlink to a fifo)")]
    {
        let expected = format!("skipped: {}/{name}: {reason}", dir.path().display());
        assert!(skipped.contains(&expected), "{expected} not in {skipped:#?}");
    }
}
