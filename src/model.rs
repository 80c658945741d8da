//! The tutorial's CNN, defined once for training, the CLI and the browser:
//! Conv2d(32,3x3)+ReLU -> MaxPool2 -> Dropout .25 -> Conv2d(64,3x3)+ReLU -> MaxPool2 -> Dropout .25
//! -> Flatten (C,H,W) -> Linear(F,256)+ReLU -> Linear(256,10) = logits.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::tensor::activation::relu;
use burn::tensor::module::{max_pool2d, max_pool2d_with_indices};
use burn::tensor::ops::MaxPoolOptions;
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

pub const NUM_CLASSES: usize = 10;
pub const HIDDEN: usize = 256;
pub const CONV1_CHANNELS: usize = 32;
pub const CONV2_CHANNELS: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatasetKind {
    Mnist,
    Cifar10,
}

impl DatasetKind {
    pub const ALL: [DatasetKind; 2] = [DatasetKind::Mnist, DatasetKind::Cifar10];

    pub fn parse(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "mnist" => Ok(DatasetKind::Mnist),
            "cifar10" | "cifar-10" | "cifar" => Ok(DatasetKind::Cifar10),
            other => Err(Error::Options(format!("unknown dataset '{other}' (expected mnist or cifar10)"))),
        }
    }
    /// Lower-case identifier used in file names and JSON.
    pub fn id(self) -> &'static str {
        match self {
            DatasetKind::Mnist => "mnist",
            DatasetKind::Cifar10 => "cifar10",
        }
    }
    /// Name as the tutorial's figure titles spell it.
    pub fn title(self) -> &'static str {
        match self {
            DatasetKind::Mnist => "MNIST",
            DatasetKind::Cifar10 => "CIFAR10",
        }
    }
    pub fn channels(self) -> usize {
        match self {
            DatasetKind::Mnist => 1,
            DatasetKind::Cifar10 => 3,
        }
    }
    /// Images are square: 28 for MNIST, 32 for CIFAR-10.
    pub fn side(self) -> usize {
        match self {
            DatasetKind::Mnist => 28,
            DatasetKind::Cifar10 => 32,
        }
    }
    pub fn input_len(self) -> usize {
        self.side() * self.side() * self.channels()
    }
    /// Spatial side of conv2's output (A in Grad-CAM): 11 for MNIST, 13 for CIFAR-10.
    pub fn conv2_side(self) -> usize {
        (self.side() - 2) / 2 - 2
    }
    /// Flattened features entering fc1: 64 x 5 x 5 = 1600 (MNIST), 64 x 6 x 6 = 2304 (CIFAR-10).
    pub fn flat_features(self) -> usize {
        let s = self.conv2_side() / 2;
        CONV2_CHANNELS * s * s
    }
    pub fn class_names(self) -> [&'static str; NUM_CLASSES] {
        match self {
            DatasetKind::Mnist => ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
            DatasetKind::Cifar10 => {
                ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
            }
        }
    }
}

#[derive(Module, Debug)]
pub struct Cnn {
    pub conv1: Conv2d,
    pub conv2: Conv2d,
    pub fc1: Linear,
    pub fc2: Linear,
    pub dropout: Dropout,
}

/// Every intermediate of one forward pass; attribution methods read what they need from it.
pub struct Trace {
    pub conv1_pre: Tensor<4>,
    pub conv1: Tensor<4>,
    pub pool1_indices: Tensor<4, Int>,
    pub pool1: Tensor<4>,
    pub conv2_pre: Tensor<4>,
    /// Conv2 output after its ReLU: Grad-CAM's A.
    pub conv2: Tensor<4>,
    pub pool2_indices: Tensor<4, Int>,
    pub fc1_pre: Tensor<2>,
    pub logits: Tensor<2>,
}

pub fn pool_options() -> MaxPoolOptions<2> {
    MaxPoolOptions::new([2, 2])
}

impl Cnn {
    /// A freshly initialised network (burn's default initialisers) for the given dataset.
    pub fn new(kind: DatasetKind, device: &Device) -> Self {
        Cnn {
            conv1: Conv2dConfig::new([kind.channels(), CONV1_CHANNELS], [3, 3]).init(device),
            conv2: Conv2dConfig::new([CONV1_CHANNELS, CONV2_CHANNELS], [3, 3]).init(device),
            fc1: LinearConfig::new(kind.flat_features(), HIDDEN).init(device),
            fc2: LinearConfig::new(HIDDEN, NUM_CLASSES).init(device),
            dropout: DropoutConfig::new(0.25).init(),
        }
    }

    /// Which dataset the weights are shaped for, read off conv1's input channels.
    pub fn kind(&self) -> DatasetKind {
        if self.conv1.weight.dims()[1] == 3 { DatasetKind::Cifar10 } else { DatasetKind::Mnist }
    }

    pub fn device(&self) -> Device {
        self.conv1.weight.val().device()
    }

    /// Input [N,C,H,W] -> conv2 after ReLU [N,64,h,w]. Dropout is active only while training.
    pub fn features(&self, x: Tensor<4>) -> Tensor<4> {
        let x = relu(self.conv1.forward(x));
        let x = self.dropout.forward(max_pool2d(x, pool_options()));
        relu(self.conv2.forward(x))
    }

    /// conv2's activations -> logits; Grad-CAM differentiates through this half alone.
    pub fn head(&self, conv2: Tensor<4>) -> Tensor<2> {
        let x = self.dropout.forward(max_pool2d(conv2, pool_options()));
        let x: Tensor<2> = x.flatten(1, 3);
        let x = relu(self.fc1.forward(x));
        self.fc2.forward(x)
    }

    /// Input [N,C,H,W] in [0,1] -> logits [N,10].
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        self.head(self.features(x))
    }

    /// Forward pass keeping every intermediate (inference only, no dropout).
    pub fn trace(&self, x: Tensor<4>) -> Trace {
        let conv1_pre = self.conv1.forward(x);
        let conv1 = relu(conv1_pre.clone());
        let (pool1, pool1_indices) = max_pool2d_with_indices(conv1.clone(), pool_options());
        let conv2_pre = self.conv2.forward(pool1.clone());
        let conv2 = relu(conv2_pre.clone());
        let (pool2, pool2_indices) = max_pool2d_with_indices(conv2.clone(), pool_options());
        let fc1_pre = self.fc1.forward(pool2.flatten(1, 3));
        let logits = self.fc2.forward(relu(fc1_pre.clone()));
        Trace { conv1_pre, conv1, pool1_indices, pool1, conv2_pre, conv2, pool2_indices, fc1_pre, logits }
    }
}

/// Turns a batch of H x W x C images (the layout of PNGs, npy files and JS arrays) into the
/// model's [N, C, H, W] tensor, checking size and values.
pub fn images_to_tensor(kind: DatasetKind, hwc: &[f32], device: &Device) -> Result<Tensor<4>> {
    let (side, c) = (kind.side(), kind.channels());
    let per = kind.input_len();
    if hwc.is_empty() || !hwc.len().is_multiple_of(per) {
        return Err(Error::Input(format!(
            "expected a multiple of {per} values ({side}x{side}x{c} for {}), got {}",
            kind.title(),
            hwc.len()
        )));
    }
    crate::validate::check_pixels(hwc, "image")?;
    let n = hwc.len() / per;
    let t = Tensor::<4>::from_data(TensorData::new(hwc.to_vec(), [n, side, side, c]), device);
    Ok(t.permute([0, 3, 1, 2]))
}

/// [N, C, H, W] -> flat N x H x W x C values.
pub fn tensor_to_hwc(t: Tensor<4>) -> Vec<f32> {
    to_vec(t.permute([0, 2, 3, 1]))
}

pub fn to_vec<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    // Only f32 tensors reach here; the conversion cannot fail for them.
    t.into_data().convert::<f32>().try_into_vec::<f32>().unwrap_or_default()
}

/// Softmax of a row of logits, computed in f64 for stable probabilities.
pub fn softmax(logits: &[f32]) -> Vec<f32> {
    let m = logits.iter().cloned().fold(f32::NEG_INFINITY, f32::max) as f64;
    let e: Vec<f64> = logits.iter().map(|&l| (l as f64 - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|v| (v / s) as f32).collect()
}

pub fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}
