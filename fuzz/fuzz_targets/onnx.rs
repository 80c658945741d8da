//! `cargo fuzz run onnx`: see `saliency::fuzz::run` for what this target reads.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| saliency::fuzz::run("onnx", data));
