//! Flatten: feature maps to one vector in (C, H, W) order (burn's and ONNX's order for NCHW).

use super::{Inputs, Op, ReluRule, one};
use crate::graph::{Maps, Shape};

#[derive(Clone, Copy, Debug, Default)]
pub struct Flatten;

impl Op for Flatten {
    fn kind(&self) -> &'static str {
        "Flatten"
    }
    fn shape(&self, inputs: &[Shape]) -> Result<Shape, String> {
        one(inputs).map(|s| Shape::vector(s.len()))
    }
    fn forward(&self, x: &Inputs) -> Maps {
        let data = x[0].to_chw();
        Maps { c: data.len(), data, h: 1, w: 1 }
    }
    fn backward(&self, x: &Inputs, _: &Maps, g: &Maps, _: ReluRule) -> Vec<Maps> {
        vec![Maps::from_chw(&g.data, x[0].c, x[0].h, x[0].w)]
    }
    fn lrp(&self, x: &Inputs, out: &Maps, r: &Maps, _: f32) -> Vec<Maps> {
        self.backward(x, out, r, ReluRule::Gradient)
    }
    fn flops(&self, _: &[Shape], _: Shape) -> u64 {
        0
    }
}
