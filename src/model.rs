//! The tutorial's CNN, defined once for training, the CLI and the browser:
//! Conv2d(32,3x3)+ReLU -> MaxPool2 -> Dropout .25 -> Conv2d(64,3x3)+ReLU -> MaxPool2 -> Dropout .25
//! -> Flatten (C,H,W) -> Linear(F,256)+ReLU -> Linear(256,10) = logits.

use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::tensor::activation::relu;
use burn::tensor::module::{conv_transpose2d, max_pool2d, max_pool2d_with_indices, max_pool2d_with_indices_backward};
use burn::tensor::ops::{ConvTransposeOptions, MaxPoolOptions};
use burn::tensor::{Bool, Device, Int, Tensor};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::sync::{Mutex, MutexGuard, PoisonError};

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
    /// The data set of a grey (1) or colour (3) input: whose gallery a model of another size uses.
    pub fn of_channels(channels: usize) -> Self {
        if channels == 1 { DatasetKind::Mnist } else { DatasetKind::Cifar10 }
    }
    /// The page's bundled test images (u8, H x W x C, one after the other), in the CLI build.
    #[cfg(feature = "cli")]
    pub fn gallery(self) -> &'static [u8] {
        match self {
            DatasetKind::Mnist => include_bytes!("../www/gallery/mnist.bin"),
            DatasetKind::Cifar10 => include_bytes!("../www/gallery/cifar10.bin"),
        }
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

impl crate::spec::InputSpec {
    /// The tutorial's input for a data set.
    pub fn of(kind: DatasetKind) -> Self {
        let side = kind.side();
        let class_names = kind.class_names().iter().map(|s| s.to_string()).collect();
        crate::spec::InputSpec { height: side, width: side, channels: kind.channels(), class_names }
    }

    /// The tutorial data set whose images have this size, if one has (its gallery fits the model).
    pub fn dataset_shape(&self) -> Option<DatasetKind> {
        DatasetKind::ALL.into_iter().find(|&k| {
            let s = Self::of(k);
            (s.height, s.width, s.channels) == (self.height, self.width, self.channels)
        })
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

/// Both convolutions: 3x3, stride 1, no padding (Keras' "valid"), with bias.
fn conv_config(cin: usize, cout: usize) -> Conv2dConfig {
    Conv2dConfig::new([cin, cout], [3, 3])
}

/// Both dropout layers' rate (the tutorial's).
pub const DROPOUT_RATE: f32 = 0.25;

fn dropout() -> Dropout {
    DropoutConfig::new(f64::from(DROPOUT_RATE)).init()
}

/// Every parameter of a [`Cnn`], (weight, bias) per layer, in burn's layouts.
pub(crate) struct Parameters {
    pub conv1: (Tensor<4>, Tensor<1>),
    pub conv2: (Tensor<4>, Tensor<1>),
    pub fc1: (Tensor<2>, Tensor<1>),
    pub fc2: (Tensor<2>, Tensor<1>),
}

/// The network's layers in order. The forward pass, the trace the attribution methods read and
/// the explicit backward pass of guided backprop / deconvnet all walk this one list, so a change
/// to the architecture is one edit here (plus its weights in `Cnn`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    Conv1,
    Conv2,
    Relu,
    /// 2x2 max pooling, stride 2; the gradient goes to the first maximum in row-major order.
    Pool,
    /// Active only while training.
    Dropout,
    /// (C, H, W) -> C*H*W.
    Flatten,
    Fc1,
    Fc2,
}

pub const LAYERS: [Layer; 12] = [
    Layer::Conv1,
    Layer::Relu,
    Layer::Pool,
    Layer::Dropout,
    Layer::Conv2,
    Layer::Relu,
    Layer::Pool,
    Layer::Dropout,
    Layer::Flatten,
    Layer::Fc1,
    Layer::Relu,
    Layer::Fc2,
];

/// Where the CAM family reads activations: the output of conv1's and conv2's ReLUs, as positions
/// in `LAYERS` (the activation entering that layer).
pub const CONV1_OUT: usize = 2;
pub const CONV2_OUT: usize = 6;

pub use crate::graph::ReluRule;

/// An activation between layers: feature maps [N,C,H,W] before Flatten, vectors [N,F] after.
#[derive(Clone, Debug)]
pub enum Activation {
    Maps(Tensor<4>),
    Flat(Tensor<2>),
}

impl Activation {
    pub fn maps(self) -> Tensor<4> {
        match self {
            Activation::Maps(t) => t,
            Activation::Flat(t) => {
                let [n, f] = t.dims();
                t.reshape([n, f, 1, 1])
            }
        }
    }
    pub fn flat(self) -> Tensor<2> {
        match self {
            Activation::Flat(t) => t,
            Activation::Maps(t) => t.flatten(1, 3),
        }
    }
}

/// Every intermediate of one forward pass (inference, no dropout): the activation entering each
/// layer of `LAYERS`, the pooling switches, and the logits.
pub struct Trace {
    pub inputs: Vec<Activation>,
    pub pool_indices: Vec<Option<Tensor<4, Int>>>,
    pub logits: Tensor<2>,
}

impl Trace {
    fn maps(&self, at: usize) -> Tensor<4> {
        self.inputs[at].clone().maps()
    }
    /// Pooling layer `at` backward: each value of `g` goes to the first maximum of its window.
    pub fn pool_back(&self, at: usize, g: Tensor<4>) -> Tensor<4> {
        let input = self.maps(at);
        let indices = self.pool_indices[at].clone().unwrap_or_else(|| Tensor::zeros([1, 1, 1, 1], &input.device()));
        max_pool2d_with_indices_backward(input, [2, 2], [2, 2], [0, 0], [1, 1], false, g, indices)
    }
    /// conv1's output before its ReLU.
    pub fn conv1_pre(&self) -> Tensor<4> {
        self.maps(CONV1_OUT - 1)
    }
    /// conv2's output before its ReLU.
    pub fn conv2_pre(&self) -> Tensor<4> {
        self.maps(CONV2_OUT - 1)
    }
    /// conv2's output after its ReLU: Grad-CAM's A.
    pub fn conv2(&self) -> Tensor<4> {
        self.maps(CONV2_OUT)
    }
    /// fc1's output before its ReLU.
    pub fn fc1_pre(&self) -> Tensor<2> {
        self.inputs[LAYERS.len() - 2].clone().flat()
    }
}

pub fn pool_options() -> MaxPoolOptions<2> {
    MaxPoolOptions::new([2, 2])
}

fn relu_back<const D: usize>(rule: ReluRule, pre: Tensor<D>, g: Tensor<D>) -> Tensor<D> {
    let off = |pre: Tensor<D>| -> Tensor<D, Bool> { pre.lower_equal_elem(0.0) };
    match rule {
        ReluRule::Gradient => g.mask_fill(off(pre), 0.0),
        ReluRule::Guided => g.clamp_min(0.0).mask_fill(off(pre), 0.0),
        ReluRule::Deconvnet => g.clamp_min(0.0),
    }
}

/// burn's backend random stream is one per process. Whatever draws from it (a fresh initialisation,
/// training's dropout) holds this lock, so a seeded training run stays reproducible while other
/// threads build networks.
static BACKEND_RNG: Mutex<()> = Mutex::new(());

pub(crate) fn backend_rng() -> MutexGuard<'static, ()> {
    BACKEND_RNG.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Cnn {
    /// A freshly initialised network (burn's default initialisers) for the given dataset.
    pub fn new(kind: DatasetKind, device: &Device) -> Self {
        let _rng = backend_rng();
        Self::initialised(kind, device)
    }

    /// [`Cnn::new`] for a caller that already holds [`backend_rng`]. burn initialises parameters
    /// lazily, at first use; they are drawn here, inside the lock, instead.
    pub(crate) fn initialised(kind: DatasetKind, device: &Device) -> Self {
        let m = Self::layers(kind, device);
        for w in [&m.conv1.weight, &m.conv2.weight] {
            w.val();
        }
        for w in [&m.fc1.weight, &m.fc2.weight] {
            w.val();
        }
        for b in [&m.conv1.bias, &m.conv2.bias, &m.fc1.bias, &m.fc2.bias].into_iter().flatten() {
            b.val();
        }
        m
    }

    /// The network from its parameters (burn's layouts: conv `[out, in, 3, 3]`, dense `[in, out]`).
    /// Built field by field, not through `Conv2dConfig::init`: a configured layer stores a lazy
    /// initialiser in each parameter, which links every initialiser burn has into a WASM that only
    /// ever loads weights (the orthogonal one's QR decomposition alone: 82 KB).
    pub(crate) fn from_parameters(p: Parameters) -> Self {
        let conv = |(weight, bias): (Tensor<4>, Tensor<1>)| {
            let [cout, cin, _, _] = weight.dims();
            // The settings `layers` configures, read off the same config.
            let c = conv_config(cin, cout);
            Conv2d {
                weight: Param::from_tensor(weight),
                bias: Some(Param::from_tensor(bias)),
                stride: c.stride,
                kernel_size: c.kernel_size,
                dilation: c.dilation,
                groups: c.groups,
                padding: c.padding,
            }
        };
        let dense = |(weight, bias): (Tensor<2>, Tensor<1>)| Linear {
            weight: Param::from_tensor(weight),
            bias: Some(Param::from_tensor(bias)),
        };
        Cnn { conv1: conv(p.conv1), conv2: conv(p.conv2), fc1: dense(p.fc1), fc2: dense(p.fc2), dropout: dropout() }
    }

    fn layers(kind: DatasetKind, device: &Device) -> Self {
        Cnn {
            conv1: conv_config(kind.channels(), CONV1_CHANNELS).init(device),
            conv2: conv_config(CONV1_CHANNELS, CONV2_CHANNELS).init(device),
            fc1: LinearConfig::new(kind.flat_features(), HIDDEN).init(device),
            fc2: LinearConfig::new(HIDDEN, NUM_CLASSES).init(device),
            dropout: dropout(),
        }
    }

    /// Which dataset the weights are shaped for, read off conv1's input channels.
    pub fn kind(&self) -> DatasetKind {
        if self.conv1.weight.dims()[1] == 3 { DatasetKind::Cifar10 } else { DatasetKind::Mnist }
    }

    pub fn device(&self) -> Device {
        self.conv1.weight.val().device()
    }

    /// One layer forward.
    fn apply(&self, layer: Layer, x: Activation) -> Activation {
        match layer {
            Layer::Conv1 => Activation::Maps(self.conv1.forward(x.maps())),
            Layer::Conv2 => Activation::Maps(self.conv2.forward(x.maps())),
            Layer::Relu => match x {
                Activation::Maps(t) => Activation::Maps(relu(t)),
                Activation::Flat(t) => Activation::Flat(relu(t)),
            },
            Layer::Pool => Activation::Maps(max_pool2d(x.maps(), pool_options())),
            Layer::Dropout => match x {
                Activation::Maps(t) => Activation::Maps(self.dropout.forward(t)),
                Activation::Flat(t) => Activation::Flat(self.dropout.forward(t)),
            },
            Layer::Flatten => Activation::Flat(x.flat()),
            Layer::Fc1 => Activation::Flat(self.fc1.forward(x.flat())),
            Layer::Fc2 => Activation::Flat(self.fc2.forward(x.flat())),
        }
    }

    /// Runs `LAYERS[from..to]` on `x`.
    pub fn run(&self, x: Activation, from: usize, to: usize) -> Activation {
        LAYERS[from..to].iter().fold(x, |a, &layer| self.apply(layer, a))
    }

    /// Input [N,C,H,W] -> the activation entering `LAYERS[at]` (e.g. `CONV2_OUT`: conv2 after
    /// its ReLU, [N,64,h,w]). Dropout is active only while training.
    pub fn features_at(&self, x: Tensor<4>, at: usize) -> Tensor<4> {
        self.run(Activation::Maps(x), 0, at).maps()
    }

    /// The activation entering `LAYERS[at]` -> logits; the CAM family differentiates this half.
    pub fn head_from(&self, a: Tensor<4>, at: usize) -> Tensor<2> {
        self.run(Activation::Maps(a), at, LAYERS.len()).flat()
    }

    /// Input [N,C,H,W] -> conv2 after ReLU [N,64,h,w].
    pub fn features(&self, x: Tensor<4>) -> Tensor<4> {
        self.features_at(x, CONV2_OUT)
    }

    /// conv2's activations -> logits.
    pub fn head(&self, conv2: Tensor<4>) -> Tensor<2> {
        self.head_from(conv2, CONV2_OUT)
    }

    /// Input [N,C,H,W] in [0,1] -> logits [N,10].
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        self.run(Activation::Maps(x), 0, LAYERS.len()).flat()
    }

    /// Forward pass keeping every intermediate (inference only, no dropout).
    pub fn trace(&self, x: Tensor<4>) -> Trace {
        let mut inputs = Vec::with_capacity(LAYERS.len());
        let mut pool_indices = Vec::with_capacity(LAYERS.len());
        let mut a = Activation::Maps(x);
        for &layer in &LAYERS {
            inputs.push(a.clone());
            let (next, indices) = match layer {
                Layer::Pool => {
                    let (out, idx) = max_pool2d_with_indices(a.maps(), pool_options());
                    (Activation::Maps(out), Some(idx))
                }
                Layer::Dropout => (a, None),
                _ => (self.apply(layer, a), None),
            };
            pool_indices.push(indices);
            a = next;
        }
        Trace { inputs, pool_indices, logits: a.flat() }
    }

    /// The backward pass written out over `LAYERS`, from a gradient `seed` at the logits to the
    /// input, with every ReLU's backward replaced by `rule` (`Gradient` gives the true gradient).
    pub fn backward(&self, t: &Trace, seed: Tensor<2>, rule: ReluRule) -> Tensor<4> {
        self.backward_between(t, 0..LAYERS.len(), Activation::Flat(seed), rule).maps()
    }

    /// The backward pass through `LAYERS[layers]`: from `g`, the gradient at the activation leaving
    /// the last of them, to the activation entering the first.
    pub fn backward_between(&self, t: &Trace, layers: Range<usize>, mut g: Activation, rule: ReluRule) -> Activation {
        for (i, &layer) in LAYERS.iter().enumerate().skip(layers.start).take(layers.len()).rev() {
            let input = t.inputs[i].clone();
            g = match layer {
                Layer::Fc1 => Activation::Flat(g.flat().matmul(self.fc1.weight.val().transpose())),
                Layer::Fc2 => Activation::Flat(g.flat().matmul(self.fc2.weight.val().transpose())),
                Layer::Relu => match input {
                    Activation::Maps(pre) => Activation::Maps(relu_back(rule, pre, g.maps())),
                    Activation::Flat(pre) => Activation::Flat(relu_back(rule, pre, g.flat())),
                },
                Layer::Flatten => {
                    let dims = input.maps().dims();
                    Activation::Maps(g.flat().reshape(dims))
                }
                Layer::Pool => Activation::Maps(t.pool_back(i, g.maps())),
                Layer::Dropout => g,
                Layer::Conv1 => Activation::Maps(conv_back(g.maps(), self.conv1.weight.val())),
                Layer::Conv2 => Activation::Maps(conv_back(g.maps(), self.conv2.weight.val())),
            };
        }
        g
    }
}

/// A valid 3x3 convolution's backward with respect to its input.
pub fn conv_back(g: Tensor<4>, weight: Tensor<4>) -> Tensor<4> {
    conv_transpose2d(g, weight, None, ConvTransposeOptions::new([1, 1], [0, 0], [0, 0], [1, 1], 1))
}

/// Turns a batch of H x W x C images (the layout of PNGs, npy files and JS arrays) into the
/// model's [N, C, H, W] tensor, checking size and values.
pub fn images_to_tensor(kind: DatasetKind, hwc: &[f32], device: &Device) -> Result<Tensor<4>> {
    crate::spec::InputSpec::of(kind).images_to_tensor(hwc, device)
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
