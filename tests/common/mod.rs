//! Helpers shared by the native test files.
#![allow(dead_code)]

use std::path::PathBuf;

use saliency::Cnn;
use saliency::attribution::Network;
use saliency::backend::default_device;
use saliency::data::{self, Dataset, Split};
use saliency::model::DatasetKind;
use saliency::weights::{self, WeightSet, expected_shapes};

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

/// An independent float64 forward pass written from the architecture's definition with plain
/// loops (PyTorch layouts from the exchange format): the oracle for finite differences.
pub struct Reference {
    kind: DatasetKind,
    w: std::collections::HashMap<&'static str, Vec<f64>>,
}

impl Reference {
    pub fn new(set: &WeightSet) -> Self {
        let w = set.tensors.iter().map(|(k, v)| (*k, v.iter().map(|&x| x as f64).collect())).collect();
        Reference { kind: set.kind, w }
    }

    fn conv_relu(&self, input: &[f64], c_in: usize, side: usize, name: &str) -> (Vec<f64>, usize, usize) {
        let (wt, b) = (&self.w[format!("{name}.weight").as_str()], &self.w[format!("{name}.bias").as_str()]);
        let c_out = b.len();
        let s = side - 2;
        let mut out = vec![0f64; c_out * s * s];
        for o in 0..c_out {
            for y in 0..s {
                for x in 0..s {
                    let mut acc = b[o];
                    for c in 0..c_in {
                        for ky in 0..3 {
                            for kx in 0..3 {
                                acc +=
                                    wt[((o * c_in + c) * 3 + ky) * 3 + kx] * input[(c * side + y + ky) * side + x + kx];
                            }
                        }
                    }
                    out[(o * s + y) * s + x] = acc.max(0.0);
                }
            }
        }
        (out, c_out, s)
    }

    fn pool(input: &[f64], c: usize, side: usize) -> (Vec<f64>, usize) {
        let s = side / 2;
        let mut out = vec![0f64; c * s * s];
        for ch in 0..c {
            for i in 0..s {
                for j in 0..s {
                    let at = |dy: usize, dx: usize| input[(ch * side + 2 * i + dy) * side + 2 * j + dx];
                    out[(ch * s + i) * s + j] = at(0, 0).max(at(0, 1)).max(at(1, 0)).max(at(1, 1));
                }
            }
        }
        (out, s)
    }

    fn dense(&self, input: &[f64], name: &str, relu: bool) -> Vec<f64> {
        let (wt, b) = (&self.w[format!("{name}.weight").as_str()], &self.w[format!("{name}.bias").as_str()]);
        (0..b.len())
            .map(|o| {
                let v = b[o] + input.iter().enumerate().map(|(i, x)| wt[o * input.len() + i] * x).sum::<f64>();
                if relu { v.max(0.0) } else { v }
            })
            .collect()
    }

    /// Logits of one H x W x C image.
    pub fn logits(&self, hwc: &[f64]) -> Vec<f64> {
        let (a, c2, s2) = self.conv2(hwc);
        self.head(&a, c2, s2)
    }

    /// conv2's output after its ReLU, (C, H, W) order, with its channels and side.
    pub fn conv2(&self, hwc: &[f64]) -> (Vec<f64>, usize, usize) {
        let (side, c) = (self.kind.side(), self.kind.channels());
        let chw: Vec<f64> = (0..c).flat_map(|ch| (0..side * side).map(move |p| hwc[p * c + ch])).collect();
        let (a, c1, s1) = self.conv_relu(&chw, c, side, "conv1");
        let (a, s1) = Self::pool(&a, c1, s1);
        self.conv_relu(&a, c1, s1, "conv2")
    }

    /// conv2's activations -> logits.
    pub fn head(&self, a: &[f64], c2: usize, s2: usize) -> Vec<f64> {
        let (a, _) = Self::pool(a, c2, s2);
        let h = self.dense(&a, "fc1", true);
        self.dense(&h, "fc2", false)
    }

    /// d logit[target] / d conv2-activations, by hand: fc2 row, fc1's ReLU mask, fc1 transposed,
    /// then each pooled gradient to the first maximum of its 2x2 window (row-major).
    pub fn head_gradient(&self, a: &[f64], c2: usize, s2: usize, target: usize) -> Vec<f64> {
        let (pooled, sp) = Self::pool(a, c2, s2);
        let (w1, b1, w2) = (&self.w["fc1.weight"], &self.w["fc1.bias"], &self.w["fc2.weight"]);
        let f = pooled.len();
        let mut g_pool = vec![0f64; f];
        for o in 0..b1.len() {
            let pre = b1[o] + (0..f).map(|i| w1[o * f + i] * pooled[i]).sum::<f64>();
            if pre > 0.0 {
                let gh = w2[target * b1.len() + o];
                for (i, gp) in g_pool.iter_mut().enumerate() {
                    *gp += gh * w1[o * f + i];
                }
            }
        }
        let mut g = vec![0f64; a.len()];
        for ch in 0..c2 {
            for i in 0..sp {
                for j in 0..sp {
                    let at = |dy: usize, dx: usize| (ch * s2 + 2 * i + dy) * s2 + 2 * j + dx;
                    let first = [at(0, 0), at(0, 1), at(1, 0), at(1, 1)]
                        .into_iter()
                        .fold(at(0, 0), |b, k| if a[k] > a[b] { k } else { b });
                    g[first] += g_pool[(ch * sp + i) * sp + j];
                }
            }
        }
        g
    }
}
