//! Identity, and Dropout at inference: the value passes unchanged both ways.

use super::{Inputs, Op, ReluRule, one};
use crate::graph::{Maps, Shape};

#[derive(Clone, Copy, Debug)]
pub struct Identity {
    /// The op it stands for ("Identity", "Dropout"), as the layer table shows it.
    pub kind: &'static str,
}

impl Op for Identity {
    fn kind(&self) -> &'static str {
        self.kind
    }
    fn shape(&self, inputs: &[Shape]) -> Result<Shape, String> {
        one(inputs)
    }
    fn forward(&self, x: &Inputs) -> Maps {
        x[0].clone()
    }
    fn backward(&self, _: &Inputs, _: &Maps, g: &Maps, _: ReluRule) -> Vec<Maps> {
        vec![g.clone()]
    }
    fn lrp(&self, _: &Inputs, _: &Maps, r: &Maps, _: f32) -> Vec<Maps> {
        vec![r.clone()]
    }
    fn flops(&self, _: &[Shape], _: Shape) -> u64 {
        0
    }
}
