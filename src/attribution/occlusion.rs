//! Occlusion (Zeiler & Fergus 2014): slide a patch of `baseline_value` over the image and record
//! the drop of the target logit, averaged over the patches that cover each pixel.

use burn::tensor::{Tensor, TensorData};

use super::registry::params::{MethodInfo, MethodOptions, Param, ParamKind};
use super::{Attribution, Network, Part};
use crate::model::to_vec;
use crate::{Error, Result};

pub struct Occlusion {
    pub patch: usize,
    pub stride: usize,
    pub baseline_value: f32,
    pub batch_size: usize,
}

impl Occlusion {
    /// Top-left corners along one axis: 0, s, 2s, ... while the patch fits.
    fn starts(&self, side: usize) -> Vec<usize> {
        if self.patch > side { Vec::new() } else { (0..=side - self.patch).step_by(self.stride.max(1)).collect() }
    }
}

impl Attribution for Occlusion {
    fn attribute(&self, net: &Network, x: &Tensor<4>, targets: &[usize]) -> Result<Tensor<4>> {
        self.patches_share(net, x, targets, Part::WHOLE)
    }

    /// Each pixel's mean drop over the patches covering it, counting only the part's patches
    /// (divided by the number of all covering patches, so the parts sum to the mean).
    fn attribute_part(&self, net: &Network, x: &Tensor<4>, targets: &[usize], part: Part) -> Result<Option<Tensor<4>>> {
        self.patches_share(net, x, targets, part).map(Some)
    }
}

impl Occlusion {
    fn patches_share(&self, net: &Network, x: &Tensor<4>, targets: &[usize], part: Part) -> Result<Tensor<4>> {
        let [n, c, h, w] = x.dims();
        let device = x.device();
        let (ys, xs) = (self.starts(h), self.starts(w));
        let patches: Vec<(usize, usize)> = ys.iter().flat_map(|&y| xs.iter().map(move |&x| (y, x))).collect();
        let mut count = vec![0u32; h * w];
        for &(py, px) in &patches {
            for y in py..py + self.patch {
                for xx in px..px + self.patch {
                    count[y * w + xx] += 1;
                }
            }
        }
        let mine = &patches[part.range(patches.len())];
        let per = c * h * w;
        let all = to_vec(x.clone());
        let mut out = Vec::with_capacity(n * per);
        for i in 0..n {
            let img = &all[i * per..(i + 1) * per];
            let t = targets[i];
            let reference = net.logits(&x.clone().slice([i..i + 1]))[0][t];
            let mut sum = vec![0f32; h * w];
            for chunk in mine.chunks(self.batch_size.max(1)) {
                let mut batch = Vec::with_capacity(chunk.len() * per);
                for &(py, px) in chunk {
                    let mut copy = img.to_vec();
                    for ch in 0..c {
                        for y in py..py + self.patch {
                            let row = ch * h * w + y * w;
                            copy[row + px..row + px + self.patch].fill(self.baseline_value);
                        }
                    }
                    batch.extend(copy);
                }
                let xb = Tensor::<4>::from_data(TensorData::new(batch, [chunk.len(), c, h, w]), &device);
                let logits = net.logits(&xb);
                for (k, &(py, px)) in chunk.iter().enumerate() {
                    let drop = reference - logits[k][t];
                    for y in py..py + self.patch {
                        for xx in px..px + self.patch {
                            sum[y * w + xx] += drop;
                        }
                    }
                }
            }
            let avg: Vec<f32> = sum.iter().zip(&count).map(|(s, &k)| if k == 0 { 0.0 } else { s / k as f32 }).collect();
            for _ in 0..c {
                out.extend_from_slice(&avg);
            }
        }
        Ok(Tensor::from_data(TensorData::new(out, [n, c, h, w]), &device))
    }
}

pub const PATCH: Param = Param {
    key: "patch",
    label: "Patch",
    help: "side of the square patch of zeros, in pixels",
    kind: ParamKind::Int { min: 1, max: 32, default: 4 },
    shown: true,
};

pub const STRIDE: Param = Param {
    key: "stride",
    label: "Stride",
    help: "pixels between patch positions",
    kind: ParamKind::Int { min: 1, max: 32, default: 2 },
    shown: true,
};

pub const OCCLUSION: MethodInfo = MethodInfo {
    id: "occlusion",
    name: "Occlusion",
    description: "The drop of the target logit when a patch of zeros covers each pixel (Zeiler & Fergus 2014, Visualizing and Understanding Convolutional Networks).",
    aliases: &[],
    params: &[&PATCH, &STRIDE],
    convergence: None,
    wrappable: true,
    single_channel: false,
    splittable: true,
    build: |o, net| {
        let (patch, stride) = (o.usize("patch"), o.usize("stride"));
        let s = net.spec();
        if patch > s.height.min(s.width) {
            return Err(Error::Options(format!("patch {patch} is larger than the {}x{} image", s.height, s.width)));
        }
        Ok(Box::new(Occlusion { patch, stride, baseline_value: 0.0, batch_size: o.effective_batch() }))
    },
    passes: patches,
};

/// One pass per patch position.
fn patches(o: &MethodOptions, net: &Network) -> usize {
    let (patch, stride) = (o.usize("patch"), o.usize("stride").max(1));
    let per_axis = |side: usize| side.saturating_sub(patch) / stride + 1;
    per_axis(net.spec().height) * per_axis(net.spec().width)
}
