//! `cargo fuzz run weights`: see `saliency::fuzz::run` for what this target reads.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| saliency::fuzz::run("weights", data));
