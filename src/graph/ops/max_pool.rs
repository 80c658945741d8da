//! Max pooling (any window, stride and padding; ONNX MaxPool with `ceil_mode` 0). The gradient
//! goes to the first maximum of each window in row-major order (burn's and TensorFlow's rule);
//! padding never wins.

use super::{Inputs, Op, ReluRule, one};
use crate::graph::{Maps, Shape};

#[derive(Clone, Copy, Debug)]
pub struct MaxPool {
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    /// top, left, bottom, right.
    pub pads: [usize; 4],
}

impl MaxPool {
    /// k×k windows with stride k, no padding (an odd last row or column is dropped).
    pub fn square(k: usize) -> Self {
        MaxPool { kernel: [k, k], stride: [k, k], pads: [0; 4] }
    }

    fn out_shape(&self, s: Shape) -> Option<Shape> {
        let [kh, kw] = self.kernel;
        let [sh, sw] = self.stride;
        let (h, w) = (s.h + self.pads[0] + self.pads[2], s.w + self.pads[1] + self.pads[3]);
        (kh > 0 && kw > 0 && sh > 0 && sw > 0 && h >= kh && w >= kw)
            .then(|| Shape::new(s.c, (h - kh) / sh + 1, (w - kw) / sw + 1))
    }

    /// The output and, for each output value, the input index of the first maximum of its window.
    /// Selects, not branches: which pixel wins is a coin flip, and selects run four channels at once.
    fn pool(&self, x: &Maps) -> (Maps, Vec<u32>) {
        let Some(shape) = self.out_shape(x.shape()) else { return (Maps::default(), Vec::new()) };
        let mut out = Maps::of_shape(shape);
        let c = x.c;
        let mut switches = vec![0u32; out.data.len()];
        let runs = out.data.chunks_exact_mut(c.max(1)).zip(switches.chunks_exact_mut(c.max(1)));
        for (p, (o, s)) in runs.enumerate() {
            let (oy, ox) = (p / shape.w, p % shape.w);
            let mut first = true;
            for ky in 0..self.kernel[0] {
                let Some(y) = (oy * self.stride[0] + ky).checked_sub(self.pads[0]).filter(|&y| y < x.h) else {
                    continue;
                };
                for kx in 0..self.kernel[1] {
                    let Some(xx) = (ox * self.stride[1] + kx).checked_sub(self.pads[1]).filter(|&v| v < x.w) else {
                        continue;
                    };
                    let at = (y * x.w + xx) * c;
                    let v = &x.data[at..at + c];
                    if first {
                        o.copy_from_slice(v);
                        for (j, s) in s.iter_mut().enumerate() {
                            *s = (at + j) as u32;
                        }
                        first = false;
                        continue;
                    }
                    for j in 0..c {
                        (o[j], s[j]) = if v[j] > o[j] { (v[j], (at + j) as u32) } else { (o[j], s[j]) };
                    }
                }
            }
        }
        (out, switches)
    }
}

impl Op for MaxPool {
    fn kind(&self) -> &'static str {
        "MaxPool"
    }
    fn shape(&self, inputs: &[Shape]) -> Result<Shape, String> {
        let s = one(inputs)?;
        if self.pads.iter().enumerate().any(|(i, &p)| p >= self.kernel[i % 2]) {
            return Err(format!("padding {:?} is not smaller than the window {:?}", self.pads, self.kernel));
        }
        self.out_shape(s).ok_or_else(|| format!("a {:?} window does not fit its {s} input", self.kernel))
    }
    fn forward(&self, x: &Inputs) -> Maps {
        self.pool(x[0]).0
    }
    fn backward(&self, x: &Inputs, _: &Maps, g: &Maps, _: ReluRule) -> Vec<Maps> {
        let (_, switches) = self.pool(x[0]);
        let mut back = Maps::of_shape(x[0].shape());
        for (&s, &v) in switches.iter().zip(&g.data) {
            back.data[s as usize] += v;
        }
        vec![back]
    }
    /// Winner takes all: relevance goes where the gradient goes.
    fn lrp(&self, x: &Inputs, out: &Maps, r: &Maps, _: f32) -> Vec<Maps> {
        self.backward(x, out, r, ReluRule::Gradient)
    }
    fn flops(&self, _: &[Shape], out: Shape) -> u64 {
        (out.len() * self.kernel[0] * self.kernel[1]) as u64
    }
}
