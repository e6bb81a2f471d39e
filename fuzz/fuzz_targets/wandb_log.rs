//! `cargo fuzz run wandb_log`: see fuzz/README.md and `runql_fuzz::wandb_log`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = runql_fuzz::wandb_log(data);
});
