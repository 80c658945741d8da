//! The class-activation-map family at any value of the graph with positions (by default the last
//! Conv's output after what follows it pointwise: for the tutorial, conv2 after its ReLU):
//! Grad-CAM (Selvaraju et al. 2017), Guided Grad-CAM, Grad-CAM++ and Score-CAM (these two with
//! tf-keras-vis 0.8.7's semantics).

use burn::tensor::{Tensor, TensorData};

use super::registry::params::{MethodInfo, MethodOptions, Param, ParamKind, one_pass};
use super::{Attribution, Network, ReluRule};
use crate::Result;
use crate::model::{softmax, to_vec};

/// Bilinear resize with aligned corners: output pixel i samples source position i*(h-1)/(H-1).
pub fn upsample_bilinear_aligned(src: &[f32], h: usize, w: usize, out_h: usize, out_w: usize) -> Vec<f32> {
    let pos = |i: usize, n_in: usize, n_out: usize| -> (usize, usize, f32) {
        if n_out <= 1 || n_in <= 1 {
            return (0, 0, 0.0);
        }
        let p = i as f64 * (n_in - 1) as f64 / (n_out - 1) as f64;
        let i0 = (p.floor() as usize).min(n_in - 1);
        let i1 = (i0 + 1).min(n_in - 1);
        (i0, i1, (p - i0 as f64) as f32)
    };
    let mut out = Vec::with_capacity(out_h * out_w);
    for y in 0..out_h {
        let (y0, y1, fy) = pos(y, h, out_h);
        for x in 0..out_w {
            let (x0, x1, fx) = pos(x, w, out_w);
            let top = src[y0 * w + x0] * (1.0 - fx) + src[y0 * w + x1] * fx;
            let bottom = src[y1 * w + x0] * (1.0 - fx) + src[y1 * w + x1] * fx;
            out.push(top * (1.0 - fy) + bottom * fy);
        }
    }
    out
}

/// cam = ReLU(sum_k w_k A_k) with w_k the mean over all positions of d logit / d A_k, at the
/// layer's resolution ([N,1,h,w]).
pub fn cam_low_res(net: &Network, x: &Tensor<4>, targets: &[usize], at: usize) -> Tensor<4> {
    let (a, g) = net.activations_and_gradients(x, targets, at);
    let weights = g.mean_dims(&[2, 3]);
    (weights * a).sum_dim(1).clamp_min(0.0)
}

/// Low-resolution maps [N,1,h,w] (as flat values) upsampled to the input size: [N,1,H,W].
fn upsample(low: Vec<f32>, n: usize, (h, w): (usize, usize), x: &Tensor<4>) -> Tensor<4> {
    let [_, _, hh, ww] = x.dims();
    let up: Vec<f32> = low.chunks(h * w).flat_map(|c| upsample_bilinear_aligned(c, h, w, hh, ww)).collect();
    Tensor::from_data(TensorData::new(up, [n, 1, hh, ww]), &x.device())
}

/// The Grad-CAM map upsampled to the input size: [N,1,H,W].
pub fn cam(net: &Network, x: &Tensor<4>, targets: &[usize], at: usize) -> Tensor<4> {
    let low = cam_low_res(net, x, targets, at);
    let [n, _, h, w] = low.dims();
    upsample(to_vec(low), n, (h, w), x)
}

pub struct GradCam {
    pub at: usize,
}
impl Attribution for GradCam {
    fn attribute(&self, net: &Network, x: &Tensor<4>, targets: &[usize]) -> Result<Tensor<4>> {
        Ok(cam(net, x, targets, self.at))
    }
}

/// Guided backprop times the upsampled cam.
pub struct GuidedGradCam {
    pub at: usize,
}
impl Attribution for GuidedGradCam {
    fn attribute(&self, net: &Network, x: &Tensor<4>, targets: &[usize]) -> Result<Tensor<4>> {
        let guided = net.gradient(x, targets, ReluRule::Guided);
        Ok(guided * cam(net, x, targets, self.at))
    }
}

/// Grad-CAM++ (Chattopadhyay et al. 2018) as tf-keras-vis 0.8.7's `GradcamPlusPlus` computes it
/// with the logits as the model's output: with S the target logit and g = dS/dA,
/// first = e^S g, second = first g, third = second g; alpha = second / (2 second + third sum_ij A)
/// (a zero `second` leaves the denominator plus 1), normalised to sum 1 over positions (a zero
/// sum plus 1); w_k = sum_ij ReLU(first) alpha; cam = ReLU(sum_k w_k A_k), upsampled with aligned corners.
/// Computed in f64; the raw map keeps tf-keras-vis' scale (before its final min-max).
pub struct GradCamPlusPlus {
    pub at: usize,
}
impl Attribution for GradCamPlusPlus {
    fn attribute(&self, net: &Network, x: &Tensor<4>, targets: &[usize]) -> Result<Tensor<4>> {
        let (a, g) = net.activations_and_gradients(x, targets, self.at);
        let [n, k, h, w] = a.dims();
        let logits = net.logits(x);
        let (a, g) = (to_vec(a), to_vec(g));
        let per = h * w;
        let mut low = Vec::with_capacity(n * per);
        for i in 0..n {
            let e = (logits[i][targets[i]] as f64).exp();
            let mut cam = vec![0f64; per];
            for ch in 0..k {
                let off = (i * k + ch) * per;
                let (ak, gk) = (&a[off..off + per], &g[off..off + per]);
                let global: f64 = ak.iter().map(|&v| v as f64).sum();
                let mut alphas: Vec<f64> = gk
                    .iter()
                    .map(|&gv| {
                        let gv = gv as f64;
                        let first = e * gv;
                        let second = first * gv;
                        let third = second * gv;
                        let denom = 2.0 * second + third * global + if second == 0.0 { 1.0 } else { 0.0 };
                        second / denom
                    })
                    .collect();
                let norm: f64 = alphas.iter().sum();
                let norm = norm + if norm == 0.0 { 1.0 } else { 0.0 };
                alphas.iter_mut().for_each(|v| *v /= norm);
                let weight: f64 = gk.iter().zip(&alphas).map(|(&gv, al)| (e * gv as f64).max(0.0) * al).sum();
                cam.iter_mut().zip(ak).for_each(|(c, &av)| *c += weight * av as f64);
            }
            low.extend(cam.iter().map(|&c| c.max(0.0) as f32));
        }
        Ok(upsample(low, n, (h, w), x))
    }
}

/// Score-CAM (Wang et al. 2020) as tf-keras-vis 0.8.7's `Scorecam` computes it (all channels,
/// logits as the model's output): each channel of A is upsampled to the input size (aligned
/// corners), min-max normalised ((a - min) / (max - min + 1e-7)), and multiplies the input (all
/// its channels); the channel's weight is the softmax probability of the target for that masked
/// input; cam = ReLU(sum_k w_k A_k) at the layer's resolution, upsampled with aligned corners.
/// The masked inputs go through the network in batches.
pub struct ScoreCam {
    pub at: usize,
    pub batch_size: usize,
}
impl Attribution for ScoreCam {
    fn attribute(&self, net: &Network, x: &Tensor<4>, targets: &[usize]) -> Result<Tensor<4>> {
        let [n, c, hh, ww] = x.dims();
        let a = net.activations(x, self.at);
        let [_, k, h, w] = a.dims();
        let (a, xs) = (to_vec(a), to_vec(x.clone()));
        let (per, per_in) = (h * w, hh * ww);
        let mut low = Vec::with_capacity(n * per);
        for i in 0..n {
            let img = &xs[i * c * per_in..(i + 1) * c * per_in];
            let masked: Vec<Vec<f32>> = (0..k)
                .map(|ch| {
                    let off = (i * k + ch) * per;
                    let up = upsample_bilinear_aligned(&a[off..off + per], h, w, hh, ww);
                    let (lo, hi) =
                        up.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(l, m), &v| (l.min(v), m.max(v)));
                    let mask: Vec<f32> = up.iter().map(|v| (v - lo) / (hi - lo + 1e-7)).collect();
                    img.chunks(per_in).flat_map(|plane| plane.iter().zip(&mask).map(|(p, m)| p * m)).collect()
                })
                .collect();
            let mut weights = Vec::with_capacity(k);
            for chunk in masked.chunks(self.batch_size.max(1)) {
                let batch: Vec<f32> = chunk.concat();
                let xb = Tensor::<4>::from_data(TensorData::new(batch, [chunk.len(), c, hh, ww]), &x.device());
                for row in net.logits(&xb) {
                    weights.push(softmax(&row)[targets[i]] as f64);
                }
            }
            let mut cam = vec![0f64; per];
            for (ch, wk) in weights.iter().enumerate() {
                let off = (i * k + ch) * per;
                cam.iter_mut().zip(&a[off..off + per]).for_each(|(cv, &av)| *cv += wk * av as f64);
            }
            low.extend(cam.iter().map(|&v| v.max(0.0) as f32));
        }
        Ok(upsample(low, n, (h, w), x))
    }
}

pub const LAYER: Param = Param {
    key: "layer",
    label: "Layer",
    help: "the node whose output the class activation map reads (empty: the last Conv's, after its activation; the tutorial's conv1 and conv2 are after their ReLU)",
    kind: ParamKind::Layer { default: "" },
    shown: true,
};

fn at(o: &MethodOptions, net: &Network) -> Result<usize> {
    net.layer_value(o.word("layer"))
}

pub const GRADCAM: MethodInfo = MethodInfo {
    id: "gradcam",
    name: "Grad-CAM",
    description: "A layer's activations weighted by their mean gradient, ReLU, upsampled (Selvaraju et al. 2017, Grad-CAM).",
    aliases: &["grad-cam"],
    params: &[&LAYER],
    convergence: None,
    wrappable: true,
    single_channel: true,
    splittable: false,
    build: |o, net| Ok(Box::new(GradCam { at: at(o, net)? })),
    passes: one_pass,
};

pub const GUIDED_GRADCAM: MethodInfo = MethodInfo {
    id: "guided-gradcam",
    name: "Guided Grad-CAM",
    description: "Guided backprop times the upsampled Grad-CAM map (Selvaraju et al. 2017, Grad-CAM).",
    aliases: &["guided-grad-cam", "guidedgradcam"],
    params: &[&LAYER],
    convergence: None,
    wrappable: true,
    single_channel: false,
    splittable: false,
    build: |o, net| Ok(Box::new(GuidedGradCam { at: at(o, net)? })),
    passes: one_pass,
};

pub const GRADCAM_PLUS_PLUS: MethodInfo = MethodInfo {
    id: "gradcam-plus-plus",
    name: "Grad-CAM++",
    description: "Grad-CAM with pixel-wise weights from higher-order gradients (Chattopadhyay et al. 2018, Grad-CAM++; as tf-keras-vis computes it).",
    aliases: &["gradcam++", "grad-cam++", "gradcampp", "gradcam-pp"],
    params: &[&LAYER],
    convergence: None,
    wrappable: true,
    single_channel: true,
    splittable: false,
    build: |o, net| Ok(Box::new(GradCamPlusPlus { at: at(o, net)? })),
    passes: one_pass,
};

pub const SCORECAM: MethodInfo = MethodInfo {
    id: "scorecam",
    name: "Score-CAM",
    description: "Each activation map masks the input; its weight is the target's softmax score (Wang et al. 2020, Score-CAM; as tf-keras-vis computes it).",
    aliases: &["score-cam"],
    params: &[&LAYER],
    convergence: None,
    wrappable: true,
    single_channel: true,
    splittable: false,
    build: |o, net| Ok(Box::new(ScoreCam { at: at(o, net)?, batch_size: o.effective_batch() })),
    // One pass for A, one per channel of A (an unknown layer fails in `build`).
    passes: |o, net| 1 + at(o, net).map_or(0, |v| net.graph().shape(v).c),
};
