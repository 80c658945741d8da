//! Grad-CAM (Selvaraju et al. 2017) on conv2's output after its ReLU, and Guided Grad-CAM.

use burn::tensor::{Tensor, TensorData};

use super::registry::{MethodInfo, one_pass};
use super::{Attribution, Network, ReluRule, one_hot, rule_backward};
use crate::Result;
use crate::model::to_vec;

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

/// cam = ReLU(sum_k w_k A_k) with w_k the mean over all positions of d logit / d A_k, at conv2's
/// resolution ([N,1,h,w]).
pub fn cam_low_res(net: &Network, x: &Tensor<4>, targets: &[usize]) -> Tensor<4> {
    let a = net.plain.features(x.clone());
    let aa = a.clone().autodiff().require_grad();
    let logits = net.frozen.head(aa.clone());
    let grads = (logits * one_hot(targets, &x.device()).autodiff()).sum().backward();
    let g = aa.grad(&grads).map(|g| g.inner()).unwrap_or_else(|| a.zeros_like());
    let weights = g.mean_dims(&[2, 3]);
    (weights * a).sum_dim(1).clamp_min(0.0)
}

/// The cam upsampled to the input size: [N,1,H,W].
pub fn cam(net: &Network, x: &Tensor<4>, targets: &[usize]) -> Tensor<4> {
    let [n, _, hh, ww] = x.dims();
    let low = cam_low_res(net, x, targets);
    let [_, _, h, w] = low.dims();
    let v = to_vec(low);
    let up: Vec<f32> = v.chunks(h * w).flat_map(|c| upsample_bilinear_aligned(c, h, w, hh, ww)).collect();
    Tensor::from_data(TensorData::new(up, [n, 1, hh, ww]), &x.device())
}

pub struct GradCam;
impl Attribution for GradCam {
    fn attribute(&self, net: &Network, x: &Tensor<4>, targets: &[usize]) -> Result<Tensor<4>> {
        Ok(cam(net, x, targets))
    }
}

/// Guided backprop times the upsampled cam.
pub struct GuidedGradCam;
impl Attribution for GuidedGradCam {
    fn attribute(&self, net: &Network, x: &Tensor<4>, targets: &[usize]) -> Result<Tensor<4>> {
        let guided = rule_backward(&net.plain, x, targets, ReluRule::Guided);
        Ok(guided * cam(net, x, targets))
    }
}

pub const GRADCAM: MethodInfo = MethodInfo {
    id: "gradcam",
    name: "Grad-CAM",
    description: "conv2's activations weighted by their mean gradient, ReLU, upsampled (Selvaraju et al. 2017, Grad-CAM).",
    aliases: &["grad-cam"],
    params: &[],
    convergence: None,
    wrappable: true,
    single_channel: true,
    build: |_, _| Ok(Box::new(GradCam)),
    passes: one_pass,
};

pub const GUIDED_GRADCAM: MethodInfo = MethodInfo {
    id: "guided-gradcam",
    name: "Guided Grad-CAM",
    description: "Guided backprop times the upsampled Grad-CAM map (Selvaraju et al. 2017, Grad-CAM).",
    aliases: &["guided-grad-cam", "guidedgradcam"],
    params: &[],
    convergence: None,
    wrappable: true,
    single_channel: false,
    build: |_, _| Ok(Box::new(GuidedGradCam)),
    passes: one_pass,
};
