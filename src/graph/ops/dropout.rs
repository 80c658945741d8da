//! Dropout: the identity at inference; while training, each value is kept with probability
//! 1 − rate and scaled by 1 / (1 − rate) (Keras' and PyTorch's inverted dropout), the mask drawn
//! per image (`DropoutMask`, which the trainer puts in its place for that image).

use std::sync::Arc;

use super::{Inputs, Op, ReluRule, one};
use crate::graph::{Maps, Shape};
use crate::rng::Rng;

#[derive(Clone, Copy, Debug)]
pub struct Dropout {
    /// The probability of dropping a value, in [0, 1).
    pub rate: f32,
}

impl Op for Dropout {
    fn kind(&self) -> &'static str {
        "Dropout"
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
    fn pointwise(&self) -> bool {
        true
    }
    /// One uniform draw per value, in the channel-last order values are stored in.
    fn training(&self, output: Shape, rng: &mut Rng) -> Option<Arc<dyn Op>> {
        let (rate, scale) = (f64::from(self.rate), 1.0 / (1.0 - self.rate));
        let keep = (0..output.len()).map(|_| if rng.uniform() < rate { 0.0 } else { scale }).collect();
        Some(Arc::new(DropoutMask { keep }))
    }
}

/// One training image's dropout: each value times its factor (0 or 1 / (1 − rate)), both ways.
#[derive(Clone, Debug)]
pub struct DropoutMask {
    keep: Vec<f32>,
}

impl DropoutMask {
    fn times(&self, m: &Maps) -> Maps {
        Maps { data: m.data.iter().zip(&self.keep).map(|(v, k)| v * k).collect(), ..*m }
    }
}

impl Op for DropoutMask {
    fn kind(&self) -> &'static str {
        "Dropout"
    }
    fn shape(&self, inputs: &[Shape]) -> Result<Shape, String> {
        let s = one(inputs)?;
        if s.len() != self.keep.len() {
            return Err(format!("a mask of {} values for a {s} input", self.keep.len()));
        }
        Ok(s)
    }
    fn forward(&self, x: &Inputs) -> Maps {
        self.times(x[0])
    }
    fn backward(&self, _: &Inputs, _: &Maps, g: &Maps, _: ReluRule) -> Vec<Maps> {
        vec![self.times(g)]
    }
    fn lrp(&self, _: &Inputs, _: &Maps, r: &Maps, _: f32) -> Vec<Maps> {
        vec![self.times(r)]
    }
    fn flops(&self, _: &[Shape], out: Shape) -> u64 {
        out.len() as u64
    }
    fn pointwise(&self) -> bool {
        true
    }
}
