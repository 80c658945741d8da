//! The sum of two values of one shape (a residual connection).

use super::{Inputs, Op, ReluRule};
use crate::graph::{Maps, Shape};

#[derive(Clone, Copy, Debug, Default)]
pub struct Add;

impl Op for Add {
    fn pointwise(&self) -> bool {
        true
    }
    fn kind(&self) -> &'static str {
        "Add"
    }
    fn shape(&self, inputs: &[Shape]) -> Result<Shape, String> {
        match inputs {
            [a, b] if a == b => Ok(*a),
            [a, b] => Err(format!("adds values of different shapes, {a} and {b}")),
            _ => Err(format!("takes two inputs, was given {}", inputs.len())),
        }
    }
    fn forward(&self, x: &Inputs) -> Maps {
        let mut out = x[0].clone();
        out.add_assign(x[1]);
        out
    }
    fn backward(&self, _: &Inputs, _: &Maps, g: &Maps, _: ReluRule) -> Vec<Maps> {
        vec![g.clone(), g.clone()]
    }
    /// Each summand takes its share of the relevance, a_i / (a + b) (ε-stabilised like a dense
    /// layer's z, sign(0) = +1).
    fn lrp(&self, x: &Inputs, z: &Maps, r: &Maps, epsilon: f32) -> Vec<Maps> {
        let share = |a: &Maps| {
            let data = (a.data.iter().zip(&z.data).zip(&r.data))
                .map(|((&a, &z), &r)| a * r / (z + if z >= 0.0 { epsilon } else { -epsilon }))
                .collect();
            Maps { data, ..*a }
        };
        vec![share(x[0]), share(x[1])]
    }
    fn flops(&self, _: &[Shape], out: Shape) -> u64 {
        out.len() as u64
    }
}
