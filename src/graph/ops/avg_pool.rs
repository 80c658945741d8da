//! Average pooling (ONNX AveragePool with `ceil_mode` 0, either `count_include_pad`), and
//! GlobalAveragePool as the window that covers the whole map.

use super::{Inputs, Op, ReluRule, one};
use crate::graph::{Maps, Shape};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AvgPool {
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    /// top, left, bottom, right.
    pub pads: [usize; 4],
    /// Whether padding counts in each window's divisor (ONNX's default: it does not).
    pub count_include_pad: bool,
    /// GlobalAveragePool: the window is the whole input, whatever its size.
    pub global: bool,
}

impl AvgPool {
    pub fn global() -> Self {
        AvgPool { kernel: [0, 0], stride: [1, 1], pads: [0; 4], count_include_pad: false, global: true }
    }

    fn geometry(&self, s: Shape) -> ([usize; 2], [usize; 2], [usize; 4]) {
        if self.global { ([s.h, s.w], [1, 1], [0; 4]) } else { (self.kernel, self.stride, self.pads) }
    }

    fn out_shape(&self, s: Shape) -> Option<Shape> {
        let ([kh, kw], [sh, sw], p) = self.geometry(s);
        let (h, w) = (s.h + p[0] + p[2], s.w + p[1] + p[3]);
        (kh > 0 && kw > 0 && sh > 0 && sw > 0 && h >= kh && w >= kw)
            .then(|| Shape::new(s.c, (h - kh) / sh + 1, (w - kw) / sw + 1))
    }

    /// For each output pixel, its window's input pixels (inside the map) and the divisor.
    fn windows(&self, s: Shape) -> Vec<(Vec<usize>, f32)> {
        let Some(out) = self.out_shape(s) else { return Vec::new() };
        let ([kh, kw], [sh, sw], p) = self.geometry(s);
        let mut all = Vec::with_capacity(out.h * out.w);
        for oy in 0..out.h {
            for ox in 0..out.w {
                let mut px = Vec::with_capacity(kh * kw);
                for ky in 0..kh {
                    let Some(y) = (oy * sh + ky).checked_sub(p[0]).filter(|&y| y < s.h) else { continue };
                    for kx in 0..kw {
                        let Some(x) = (ox * sw + kx).checked_sub(p[1]).filter(|&x| x < s.w) else { continue };
                        px.push(y * s.w + x);
                    }
                }
                // With padding included the divisor is the window clipped to the padded map.
                let (y0, x0) = (oy * sh, ox * sw);
                let full = (kh.min(s.h + p[0] + p[2] - y0)) * (kw.min(s.w + p[1] + p[3] - x0));
                let n = if self.count_include_pad { full } else { px.len() };
                all.push((px, 1.0 / n.max(1) as f32));
            }
        }
        all
    }
}

impl Op for AvgPool {
    fn kind(&self) -> &'static str {
        if self.global { "GlobalAveragePool" } else { "AveragePool" }
    }
    fn shape(&self, inputs: &[Shape]) -> Result<Shape, String> {
        let s = one(inputs)?;
        self.out_shape(s).ok_or_else(|| format!("window {:?} does not fit its input {s}", self.kernel))
    }
    fn forward(&self, x: &Inputs) -> Maps {
        let x = x[0];
        let Some(shape) = self.out_shape(x.shape()) else { return Maps::default() };
        let mut out = Maps::of_shape(shape);
        for ((px, scale), o) in self.windows(x.shape()).iter().zip(out.data.chunks_exact_mut(x.c)) {
            for &p in px {
                super::axpy(o, 1.0, &x.data[p * x.c..][..x.c]);
            }
            o.iter_mut().for_each(|v| *v *= scale);
        }
        out
    }
    fn backward(&self, x: &Inputs, _: &Maps, g: &Maps, _: ReluRule) -> Vec<Maps> {
        let x = x[0];
        let mut back = Maps::of_shape(x.shape());
        for ((px, scale), g) in self.windows(x.shape()).iter().zip(g.data.chunks_exact(x.c)) {
            for &p in px {
                super::axpy(&mut back.data[p * x.c..][..x.c], *scale, g);
            }
        }
        vec![back]
    }
    /// ε-rule of the linear map it is: R_in = x · backward(R / (z + ε sign z)).
    fn lrp(&self, x: &Inputs, z: &Maps, r: &Maps, epsilon: f32) -> Vec<Maps> {
        let s: Vec<f32> =
            r.data.iter().zip(&z.data).map(|(&r, &z)| r / (z + if z >= 0.0 { epsilon } else { -epsilon })).collect();
        let mut back = self.backward(x, z, &Maps { data: s, ..*r }, ReluRule::Gradient);
        back[0].data.iter_mut().zip(&x[0].data).for_each(|(b, &a)| *b *= a);
        back
    }
    fn flops(&self, inputs: &[Shape], out: Shape) -> u64 {
        let ([kh, kw], ..) = inputs.first().map(|&s| self.geometry(s)).unwrap_or((self.kernel, self.stride, self.pads));
        (out.len() * kh * kw) as u64
    }
}
