//! Elementwise activations other than ReLU: each one's function and derivative, with PyTorch's
//! choice at the kinks (so maps match a model's own framework at inputs that sit exactly on one).
//! Guided backprop and deconvnet change only ReLUs (as Captum's do); these pass the true gradient.

use super::{Inputs, Op, ReluRule, one};
use crate::graph::{Maps, Shape};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activation {
    /// x if x > 0 else α x.
    LeakyRelu {
        alpha: f32,
    },
    /// x if x > 0 else α (eˣ − 1).
    Elu {
        alpha: f32,
    },
    Sigmoid,
    Tanh,
    /// min(max(x, lo), hi); ReLU6 is Clip(0, 6). The gradient passes strictly inside.
    Clip {
        lo: f32,
        hi: f32,
    },
    /// max(0, min(1, α x + β)).
    HardSigmoid {
        alpha: f32,
        beta: f32,
    },
    /// x · max(0, min(1, x / 6 + 1/2)).
    HardSwish,
}

impl Activation {
    fn value(self, x: f32) -> f32 {
        match self {
            Activation::LeakyRelu { alpha } => {
                if x > 0.0 {
                    x
                } else {
                    alpha * x
                }
            }
            Activation::Elu { alpha } => {
                if x > 0.0 {
                    x
                } else {
                    alpha * x.exp_m1()
                }
            }
            Activation::Sigmoid => sigmoid(x),
            Activation::Tanh => x.tanh(),
            Activation::Clip { lo, hi } => x.max(lo).min(hi),
            Activation::HardSigmoid { alpha, beta } => (alpha * x + beta).clamp(0.0, 1.0),
            Activation::HardSwish => x * (x / 6.0 + 0.5).clamp(0.0, 1.0),
        }
    }
    /// dy/dx at x (y the forward value, which sigmoid and tanh reuse).
    fn slope(self, x: f32, y: f32) -> f32 {
        let inside = |lo: f32, v: f32, hi: f32| if lo < v && v < hi { 1.0 } else { 0.0 };
        match self {
            Activation::LeakyRelu { alpha } => {
                if x > 0.0 {
                    1.0
                } else {
                    alpha
                }
            }
            Activation::Elu { alpha } => {
                if x > 0.0 {
                    1.0
                } else {
                    y + alpha
                }
            }
            Activation::Sigmoid => y * (1.0 - y),
            Activation::Tanh => 1.0 - y * y,
            Activation::Clip { lo, hi } => inside(lo, x, hi),
            Activation::HardSigmoid { alpha, beta } => alpha * inside(0.0, alpha * x + beta, 1.0),
            Activation::HardSwish => {
                if x < -3.0 {
                    0.0
                } else if x <= 3.0 {
                    x / 3.0 + 0.5
                } else {
                    1.0
                }
            }
        }
    }
}

fn sigmoid(x: f32) -> f32 {
    // Split by sign so neither branch overflows.
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

impl Op for Activation {
    fn pointwise(&self) -> bool {
        true
    }
    fn kind(&self) -> &'static str {
        match self {
            Activation::LeakyRelu { .. } => "LeakyRelu",
            Activation::Elu { .. } => "Elu",
            Activation::Sigmoid => "Sigmoid",
            Activation::Tanh => "Tanh",
            Activation::Clip { .. } => "Clip",
            Activation::HardSigmoid { .. } => "HardSigmoid",
            Activation::HardSwish => "HardSwish",
        }
    }
    fn shape(&self, inputs: &[Shape]) -> Result<Shape, String> {
        one(inputs)
    }
    fn forward(&self, x: &Inputs) -> Maps {
        Maps { data: x[0].data.iter().map(|&v| self.value(v)).collect(), ..*x[0] }
    }
    fn backward(&self, x: &Inputs, y: &Maps, g: &Maps, _: ReluRule) -> Vec<Maps> {
        let data = (g.data.iter().zip(&x[0].data).zip(&y.data)).map(|((&g, &x), &y)| g * self.slope(x, y)).collect();
        vec![Maps { data, ..*g }]
    }
    /// Relevance passes through unchanged, as at a ReLU.
    fn lrp(&self, _: &Inputs, _: &Maps, r: &Maps, _: f32) -> Vec<Maps> {
        vec![r.clone()]
    }
    fn flops(&self, _: &[Shape], out: Shape) -> u64 {
        out.len() as u64
    }
}
