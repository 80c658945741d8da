//! A permutation of a value's three axes in ONNX order (C, H, W without the batch): the layout
//! changes a Keras model exported by tf2onnx makes before it flattens channel-last maps.

use super::{Inputs, Op, ReluRule, one};
use crate::graph::{Maps, Shape};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transpose {
    /// Output axis k is input axis `perm[k]` (0: C, 1: H, 2: W).
    pub perm: [usize; 3],
}

impl Transpose {
    fn dims(s: Shape) -> [usize; 3] {
        [s.c, s.h, s.w]
    }
    /// `m`'s values moved to their places after the permutation.
    fn permute(&self, m: &Maps) -> Maps {
        let from = m.shape();
        let d = Self::dims(from);
        let out_dims = self.perm.map(|a| d[a]);
        // Strides of each input axis in the channel-last storage (H, W, C).
        let stride = |dims: [usize; 3]| [1, dims[2] * dims[0], dims[0]];
        let (in_stride, out_stride) = (stride(d), stride(out_dims));
        let mut out = Maps::zeros(out_dims[1], out_dims[2], out_dims[0]);
        for c in 0..out_dims[0] {
            for h in 0..out_dims[1] {
                for w in 0..out_dims[2] {
                    let o = [c, h, w];
                    let mut src = 0;
                    for k in 0..3 {
                        src += o[k] * in_stride[self.perm[k]];
                    }
                    let dst = c * out_stride[0] + h * out_stride[1] + w * out_stride[2];
                    out.data[dst] = m.data[src];
                }
            }
        }
        out
    }
    fn inverse_perm(&self) -> Transpose {
        let mut inv = [0; 3];
        for (k, &a) in self.perm.iter().enumerate() {
            inv[a] = k;
        }
        Transpose { perm: inv }
    }
}

impl Op for Transpose {
    fn kind(&self) -> &'static str {
        "Transpose"
    }
    fn shape(&self, inputs: &[Shape]) -> Result<Shape, String> {
        let s = one(inputs)?;
        let mut seen = [false; 3];
        for &a in &self.perm {
            if a > 2 || std::mem::replace(&mut seen[a], true) {
                return Err(format!("perm {:?} is not a permutation of the axes 0, 1, 2", self.perm));
            }
        }
        let d = Self::dims(s);
        Ok(Shape::new(d[self.perm[0]], d[self.perm[1]], d[self.perm[2]]))
    }
    fn forward(&self, x: &Inputs) -> Maps {
        self.permute(x[0])
    }
    fn backward(&self, _: &Inputs, _: &Maps, g: &Maps, _: ReluRule) -> Vec<Maps> {
        vec![self.inverse_perm().permute(g)]
    }
    fn lrp(&self, x: &Inputs, out: &Maps, r: &Maps, _: f32) -> Vec<Maps> {
        self.backward(x, out, r, ReluRule::Gradient)
    }
    fn flops(&self, _: &[Shape], _: Shape) -> u64 {
        0
    }
}
