//! Concatenation on the channel axis (ONNX Concat, axis 1): the maps side by side.

use super::{Inputs, Op, ReluRule};
use crate::graph::{Maps, Shape};

#[derive(Clone, Copy, Debug, Default)]
pub struct Concat;

impl Concat {
    /// Each input's channels cut out of `m`, whose channels are theirs side by side.
    fn split(x: &Inputs, m: &Maps) -> Vec<Maps> {
        let mut from = 0;
        x.iter()
            .map(|x| {
                let data =
                    m.data.chunks_exact(m.c.max(1)).flat_map(|px| px[from..from + x.c].iter().copied()).collect();
                from += x.c;
                Maps { data, ..**x }
            })
            .collect()
    }
}

impl Op for Concat {
    fn kind(&self) -> &'static str {
        "Concat"
    }
    fn shape(&self, inputs: &[Shape]) -> Result<Shape, String> {
        let Some(&first) = inputs.first() else { return Err("takes at least one input, was given none".into()) };
        if let Some(s) = inputs.iter().find(|s| (s.h, s.w) != (first.h, first.w)) {
            return Err(format!("joins maps of different sizes on channels, {first} and {s}"));
        }
        Ok(Shape::new(inputs.iter().map(|s| s.c).sum(), first.h, first.w))
    }
    fn forward(&self, x: &Inputs) -> Maps {
        let c = x.iter().map(|m| m.c).sum();
        let mut data = Vec::with_capacity(x.iter().map(|m| m.data.len()).sum());
        for p in 0..x[0].h * x[0].w {
            for m in x {
                data.extend_from_slice(&m.data[p * m.c..(p + 1) * m.c]);
            }
        }
        Maps { data, c, ..*x[0] }
    }
    fn backward(&self, x: &Inputs, _: &Maps, g: &Maps, _: ReluRule) -> Vec<Maps> {
        Self::split(x, g)
    }
    fn lrp(&self, x: &Inputs, _: &Maps, r: &Maps, _: f32) -> Vec<Maps> {
        Self::split(x, r)
    }
    fn flops(&self, _: &[Shape], _: Shape) -> u64 {
        0
    }
}
