//! The operations a graph is made of. Each op is one file holding everything about it: its
//! shape rule, forward pass, input-gradient backward pass (with the ReLU rule that guided
//! backprop and deconvnet swap in), LRP rule and cost. The engine (`super::Graph`) only walks
//! nodes and calls these; it knows no op by name.

mod activation;
mod add;
mod affine;
mod avg_pool;
mod concat;
mod conv;
mod dense;
mod dropout;
mod flatten;
mod identity;
mod max_pool;
mod relu;
mod transpose;

pub use activation::Activation;
pub use add::Add;
pub use affine::Affine;
pub use avg_pool::AvgPool;
pub use concat::Concat;
pub use conv::{Conv, ConvGeometry};
pub use dense::Dense;
pub use dropout::{Dropout, DropoutMask};
pub use flatten::Flatten;
pub use identity::Identity;
pub use max_pool::MaxPool;
pub use relu::{Relu, ReluRule};
pub use transpose::Transpose;

use std::sync::Arc;

use super::{Maps, Shape};
use crate::rng::Rng;

/// What an op is given: the values of its inputs, in the node's order.
pub type Inputs<'a> = [&'a Maps];

pub trait Op: std::fmt::Debug + Send + Sync {
    /// The op's name as ONNX spells it ("Conv", "Relu", …): what the layer table and errors show.
    fn kind(&self) -> &'static str;
    /// The output shape for these input shapes, or why they don't fit (without the node's name:
    /// the graph adds it).
    fn shape(&self, inputs: &[Shape]) -> Result<Shape, String>;
    fn forward(&self, inputs: &Inputs) -> Maps;
    /// The gradient at each input from `g`, the gradient at the output; `output` is this node's
    /// forward value. Only a ReLU reads `rule`.
    fn backward(&self, inputs: &Inputs, output: &Maps, g: &Maps, rule: ReluRule) -> Vec<Maps>;
    /// The relevance at each input from `r`, the relevance at the output (LRP: ε-rule for dense
    /// layers, z⁺ for convolutions, the gradient's path through pooling and reshapes).
    fn lrp(&self, inputs: &Inputs, output: &Maps, r: &Maps, epsilon: f32) -> Vec<Maps>;
    /// Floating-point operations of one forward pass (a multiply-add is two).
    fn flops(&self, inputs: &[Shape], output: Shape) -> u64;
    /// Learned parameters (weights and biases).
    fn parameters(&self) -> usize {
        0
    }
    /// A copy with its learned weights drawn afresh by `init` (the randomisation test; a fresh
    /// network to train), or `None` when it has none to draw (a per-channel affine keeps its
    /// statistics: it is normalisation).
    fn reinitialized(&self, _rng: &mut Rng, _init: Init) -> Option<Arc<dyn Op>> {
        None
    }
    /// Training: the learned parameters as one vector (the weight in the layout its constructor
    /// takes, then the bias if the model has one); empty for an op without any.
    fn parameter_values(&self) -> Vec<f32> {
        Vec::new()
    }
    /// A copy holding `values` (laid out as `parameter_values`), or `None` for an op without
    /// parameters or values of the wrong length.
    fn with_parameter_values(&self, _values: &[f32]) -> Option<Arc<dyn Op>> {
        None
    }
    /// The gradient of ⟨g, output⟩ with respect to the parameters, laid out as
    /// `parameter_values` (empty for an op without any).
    fn parameter_gradient(&self, _inputs: &Inputs, _g: &Maps) -> Vec<f32> {
        Vec::new()
    }
    /// The op as it runs on one training image, its output of shape `output` (dropout draws
    /// its mask from `rng`), or `None` when it runs as at inference.
    fn training(&self, _output: Shape, _rng: &mut Rng) -> Option<Arc<dyn Op>> {
        None
    }
    /// Whether each output position reads only the same position of its inputs (an activation,
    /// a per-channel affine, a residual sum): a CAM's default layer follows a conv through these.
    fn pointwise(&self) -> bool {
        false
    }
}

/// max(v, 0) as a select, which WASM SIMD does four at a time (`f32x4.pmax`); `f32::max` must
/// also map NaN to the other operand, and that compiles to a scalar loop.
#[inline(always)]
pub(crate) fn positive(v: f32) -> f32 {
    if v > 0.0 { v } else { 0.0 }
}

/// `acc += v · row`, the one inner loop every layer runs.
#[inline(always)]
pub(crate) fn axpy(acc: &mut [f32], v: f32, row: &[f32]) {
    for (a, &r) in acc.iter_mut().zip(row) {
        *a += v * r;
    }
}

/// `data` cut into runs of `run` values: each run's nonzero values as (index in the run, value),
/// and where each run's list starts (one more entry for the end). A loop over these runs without
/// a data-dependent branch: after ReLU and pooling, whether a value is zero is a coin flip the
/// branch predictor loses; skipping a zero term changes no sum.
pub(crate) fn nonzero_runs(data: &[f32], run: usize) -> (Vec<(u32, f32)>, Vec<usize>) {
    // Every value is written, and the end moves past it only if it is nonzero: no branch.
    let mut nonzero = vec![(0, 0.0); data.len()];
    let run = run.max(1);
    let mut starts = Vec::with_capacity(data.len() / run + 1);
    let mut end = 0;
    for px in data.chunks_exact(run) {
        starts.push(end);
        for (i, &v) in px.iter().enumerate() {
            nonzero[end] = (i as u32, v);
            end += usize::from(v != 0.0);
        }
    }
    starts.push(end);
    nonzero.truncate(end);
    (nonzero, starts)
}

/// How fresh weights are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Init {
    /// PyTorch's default: weights and biases U(±1/√fan_in) (the randomisation test).
    PyTorch,
    /// Keras's default: glorot_uniform weights U(±√(6 / (fan_in + fan_out))), zero biases (a
    /// network trained from scratch, as the tutorial's).
    Keras,
}

/// `weights` values, then `biases` values if there are any, drawn by `init` for a layer of this
/// fan-in and fan-out; weights in their exchange layout ([out][in…]).
pub(crate) fn draw(
    rng: &mut Rng,
    init: Init,
    weights: usize,
    biases: Option<usize>,
    fan_in: usize,
    fan_out: usize,
) -> (Vec<f32>, Option<Vec<f32>>) {
    let mut uniform = |n: usize, bound: f64| (0..n).map(|_| ((rng.uniform() * 2.0 - 1.0) * bound) as f32).collect();
    match init {
        Init::PyTorch => {
            let bound = 1.0 / (fan_in.max(1) as f64).sqrt();
            let w = uniform(weights, bound);
            (w, biases.map(|n| uniform(n, bound)))
        }
        Init::Keras => {
            let w = uniform(weights, (6.0 / (fan_in + fan_out).max(1) as f64).sqrt());
            (w, biases.map(|n| vec![0.0; n]))
        }
    }
}

/// Exactly one input, or the error a graph reports for its node.
pub(crate) fn one(inputs: &[Shape]) -> Result<Shape, String> {
    match inputs {
        [s] => Ok(*s),
        _ => Err(format!("takes one input, was given {}", inputs.len())),
    }
}
