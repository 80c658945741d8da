//! Helpers shared by the native test files.
#![allow(dead_code)]

use std::path::PathBuf;

use saliency::attribution::Network;
use saliency::backend::default_device;
use saliency::data::{self, Dataset, Split};
use saliency::model::DatasetKind;
use saliency::weights::{self, WeightSet, expected_shapes};
use saliency::Cnn;

/// `$SALIENCY_DATA`, else the workplace's `../shared/data`.
pub fn data_dir() -> PathBuf {
    std::env::var_os("SALIENCY_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"))
}

pub fn test_set(kind: DatasetKind) -> Dataset {
    data::load(kind, &data_dir(), Split::Test).expect("test data (set SALIENCY_DATA)")
}

pub fn pretrained(kind: DatasetKind) -> Cnn {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("pretrained/{}.safetensors", kind.id()));
    let bytes = std::fs::read(&path).expect("shipped weights");
    weights::load_model(&bytes, Some(kind), &default_device()).expect("valid shipped weights")
}

pub fn pretrained_net(kind: DatasetKind) -> Network {
    Network::new(pretrained(kind))
}

/// All-zero weights for `kind`, to be filled in by hand.
pub fn zero_set(kind: DatasetKind) -> WeightSet {
    let tensors = expected_shapes(kind).into_iter().map(|(n, s)| (n, vec![0f32; s.iter().product()])).collect();
    WeightSet { kind, tensors }
}

/// A hand-built MNIST network whose answers are worked out on paper (see tests/attribution.rs):
/// conv1 and conv2 channel 0 copy their input's centre tap; the flattened feature f0 = pool2[0,0,0]
/// feeds h0 = relu(f0), h1 = relu(-f0 + 0.5), h2 = relu(f0 - 1); logit0 = h0 - 2 h1 + 5 h2.
pub fn tiny_net() -> Network {
    let mut s = zero_set(DatasetKind::Mnist);
    let f = DatasetKind::Mnist.flat_features();
    let t = &mut s.tensors;
    t.get_mut("conv1.weight").unwrap()[4] = 1.0; // [0,0,1,1]
    t.get_mut("conv2.weight").unwrap()[4] = 1.0; // [0,0,1,1]
    let fc1 = t.get_mut("fc1.weight").unwrap();
    fc1[0] = 1.0; // h0 <- f0
    fc1[f] = -1.0; // h1 <- f0
    fc1[2 * f] = 1.0; // h2 <- f0
    let b1 = t.get_mut("fc1.bias").unwrap();
    b1[1] = 0.5;
    b1[2] = -1.0;
    let fc2 = t.get_mut("fc2.weight").unwrap();
    fc2[0] = 1.0;
    fc2[1] = -2.0;
    fc2[2] = 5.0;
    Network::new(s.to_model(&default_device()))
}

/// Mean and max of |a - b|.
pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "length mismatch");
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}
