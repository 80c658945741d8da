//! Checks on what callers hand in (option objects, pixels, raw attributions), shared by the CLI,
//! the browser face and the fuzz targets so every entry point refuses the same things with the
//! same words.

use serde::de::DeserializeOwned;

use crate::{Error, Result};

/// At most this many images go through the network in one batch, whatever `batchSize` asks:
/// a batch holds every layer's activations (and their gradients), about 0.3 MB per MNIST image
/// and 0.5 MB per CIFAR-10 image, and WASM memory never shrinks once grown.
pub const MAX_BATCH: usize = 64;

/// At most this many network passes in one call (SmoothGrad samples x IG steps, patches, ...),
/// so a single call cannot keep the worker busy for hours.
pub const MAX_PASSES: usize = 100_000;

/// Deeper option objects than this are refused (a cyclic JS object would otherwise recurse forever).
pub const MAX_OPTION_DEPTH: usize = 8;

/// Options as JSON -> a typed options struct. Unknown keys, wrong types and out-of-range
/// numbers are errors that name the key (`options: samples: invalid type ...`).
pub fn options_from_json<T: DeserializeOwned>(value: serde_json::Value) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." { Error::Options(inner.to_string()) } else { Error::Options(format!("{path}: {inner}")) }
    })
}

/// Same, from JSON text (what the fuzz targets and tests feed in).
pub fn options_from_json_text<T: DeserializeOwned>(text: &[u8]) -> Result<T> {
    let value: serde_json::Value =
        serde_json::from_slice(text).map_err(|e| Error::Options(format!("not valid JSON ({e})")))?;
    options_from_json(value)
}

/// Pixels must be finite and in [0, 1] (the model's inputs are pixels / 255).
pub fn check_pixels(values: &[f32], what: &str) -> Result<()> {
    match values.iter().position(|v| !(0.0..=1.0).contains(v)) {
        Some(i) => Err(Error::Input(format!(
            "{what}: value {} at index {i} is {}; pixels must be numbers in [0, 1]",
            values[i],
            if values[i].is_finite() { "outside [0, 1]" } else { "not finite" }
        ))),
        None => Ok(()),
    }
}

/// Raw attributions and maps must be finite.
pub fn check_finite(values: &[f32], what: &str) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(Error::Input(format!("{what}: value {i} is not finite ({})", values[i]))),
        None => Ok(()),
    }
}
