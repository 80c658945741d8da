//! A per-channel affine map, y = x · scale[c] + shift[c]: BatchNormalization at inference, and
//! Add / Sub / Mul / Div by a constant (a model's in-graph normalisation, or a MatMul's bias).
//! A constant of one value applies to every channel.

use super::{Inputs, Op, ReluRule, one};
use crate::graph::{Maps, Shape};

#[derive(Clone, Debug)]
pub struct Affine {
    /// The ONNX op it stands for ("BatchNormalization", "Sub", …), as the layer table shows it.
    kind: &'static str,
    scale: Vec<f32>,
    shift: Vec<f32>,
    /// Whether `scale` and `shift` are learned (BatchNormalization) rather than constants.
    learned: bool,
}

impl Affine {
    /// `scale` and `shift` of one value, or one per channel.
    pub fn new(kind: &'static str, scale: Vec<f32>, shift: Vec<f32>) -> Result<Self, String> {
        if scale.is_empty() || shift.is_empty() {
            return Err("has an empty constant".into());
        }
        if scale.len() != shift.len() && scale.len() != 1 && shift.len() != 1 {
            return Err(format!("has {} scales for {} shifts", scale.len(), shift.len()));
        }
        Ok(Affine { kind, scale, shift, learned: false })
    }

    /// Inference-time batch normalisation: (x − mean) / √(var + ε) · γ + β.
    pub fn batch_norm(gamma: &[f32], beta: &[f32], mean: &[f32], var: &[f32], epsilon: f64) -> Result<Self, String> {
        let c = gamma.len();
        if [beta.len(), mean.len(), var.len()] != [c; 3] {
            return Err(format!(
                "scale, bias, mean and variance have {c}, {}, {} and {} values",
                beta.len(),
                mean.len(),
                var.len()
            ));
        }
        // In f64, as the exporters' reference runtimes fold it.
        let scale: Vec<f32> =
            (0..c).map(|i| (f64::from(gamma[i]) / (f64::from(var[i]) + epsilon).sqrt()) as f32).collect();
        let shift = (0..c).map(|i| (f64::from(beta[i]) - f64::from(mean[i]) * f64::from(scale[i])) as f32).collect();
        let mut a = Affine::new("BatchNormalization", scale, shift)?;
        a.learned = true;
        Ok(a)
    }

    fn channels(&self) -> usize {
        self.scale.len().max(self.shift.len())
    }
    fn at(v: &[f32], ch: usize) -> f32 {
        if v.len() == 1 { v[0] } else { v[ch] }
    }
}

impl Op for Affine {
    fn pointwise(&self) -> bool {
        true
    }
    fn kind(&self) -> &'static str {
        self.kind
    }
    fn shape(&self, inputs: &[Shape]) -> Result<Shape, String> {
        let s = one(inputs)?;
        match self.channels() {
            1 => Ok(s),
            c if c == s.c => Ok(s),
            c => Err(format!("has constants for {c} channels, its input has {} ({s})", s.c)),
        }
    }
    fn forward(&self, x: &Inputs) -> Maps {
        let c = x[0].c.max(1);
        let data = (x[0].data.iter().enumerate())
            .map(|(i, &v)| v * Self::at(&self.scale, i % c) + Self::at(&self.shift, i % c))
            .collect();
        Maps { data, ..*x[0] }
    }
    fn backward(&self, _: &Inputs, _: &Maps, g: &Maps, _: ReluRule) -> Vec<Maps> {
        let c = g.c.max(1);
        let data = g.data.iter().enumerate().map(|(i, &g)| g * Self::at(&self.scale, i % c)).collect();
        vec![Maps { data, ..*g }]
    }
    /// ε-rule of a one-to-one linear layer: R_in = x · scale · R / (z + ε sign z).
    fn lrp(&self, x: &Inputs, z: &Maps, r: &Maps, epsilon: f32) -> Vec<Maps> {
        let c = r.c.max(1);
        let data = (x[0].data.iter().zip(&z.data).zip(&r.data).enumerate())
            .map(|(i, ((&x, &z), &r))| {
                x * Self::at(&self.scale, i % c) * r / (z + if z >= 0.0 { epsilon } else { -epsilon })
            })
            .collect();
        vec![Maps { data, ..*x[0] }]
    }
    fn flops(&self, _: &[Shape], out: Shape) -> u64 {
        2 * out.len() as u64
    }
    fn parameters(&self) -> usize {
        if self.learned { 2 * self.channels() } else { 0 }
    }
}
