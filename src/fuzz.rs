//! Entry points for fuzzing: one function per parser that reads outside data, each fed raw
//! bytes. `fuzz/` (cargo fuzz, libFuzzer) calls them; `tests/fuzz_corpus.rs` replays every
//! committed seed and every input that once crashed, so a fixed crash stays fixed.
//! Each function must return normally whatever the bytes: errors are fine, panics are bugs.

use std::sync::OnceLock;

use crate::attribution::{MethodOptions, Network};
use crate::model::{Cnn, DatasetKind};
use crate::postprocess::{self, PostProcess};
use crate::spec::InputSpec;
use crate::{data, explain, input, validate, weights};

/// The targets, by the names `fuzz/fuzz_targets/*.rs` and `scripts/fuzz.sh` use.
pub const TARGETS: [&str; 7] = ["weights", "idx", "cifar", "npy", "png", "options", "onnx"];

/// Runs one target on one input.
pub fn run(target: &str, bytes: &[u8]) {
    match target {
        "weights" => weights_file(bytes),
        "idx" => idx_file(bytes),
        "cifar" => cifar_file(bytes),
        "npy" => npy_file(bytes),
        "png" => png_file(bytes),
        "options" => options_json(bytes),
        "onnx" => onnx_file(bytes),
        other => panic!("no fuzz target named {other}"),
    }
}

/// safetensors weights, as the page's "load weights" and the CLI's --weights read them.
pub fn weights_file(bytes: &[u8]) {
    if let Ok(model) = weights::load_model(bytes, None, &crate::backend::default_device()) {
        // Whatever loads must also run.
        let net = Network::new(model);
        let image = vec![0.5; net.spec().input_len()];
        let _ = explain::classify(&net, &image);
    }
}

/// MNIST IDX files (images and labels), gzip or raw.
pub fn idx_file(bytes: &[u8]) {
    let path = std::path::Path::new("fuzz-input");
    if let Ok(raw) = data::maybe_gunzip(bytes.to_vec()) {
        let _ = data::parse_idx_images(&raw, path);
        let _ = data::parse_idx_labels(&raw, path);
    }
}

/// CIFAR-10 binary batches, gzip or raw.
pub fn cifar_file(bytes: &[u8]) {
    if let Ok(raw) = data::maybe_gunzip(bytes.to_vec()) {
        let _ = data::parse_cifar(&raw, std::path::Path::new("fuzz-input"));
    }
}

/// `.npy` inputs and baselines, for both datasets.
pub fn npy_file(bytes: &[u8]) {
    for kind in DatasetKind::ALL {
        if let Ok(v) = input::npy_from_bytes(bytes, &InputSpec::of(kind)) {
            assert_eq!(v.len(), kind.input_len());
            assert!(validate::check_pixels(&v, "npy").is_ok());
        }
    }
}

/// PNG inputs, for both datasets.
pub fn png_file(bytes: &[u8]) {
    for kind in DatasetKind::ALL {
        if let Ok(v) = input::png_from_bytes(bytes, &InputSpec::of(kind)) {
            assert_eq!(v.len(), kind.input_len());
            assert!(validate::check_pixels(&v, "png").is_ok(), "png_from_bytes gave a value outside [0, 1]");
        }
    }
}

/// The JS face's options path: method options JSON, a NUL byte, post-processing JSON. The first
/// byte picks the dataset. Options that parse are run on a small network, as the page would.
pub fn options_json(bytes: &[u8]) {
    let Some((&first, rest)) = bytes.split_first() else { return };
    let kind = if first % 2 == 0 { DatasetKind::Mnist } else { DatasetKind::Cifar10 };
    let mut parts = rest.splitn(2, |&b| b == 0);
    let method_json = parts.next().unwrap_or_default();
    let post_json = parts.next().unwrap_or(b"{}");
    let opts: Option<MethodOptions> = validate::options_from_json_text(method_json).ok();
    let post: Option<PostProcess> =
        validate::options_from_json_text::<PostProcess>(post_json).ok().filter(|p| p.check().is_ok());
    let net = network(kind);
    let image: Vec<f32> = (0..kind.input_len()).map(|i| ((i * 37) % 101) as f32 / 100.0).collect();
    // Keep each run short: the caps allow calls far too slow for a fuzzer's loop.
    if let Some(opts) = opts.filter(|o| o.passes(net) <= 64)
        && let Ok(e) = explain::explain(net, &image, &opts)
    {
        assert!(postprocess::check_raw(&e.raw, e.raw_channels).is_ok(), "explain returned a non-finite attribution");
        if let Some(post) = post {
            let map = postprocess::to_map(&e.raw, e.raw_channels, &post);
            assert!(map.iter().all(|v| v.is_finite()), "to_map gave a non-finite value");
        }
    }
}

/// An ONNX model as the page's "Load model…" and the CLI's --model read it. The bytes after the
/// first `NUL NUL "data" NUL` (if any) are its external data file. Whatever imports must also run:
/// classify and a vanilla map, on models small enough for a fuzzer's loop.
#[cfg(feature = "onnx")]
pub fn onnx_file(bytes: &[u8]) {
    const MARK: &[u8] = b"\0\0data\0";
    let (model, data) = match bytes.windows(MARK.len()).position(|w| w == MARK) {
        Some(i) => (&bytes[..i], Some(&bytes[i + MARK.len()..])),
        None => (bytes, None),
    };
    let Ok(imported) = crate::onnx::import(model, data) else { return };
    let Ok(net) = imported.into_network() else { return };
    if net.graph().flops() > 20_000_000 {
        return;
    }
    let image: Vec<f32> = (0..net.spec().input_len()).map(|i| ((i * 37) % 101) as f32 / 100.0).collect();
    if let Ok(opts) = MethodOptions::new("vanilla")
        && let Ok(e) = explain::explain(&net, &image, &opts)
    {
        assert_eq!(e.raw.len(), net.spec().input_len(), "a map of the input's size");
    }
}

#[cfg(not(feature = "onnx"))]
pub fn onnx_file(_: &[u8]) {}

fn network(kind: DatasetKind) -> &'static Network {
    static NETS: OnceLock<[Network; 2]> = OnceLock::new();
    let nets = NETS.get_or_init(|| {
        let device = crate::backend::default_device();
        DatasetKind::ALL.map(|k| Network::new(Cnn::new(k, &device)))
    });
    &nets[usize::from(kind == DatasetKind::Cifar10)]
}
