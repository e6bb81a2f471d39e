//! `cargo fuzz run parquet_entry`: see fuzz/README.md and `runql_fuzz::parquet_entry`.
#![no_main]

libfuzzer_sys::fuzz_target!(init: runql_fuzz::let_known_parquet_panics_unwind(), |data: &[u8]| {
    let _ = runql_fuzz::parquet_entry(data);
});
