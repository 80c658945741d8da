//! Saliency maps for the keras-vis tutorial CNN (MNIST and CIFAR-10), computed with burn.
//!
//! The maths lives here in plain Rust so `cargo test` exercises it natively; `wasm` is a thin
//! wasm-bindgen face over the same functions, and `src/main.rs` is the command-line face.

// burn slices take one range per leading dimension: `[a..b]` is not a mistaken vec.
#![allow(clippy::single_range_in_vec_init)]

pub mod agreement;
pub mod attribution;
pub mod backend;
pub mod dream;
pub mod error;
pub mod evaluate;
pub mod explain;
pub mod graph;
pub mod layers;
pub mod learn;
pub mod model;
#[cfg(feature = "onnx")]
pub mod onnx;
pub mod postprocess;
pub mod rng;
pub mod sanity;
pub mod spec;
pub mod tutorial;
pub mod validate;
pub mod weights;

#[cfg(any(feature = "cli", feature = "train"))]
pub mod data;
#[cfg(feature = "cli")]
pub mod fuzz;
#[cfg(feature = "cli")]
pub mod input;
#[cfg(feature = "cli")]
pub mod train;

#[cfg(target_arch = "wasm32")]
pub mod wasm;
#[cfg(target_arch = "wasm32")]
mod wasm_types;

pub use error::{Error, Result};
pub use model::{Cnn, DatasetKind};
