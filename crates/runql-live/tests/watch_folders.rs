//! Watched copies of the real tracker fixtures, changed the way trackers change them while
//! runs train: after every round the watched tables must equal a fresh load of the folder
//! (once the writes in progress are whole), and a write in progress must never show up as
//! a skipped record.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use runql_core::Severity;
use runql_live::{Discovery, Round, Since, Watch};
use runql_readers::{FileTree, LoadOptions, RunTables};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(rel)
}

/// Copies a folder (symlinked folders, like W&B's `latest-run`, are left out).
fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_dir(&entry.path(), &target);
        } else if kind.is_file() {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Every row of a table as text, sorted, the columns by name: equal tables in any order.
fn rows(batch: &RecordBatch) -> Vec<String> {
    let options = arrow_cast::display::FormatOptions::default().with_null("∅");
    let schema = batch.schema();
    let mut names: Vec<(String, usize)> =
        schema.fields().iter().enumerate().map(|(i, f)| (f.name().clone(), i)).collect();
    names.sort();
    // Timestamps as their numbers: naming the UTC zone would need the time-zone database.
    let columns: Vec<_> = batch
        .columns()
        .iter()
        .map(|c| match c.data_type() {
            DataType::Timestamp(..) => arrow_cast::cast(c, &DataType::Int64).unwrap(),
            _ => c.clone(),
        })
        .collect();
    let formatters: Vec<_> = columns
        .iter()
        .map(|c| arrow_cast::display::ArrayFormatter::try_new(c.as_ref(), &options).unwrap())
        .collect();
    let mut out: Vec<String> = (0..batch.num_rows())
        .map(|r| {
            names
                .iter()
                .map(|(name, i)| format!("{name}={}", formatters[*i].value(r)))
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    out.sort();
    out
}

fn fresh(root: &Path) -> RunTables {
    runql_readers::load(&[FileTree::from_path(root).unwrap()], &LoadOptions::default()).unwrap().tables
}

/// The watched tables equal a fresh load, table by table.
fn assert_current(watch: &mut Watch, root: &Path) {
    let counts = watch.counts();
    let want = fresh(root);
    assert_eq!(counts, want.counts(), "row counts kept by the rounds");
    for ((name, got), (_, want)) in watch.tables().unwrap().tables().zip(want.tables()) {
        assert_eq!(rows(got), rows(want), "table {name} differs from a fresh load of {}", root.display());
    }
}

fn append(path: &Path, text: &str) {
    OpenOptions::new().append(true).open(path).unwrap().write_all(text.as_bytes()).unwrap();
}

/// The problems the watch reports now that `keep` picks, as text.
fn issues(watch: &Watch, keep: impl Fn(&runql_core::Issue) -> bool) -> Vec<String> {
    watch.report().issues().iter().filter(|i| keep(i)).map(ToString::to_string).collect()
}

fn skipped(watch: &Watch) -> Vec<String> {
    issues(watch, |i| i.severity == Severity::Skipped)
}

/// Watched by listing the files each round: every change is seen by the next round.
fn open(root: &Path) -> Watch {
    Watch::open_with(&[root.to_path_buf()], &LoadOptions::default(), Discovery::Listing).unwrap().0
}

#[test]
fn mlflow_points_runs_and_experiments_follow_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("mlruns");
    copy_dir(&fixture("mlflow/mlruns"), &root);
    let mut watch = open(&root);
    assert_current(&mut watch, &root);
    let before = skipped(&watch);
    let points = watch.tables().unwrap().metrics.num_rows();

    // Nothing changed: no new version.
    assert_eq!(watch.round().version, 0);

    // The still-running run logs two points, then starts a third line.
    let run = root.join("0/5372f53ff9524fef88395aad5fac0dba");
    let metric = fs::read_dir(run.join("metrics/train")).unwrap().next().unwrap().unwrap().path();
    append(&metric, "1767232900000 0.125 900\n1767232901000 0.0625 901\n");
    let round = watch.round();
    assert_eq!((round.version, round.units_read), (1, 1), "{round:?}");
    assert_eq!(watch.tables().unwrap().metrics.num_rows(), points + 2);
    assert_current(&mut watch, &root);

    append(&metric, "1767232902000 0.03");
    let round = watch.round();
    assert_eq!(watch.tables().unwrap().metrics.num_rows(), points + 2, "a half-written line waits");
    assert_eq!(watch.round().version, round.version);
    assert_eq!(skipped(&watch), before, "a line being written is not a skipped line");
    append(&metric, "125 902\n");
    watch.round();
    assert_eq!(watch.tables().unwrap().metrics.num_rows(), points + 3);
    assert_current(&mut watch, &root);

    // A new run folder.
    let new_run = root.join("0/00000000000000000000000000000new");
    fs::create_dir_all(new_run.join("metrics")).unwrap();
    fs::create_dir_all(new_run.join("params")).unwrap();
    fs::write(new_run.join("params/lr"), "0.02").unwrap();
    fs::write(new_run.join("metrics/loss"), "1767232800000 0.5 0\n").unwrap();
    fs::write(
        new_run.join("meta.yaml"),
        "artifact_uri: x\nend_time: null\nexperiment_id: '0'\nlifecycle_stage: active\n\
         run_id: 00000000000000000000000000000new\nrun_name: fresh\nstart_time: 1767232800000\nstatus: 1\nuser_id: bob\n",
    )
    .unwrap();
    let runs = watch.tables().unwrap().runs.num_rows();
    let round = watch.round();
    assert_eq!(round.units_read, 1, "only the new run is read: {round:?}");
    assert_eq!(watch.tables().unwrap().runs.num_rows(), runs + 1);
    assert_current(&mut watch, &root);

    // The experiment is renamed: every run of it is read again with the new name, and
    // keeps it when it is read again later.
    let meta = root.join("0/meta.yaml");
    fs::write(&meta, fs::read_to_string(&meta).unwrap().replace("name: Default", "name: Renamed")).unwrap();
    let round = watch.round();
    assert!(round.units_read >= 4, "{round:?}");
    assert_current(&mut watch, &root);
    append(&metric, "1767232903000 0.01 903\n");
    assert_eq!(watch.round().units_read, 1);
    assert_current(&mut watch, &root);

    // A line completed in the next round, with the next one started: only whole lines.
    append(&metric, "1767232904000 0.0");
    watch.round();
    append(&metric, "05 904\n1767232905000 0.00");
    watch.round();
    assert_eq!(skipped(&watch), before, "lines being written are not skipped lines");
    append(&metric, "4 905\n");
    watch.round();
    assert_current(&mut watch, &root);

    // A run folder renamed: the run moves, it is not lost as a duplicate of itself.
    let moved = root.join("0/5372f53ff9524fef88395aad5fac0dbb");
    fs::rename(&run, &moved).unwrap();
    watch.round();
    assert_current(&mut watch, &root);
    fs::rename(&moved, &run).unwrap();
    watch.round();

    // The run is deleted.
    fs::remove_dir_all(&new_run).unwrap();
    watch.round();
    assert_eq!(watch.tables().unwrap().runs.num_rows(), runs);
    assert_current(&mut watch, &root);
    assert_eq!(skipped(&watch), before);
}

#[test]
fn changes_since_a_version_bring_its_tables_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("mlruns");
    copy_dir(&fixture("mlflow/mlruns"), &root);
    let (mut watch, first) =
        Watch::open_with(std::slice::from_ref(&root), &LoadOptions::default(), Discovery::Listing).unwrap();
    let run = root.join("0/5372f53ff9524fef88395aad5fac0dba");
    let metric = fs::read_dir(run.join("metrics/train")).unwrap().next().unwrap().unwrap().path();
    let mut held = first.tables.clone();
    for step in 0..5 {
        append(&metric, &format!("{} 0.5 {}\n", 1767232900000_i64 + step, 1000 + step));
        watch.round();
        if step == 2 {
            // A page at version 2 catches up later, from there.
            let Since::Changes(change) = watch.since(0) else { panic!("changes expected") };
            held = held.replace(&change.removal, &change.added, 2000).unwrap().0;
        }
    }
    assert_eq!(watch.version(), 5);
    assert!(matches!(watch.since(5), Since::Current));
    assert!(matches!(watch.since(6), Since::Reload));
    let Since::Changes(change) = watch.since(3) else { panic!("changes expected") };
    assert_eq!((change.from, change.to), (3, 5));
    let held = held.replace(&change.removal, &change.added, 2000).unwrap().0;
    for ((name, got), (_, want)) in held.tables().zip(watch.tables().unwrap().tables()) {
        assert_eq!(rows(got), rows(want), "table {name}");
    }
}

#[test]
fn tensorboard_event_files_grow_record_by_record() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("logs");
    copy_dir(&fixture("tensorboard/logs"), &root);
    let source = fixture("tensorboard/logs/hp_api/events.out.tfevents.1767236400.runql-fixture.4242.2");
    let events = fs::read(&source).unwrap();
    let mut watch = open(&root);
    let before = skipped(&watch);
    let runs = watch.tables().unwrap().runs.num_rows();

    // A new run writes its event file; the round sees it cut inside a record.
    let new_run = root.join("new_run");
    fs::create_dir_all(&new_run).unwrap();
    let file = new_run.join("events.out.tfevents.1767240000.runql-fixture.4242.9");
    let half = events.len() / 2;
    fs::write(&file, &events[..half]).unwrap();
    watch.round();
    assert_eq!(watch.tables().unwrap().runs.num_rows(), runs + 1);
    let partial = watch.tables().unwrap().metrics.num_rows();
    fs::write(&file, &events[..half + 7]).unwrap();
    watch.round();
    watch.round();
    let warned = issues(&watch, |i| i.path.contains("new_run"));
    assert!(warned.is_empty(), "a record being written is not damage: {warned:?}");
    assert_eq!(skipped(&watch), before);

    fs::write(&file, &events).unwrap();
    let round = watch.round();
    assert_eq!(round.units_read, 1, "{round:?}");
    assert!(watch.tables().unwrap().metrics.num_rows() > partial);
    assert_current(&mut watch, &root);
}

#[test]
fn a_wandb_log_that_grows_is_read_to_its_last_whole_record() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("wandb");
    copy_dir(&fixture("wandb/wandb"), &root);
    let run = root.join("offline-run-20261204_195820-base7b01");
    let log = run.join("run-base7b01.wandb");
    let whole = fs::read(&log).unwrap();
    // The run as it was a moment before it finished: its log cut inside a record.
    let cut = whole.len() * 2 / 3 + 3;
    fs::write(&log, &whole[..cut]).unwrap();
    let mut watch = open(&root);
    let points = watch.tables().unwrap().metrics.num_rows();

    fs::write(&log, &whole[..cut + 50.min(whole.len() - cut)]).unwrap();
    watch.round();
    watch.round();
    let cut_short: Vec<String> =
        issues(&watch, |i| i.path.contains("base7b01") && i.reason.contains("log ends inside"));
    assert!(cut_short.is_empty(), "{cut_short:?}");

    fs::write(&log, &whole).unwrap();
    let round = watch.round();
    assert_eq!(round.units_read, 1, "{round:?}");
    assert!(watch.tables().unwrap().metrics.num_rows() > points);
    assert_current(&mut watch, &root);
}

#[test]
fn an_mlflow_store_that_starts_empty_keeps_its_experiment_for_later_reads() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("mlruns");
    fs::create_dir_all(&root).unwrap();
    let mut watch = open(&root);
    watch.round();
    // The experiment folder comes first, its run a moment later.
    copy_dir(
        &fixture("mlflow/mlruns/0/5372f53ff9524fef88395aad5fac0dba"),
        &root.join("5/r0000000000000000000000000000001"),
    );
    let run = root.join("5/r0000000000000000000000000000001");
    let meta = fs::read_to_string(run.join("meta.yaml")).unwrap();
    fs::write(
        run.join("meta.yaml"),
        meta.replace("5372f53ff9524fef88395aad5fac0dba", "r0000000000000000000000000000001")
            .replace("experiment_id: '0'", "experiment_id: '5'"),
    )
    .unwrap();
    fs::write(
        root.join("5/meta.yaml"),
        "artifact_location: x\nexperiment_id: '5'\nlifecycle_stage: active\nname: Later\n",
    )
    .unwrap();
    watch.round();
    assert_current(&mut watch, &root);
    append(&run.join("metrics/train/loss"), "1767232900000 0.1 77\n");
    watch.round();
    assert_current(&mut watch, &root);
}

#[test]
fn a_folder_that_starts_empty_fills_as_runs_arrive() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("logs");
    fs::create_dir_all(&root).unwrap();
    let mut watch = open(&root);
    assert_eq!(watch.tables().unwrap().runs.num_rows(), 0);
    let run = root.join("run_a");
    fs::create_dir_all(&run).unwrap();
    fs::copy(
        fixture("tensorboard/logs/hp_api/events.out.tfevents.1767236400.runql-fixture.4242.2"),
        run.join("events.out.tfevents.1767236400.runql-fixture.4242.2"),
    )
    .unwrap();
    watch.round();
    assert_eq!(watch.tables().unwrap().runs.num_rows(), 1);
    assert_current(&mut watch, &root);
}

#[test]
fn a_watched_folder_that_goes_away_keeps_its_tables_and_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("mlruns");
    copy_dir(&fixture("mlflow/mlruns"), &root);
    let mut watch = open(&root);
    let runs = watch.tables().unwrap().runs.num_rows();
    let moved = dir.path().join("elsewhere");
    fs::rename(&root, &moved).unwrap();
    let round = watch.round();
    assert_eq!(round.errors.len(), 1, "{round:?}");
    assert!(round.errors[0].contains("mlruns"), "{:?}", round.errors);
    assert_eq!((round.version, watch.tables().unwrap().runs.num_rows()), (0, runs));
    fs::rename(&moved, &root).unwrap();
    let round = watch.round();
    assert!(round.errors.is_empty(), "{round:?}");
    assert_current(&mut watch, &root);
}

#[test]
fn a_watched_database_file_is_one_unit() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mlflow.db");
    fs::copy(fixture("mlflow-sqlite/mlflow.db"), &db).unwrap();
    let mut watch = open(&db);
    let runs = watch.tables().unwrap().runs.num_rows();
    assert!(runs > 0);
    let origins: Vec<String> = {
        use arrow_array::cast::AsArray;
        let col = watch.tables().unwrap().runs.column_by_name("origin").unwrap().as_string::<i32>().clone();
        (0..col.len()).map(|i| col.value(i).to_string()).collect()
    };
    assert!(origins.iter().all(|o| o == &db.display().to_string()), "{origins:?}");
    // The database is rewritten (here: the same bytes again, newer): read again, whole.
    let bytes = fs::read(&db).unwrap();
    fs::write(&db, [bytes.as_slice(), &[0u8; 0]].concat()).unwrap();
    let file = OpenOptions::new().write(true).open(&db).unwrap();
    file.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5)).unwrap();
    let round = watch.round();
    assert_eq!((round.version, round.units_read, round.files_read), (1, 1, 1), "{round:?}");
    assert_eq!(watch.tables().unwrap().runs.num_rows(), runs);
    assert_current(&mut watch, &db);
}

/// Rounds until one changes something (the system's event of a write arrives a moment
/// after it), for at most 10 s.
fn round_until_changed(watch: &mut Watch) -> Round {
    let version = watch.version();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let round = watch.round();
        if round.version != version || std::time::Instant::now() > deadline {
            return round;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn the_systems_change_events_find_what_changed_without_listing_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("mlruns");
    copy_dir(&fixture("mlflow/mlruns"), &root);
    let (mut watch, _) = Watch::open(std::slice::from_ref(&root), &LoadOptions::default()).unwrap();
    assert!(
        watch.without_events().is_empty(),
        "this system gives change events: {:?}",
        watch.without_events()
    );

    let run = root.join("0/5372f53ff9524fef88395aad5fac0dba");
    append(&run.join("metrics/train/loss"), "1767232900000 0.125 900\n");
    let round = round_until_changed(&mut watch);
    assert_eq!((round.version, round.units_read, round.files_read > 0), (1, 1, true), "{round:?}");
    assert!(!round.listed_all, "only what the events named was looked at: {round:?}");
    assert_current(&mut watch, &root);

    // A new run folder, written file by file (a folder created, then its files).
    let new_run = root.join("0/0000000000000000000000000000evnt");
    fs::create_dir_all(new_run.join("metrics")).unwrap();
    fs::write(new_run.join("metrics/loss"), "1767232800000 0.5 0\n").unwrap();
    fs::write(
        new_run.join("meta.yaml"),
        "artifact_uri: x\nend_time: null\nexperiment_id: '0'\nlifecycle_stage: active\n\
         run_id: 0000000000000000000000000000evnt\nrun_name: evented\nstart_time: 1767232800000\nstatus: 1\nuser_id: bob\n",
    )
    .unwrap();
    let runs = fresh(&root).runs.num_rows();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while watch.counts().runs as usize != runs && std::time::Instant::now() < deadline {
        watch.round();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_current(&mut watch, &root);

    // Deleted, and a symlinked folder (not followed by the listing) stays out.
    fs::remove_dir_all(&new_run).unwrap();
    round_until_changed(&mut watch);
    #[cfg(unix)]
    std::os::unix::fs::symlink(&run, root.join("0/linked")).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(100));
    watch.round();
    assert_current(&mut watch, &root);
}
