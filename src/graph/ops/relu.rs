//! ReLU, and the rules by which guided backprop and deconvnet replace its backward pass.

use super::{Inputs, Op, one, positive};
use crate::graph::{Maps, Shape};

/// How a ReLU passes the upstream gradient g back, given its pre-activation x.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReluRule {
    /// g * [x > 0]: the true gradient.
    Gradient,
    /// g * [x > 0] * [g > 0] (Springenberg et al.).
    Guided,
    /// max(g, 0), ignoring the forward sign (Zeiler & Fergus; keras-vis "rectified").
    Deconvnet,
}

impl ReluRule {
    /// The gradient at the input from `g` at the output, given the pre-activation `x`.
    #[inline(always)]
    pub fn pass(self, x: f32, g: f32) -> f32 {
        match self {
            ReluRule::Gradient if x > 0.0 => g,
            ReluRule::Guided if x > 0.0 => positive(g),
            ReluRule::Deconvnet => positive(g),
            _ => 0.0,
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Relu;

impl Op for Relu {
    fn pointwise(&self) -> bool {
        true
    }
    fn kind(&self) -> &'static str {
        "Relu"
    }
    fn shape(&self, inputs: &[Shape]) -> Result<Shape, String> {
        one(inputs)
    }
    fn forward(&self, x: &Inputs) -> Maps {
        Maps { data: x[0].data.iter().map(|&v| positive(v)).collect(), ..*x[0] }
    }
    fn backward(&self, x: &Inputs, _: &Maps, g: &Maps, rule: ReluRule) -> Vec<Maps> {
        let data = g.data.iter().zip(&x[0].data).map(|(&g, &x)| rule.pass(x, g)).collect();
        vec![Maps { data, ..*g }]
    }
    /// Relevance passes through unchanged (the rule sits in the layer before).
    fn lrp(&self, _: &Inputs, _: &Maps, r: &Maps, _: f32) -> Vec<Maps> {
        vec![r.clone()]
    }
    fn flops(&self, _: &[Shape], out: Shape) -> u64 {
        out.len() as u64
    }
}
