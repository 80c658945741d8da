//! A dense (fully connected) layer on a vector: ONNX Gemm, or MatMul + Add.

use std::sync::Arc;

use super::{Init, Inputs, Op, ReluRule, axpy, draw, nonzero_runs};
use crate::graph::{Maps, Shape};
use crate::rng::Rng;

#[derive(Clone, Debug)]
pub struct Dense {
    inputs: usize,
    outputs: usize,
    /// [in][out] (burn's layout): the forward pass adds rows of outputs.
    forward: Vec<f32>,
    /// [out][in]: the backward pass adds rows of inputs.
    backward: Vec<f32>,
    bias: Vec<f32>,
    /// Whether the model has a bias (else `bias` is zeros and not a parameter).
    biased: bool,
}

impl Dense {
    /// From a weight laid out [in][out] and an optional bias of `outputs` values.
    pub fn new(weight: Vec<f32>, bias: Option<Vec<f32>>, inputs: usize, outputs: usize) -> Result<Self, String> {
        if weight.len() != inputs * outputs {
            return Err(format!("weight has {} values, {inputs}×{outputs} needs {}", weight.len(), inputs * outputs));
        }
        let biased = bias.is_some();
        let bias = bias.unwrap_or_else(|| vec![0.0; outputs]);
        if bias.len() != outputs {
            return Err(format!("bias has {} values for {outputs} outputs", bias.len()));
        }
        let backward = (0..inputs * outputs).map(|j| weight[(j % inputs) * outputs + j / inputs]).collect();
        Ok(Dense { inputs, outputs, forward: weight, backward, bias, biased })
    }
    pub fn outputs(&self) -> usize {
        self.outputs
    }
    fn apply(&self, x: &[f32]) -> Vec<f32> {
        let mut out = self.bias.clone();
        add_rows(&mut out, &nonzero_runs(x, x.len()).0, &self.forward);
        out
    }
    fn back(&self, g: &[f32]) -> Vec<f32> {
        let mut out = vec![0.0; self.inputs];
        add_rows(&mut out, &nonzero_runs(g, g.len()).0, &self.backward);
        out
    }
}

/// `out += Σ v · rows[i]` over the `(i, v)` of `terms`, in their order. Whole rows, one after the
/// other: fc1's weights (1.6 MB for MNIST) stream from memory, and reading them in order beat
/// keeping blocks of `out` in registers (that measured slower in the page).
fn add_rows(out: &mut [f32], terms: &[(u32, f32)], rows: &[f32]) {
    let width = out.len();
    for &(i, v) in terms {
        axpy(out, v, &rows[i as usize * width..][..width]);
    }
}

impl Op for Dense {
    fn kind(&self) -> &'static str {
        "Gemm"
    }
    fn shape(&self, inputs: &[Shape]) -> Result<Shape, String> {
        match inputs {
            [s] if s.len() == self.inputs => Ok(Shape::vector(self.outputs)),
            [s] => Err(format!("takes {} features, its input has {} ({s})", self.inputs, s.len())),
            _ => Err(format!("takes one input, was given {}", inputs.len())),
        }
    }
    fn forward(&self, x: &Inputs) -> Maps {
        Maps { data: self.apply(&x[0].data), h: 1, w: 1, c: self.outputs }
    }
    fn backward(&self, x: &Inputs, _: &Maps, g: &Maps, _: ReluRule) -> Vec<Maps> {
        vec![Maps { data: self.back(&g.data), ..*x[0] }]
    }
    /// ε-rule: R_in = a · (W (R / (z + ε sign z))), z = a W + b (sign(0) = +1).
    fn lrp(&self, x: &Inputs, z: &Maps, r: &Maps, epsilon: f32) -> Vec<Maps> {
        let s: Vec<f32> =
            r.data.iter().zip(&z.data).map(|(&r, &z)| r / (z + if z >= 0.0 { epsilon } else { -epsilon })).collect();
        let data = self.back(&s).iter().zip(&x[0].data).map(|(&g, &a)| a * g).collect();
        vec![Maps { data, ..*x[0] }]
    }
    fn flops(&self, _: &[Shape], _: Shape) -> u64 {
        2 * (self.inputs * self.outputs) as u64
    }
    fn parameters(&self) -> usize {
        self.forward.len() + if self.biased { self.outputs } else { 0 }
    }
    /// Drawn [out][in], PyTorch's and the weights file's layout.
    fn reinitialized(&self, rng: &mut Rng, init: Init) -> Option<Arc<dyn Op>> {
        let (i, o) = (self.inputs, self.outputs);
        let (drawn, bias) = draw(rng, init, i * o, self.biased.then_some(o), i, o);
        let weight = (0..drawn.len()).map(|j| drawn[(j % o) * i + j / o]).collect();
        Some(Arc::new(Dense::new(weight, bias, self.inputs, self.outputs).ok()?))
    }
    fn parameter_values(&self) -> Vec<f32> {
        let bias = if self.biased { &self.bias[..] } else { &[] };
        [&self.forward[..], bias].concat()
    }
    fn with_parameter_values(&self, values: &[f32]) -> Option<Arc<dyn Op>> {
        let (weight, bias) = values.split_at_checked(self.forward.len())?;
        let bias = self.biased.then(|| bias.to_vec());
        Some(Arc::new(Dense::new(weight.to_vec(), bias, self.inputs, self.outputs).ok()?))
    }
    /// ∂/∂W[i][o] = x[i] · g[o] (rows for the nonzero inputs only), ∂/∂b = g.
    fn parameter_gradient(&self, x: &Inputs, g: &Maps) -> Vec<f32> {
        let mut grad = vec![0.0; self.parameters()];
        let (weight, bias) = grad.split_at_mut(self.forward.len());
        for (i, v) in x[0].data.iter().enumerate() {
            if *v != 0.0 {
                axpy(&mut weight[i * self.outputs..][..self.outputs], *v, &g.data);
            }
        }
        if self.biased {
            bias.copy_from_slice(&g.data);
        }
        grad
    }
}
