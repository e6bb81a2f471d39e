//! `cargo fuzz run tfevents`: see fuzz/README.md and `runql_fuzz::tfevents`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = runql_fuzz::tfevents(data);
});
