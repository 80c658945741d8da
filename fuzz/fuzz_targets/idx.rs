//! `cargo fuzz run idx`: see `saliency::fuzz::run` for what this target reads.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| saliency::fuzz::run("idx", data));
