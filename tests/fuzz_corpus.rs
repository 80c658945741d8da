//! Replays the fuzz targets' committed inputs natively: every seed (fuzz/seeds/<target>/) and
//! every input that once crashed a target (fuzz/regressions/<target>/) must be handled without a
//! panic. This is how a crash found by `scripts/fuzz.sh` stays fixed.
#![cfg(not(target_arch = "wasm32"))]

use std::path::Path;

use saliency::fuzz::{TARGETS, run};
use saliency::spec::InputSpec;

fn replay(folder: &str) -> usize {
    let mut count = 0;
    for target in TARGETS {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(folder).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry.expect("readable directory").path();
            let bytes = std::fs::read(&path).expect("readable input");
            let outcome = std::panic::catch_unwind(|| run(target, &bytes));
            assert!(outcome.is_ok(), "{target} panicked on {}", path.display());
            count += 1;
        }
    }
    count
}

/// The error a decoder gives for the committed regression input fuzz/regressions/<rel>.
fn refusal(rel: &str, decode: fn(&[u8], &InputSpec) -> saliency::Result<Vec<f32>>) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions").join(rel);
    let bytes = std::fs::read(path).expect("regression input");
    decode(&bytes, &spec(saliency::DatasetKind::Mnist)).unwrap_err().to_string()
}

fn spec(kind: saliency::DatasetKind) -> InputSpec {
    InputSpec::of(kind)
}

#[test]
fn every_seed_is_handled() {
    let n = replay("seeds");
    assert!(n >= 30, "only {n} seeds found under fuzz/seeds");
}

#[test]
fn every_former_crash_is_handled() {
    replay("regressions");
}

#[test]
fn an_npy_header_claiming_4_gb_is_refused_before_allocating() {
    // Found by `scripts/fuzz.sh` (libFuzzer: out-of-memory, malloc(4294967158)): a version-2 header
    // whose length field says 4 GB. npyz allocates that length before reading, so it is checked first.
    let e = refusal("npy/header-claims-4gb", saliency::input::npy_from_bytes);
    assert!(e.contains("header claims 4294967158 bytes"), "{e}");
}

#[test]
fn an_npy_header_with_nested_brackets_is_refused_at_once() {
    // Found by `scripts/fuzz.sh` (libFuzzer: timeout after 80 s): npyz's header parser is
    // exponential in nested brackets, so only flat headers reach it.
    let e = refusal("npy/nested-header-slow", saliency::input::npy_from_bytes);
    assert!(e.contains("not a plain .npy array header"), "{e}");
}

#[test]
fn pngs_the_decoder_would_panic_on_are_refused() {
    // Found by `scripts/fuzz.sh` (a panic inside png 0.18.1's palette expansion): a 518-byte PLTE.
    let e = refusal("png/palette-not-whole-entries", saliency::input::png_from_bytes);
    assert!(e.contains("518-byte palette"), "{e}");
    // Its sibling: more transparency entries than palette colours (a slice out of order there).
    let chunk = |kind: &[u8], data: &[u8]| [&(data.len() as u32).to_be_bytes()[..], kind, data, &[0u8; 4]].concat();
    let png = [
        &b"\x89PNG\r\n\x1a\n"[..],
        &chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 3, 0, 0, 0]),
        &chunk(b"PLTE", &[0, 0, 0, 255, 255, 255]),
        &chunk(b"tRNS", &[0, 0, 0, 0, 0]),
        &chunk(b"IEND", &[]),
    ]
    .concat();
    let e = saliency::input::png_from_bytes(&png, &spec(saliency::DatasetKind::Mnist)).unwrap_err().to_string();
    assert!(e.contains("5 transparency entries for a 2-colour palette"), "{e}");
}

#[test]
fn seeds_reach_the_deep_paths() {
    // The valid seeds must parse, or the fuzzer starts at the front door only.
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    let read = |p: &str| std::fs::read(seeds.join(p)).expect("seed");
    use saliency::DatasetKind::{Cifar10, Mnist};
    assert!(saliency::input::png_from_bytes(&read("png/grey-28"), &spec(Mnist)).is_ok());
    assert!(saliency::input::png_from_bytes(&read("png/palette-1x9"), &spec(Cifar10)).is_ok());
    assert!(saliency::input::png_from_bytes(&read("png/grey16-2x2"), &spec(Mnist)).is_ok());
    assert!(saliency::input::npy_from_bytes(&read("npy/mnist-hw"), &spec(Mnist)).is_ok());
    assert!(saliency::input::npy_from_bytes(&read("npy/mnist-hwc-be"), &spec(Mnist)).is_ok());
    assert!(saliency::input::npy_from_bytes(&read("npy/cifar"), &spec(Cifar10)).is_ok());
    let e = saliency::input::npy_from_bytes(&read("npy/out-of-range"), &spec(Mnist)).unwrap_err().to_string();
    assert!(e.contains("outside [0, 1]"), "{e}");
    let idx = saliency::data::maybe_gunzip(read("idx/images.gz")).expect("gzip");
    assert!(saliency::data::parse_idx_images(&idx, Path::new("x")).is_ok());
    let e = saliency::data::parse_idx_images(&read("idx/count-overflow"), Path::new("x")).unwrap_err().to_string();
    assert!(e.contains("truncated or oversized"), "{e}");
    assert!(saliency::data::parse_cifar(&read("cifar/record"), Path::new("x")).is_ok());
    let opts: saliency::attribution::MethodOptions =
        saliency::validate::options_from_json_text(br#"{"method":"smoothgrad","base":"guided","samples":3}"#)
            .expect("options");
    assert_eq!(opts.usize("samples"), 3);
}
