//! Activation maximisation, the keras-vis tutorial's other half (`visualize_activation`): what
//! input does the model find most like a class (or what excites a conv filter)? Gradient ascent
//! on the input for the class logit (or the filter's mean activation),
//! with total-variation and L2 penalties and random jitter, from a seeded start, clipped to [0, 1].
//! A `Dream` advances a few steps at a time so a front end can draw the image as it forms.

use serde::{Deserialize, Serialize};

use crate::attribution::{Network, ReluRule, input_gradient};
use burn::tensor::{Tensor, TensorData};

use crate::model::{
    Activation, CONV1_CHANNELS, CONV1_OUT, CONV2_CHANNELS, CONV2_OUT, DatasetKind, NUM_CLASSES, images_to_tensor,
    softmax, tensor_to_hwc,
};
use crate::rng::Rng;
use crate::{Error, Result};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct DreamOptions {
    /// The class whose logit is maximised (unless `layer` is set).
    pub class: usize,
    /// Maximise a conv filter's mean activation instead: "conv1" or "conv2" (after its ReLU)...
    pub layer: Option<String>,
    /// ...and which of its filters.
    pub filter: usize,
    pub steps: usize,
    /// Step size: each step moves pixels by `rate` times the normalised ascent direction.
    pub rate: f32,
    /// Weight of the total-variation penalty (smooth images).
    pub tv: f32,
    /// Weight of the L2 penalty (dark background).
    pub l2: f32,
    /// Largest random shift, in pixels, applied before each step and undone after.
    pub jitter: usize,
    pub seed: u64,
}

impl Default for DreamOptions {
    fn default() -> Self {
        DreamOptions {
            class: 0,
            layer: None,
            filter: 0,
            steps: 200,
            rate: 0.02,
            tv: 0.05,
            l2: 0.02,
            jitter: 1,
            seed: 0,
        }
    }
}

impl DreamOptions {
    pub fn check(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Options(m));
        if self.class >= NUM_CLASSES {
            return bad(format!("class must be in 0..9, got {}", self.class));
        }
        if self.steps == 0 || self.steps > 10_000 {
            return bad(format!("steps must be in 1..=10000, got {}", self.steps));
        }
        for (name, v) in [("rate", self.rate), ("tv", self.tv), ("l2", self.l2)] {
            if !v.is_finite() || !(0.0..=10.0).contains(&v) {
                return bad(format!("{name} must be a number in [0, 10], got {v}"));
            }
        }
        if self.jitter > 4 {
            return bad(format!("jitter must be in 0..=4 pixels, got {}", self.jitter));
        }
        if let Some(layer) = &self.layer {
            let (_, filters) = objective_layer(layer)?;
            if self.filter >= filters {
                return bad(format!("filter must be in 0..{} for {layer}, got {}", filters - 1, self.filter));
            }
        }
        Ok(())
    }
}

/// An image being dreamed: H x W x C values in [0, 1].
pub struct Dream {
    kind: DatasetKind,
    opts: DreamOptions,
    rng: Rng,
    image: Vec<f32>,
    done: usize,
}

impl Dream {
    pub fn new(kind: DatasetKind, opts: DreamOptions) -> Result<Self> {
        opts.check()?;
        let mut rng = Rng::new(opts.seed);
        let image = (0..kind.input_len()).map(|_| (0.1 + 0.1 * rng.uniform()) as f32).collect();
        Ok(Dream { kind, opts, rng, image, done: 0 })
    }

    pub fn image(&self) -> &[f32] {
        &self.image
    }
    pub fn steps_done(&self) -> usize {
        self.done
    }
    pub fn finished(&self) -> bool {
        self.done >= self.opts.steps
    }

    /// Advances up to `n` steps (never past `steps`).
    pub fn advance(&mut self, net: &Network, n: usize) -> Result<()> {
        let (side, c) = (self.kind.side(), self.kind.channels());
        for _ in 0..n.min(self.opts.steps - self.done) {
            let j = self.opts.jitter as i64;
            let (dy, dx) = if j > 0 {
                (self.rng.below(2 * j as usize + 1) as i64 - j, self.rng.below(2 * j as usize + 1) as i64 - j)
            } else {
                (0, 0)
            };
            let shifted = roll(&self.image, side, c, dy, dx);
            let x = images_to_tensor(self.kind, &shifted, &net.device())?;
            let g = match &self.opts.layer {
                None => input_gradient(net, &x, &[self.opts.class]),
                Some(layer) => filter_gradient(net, &x, objective_layer(layer)?.0, self.opts.filter),
            };
            let g = roll(&tensor_to_hwc(g), side, c, -dy, -dx);
            let tv = tv_gradient(&self.image, side, c);
            let n = self.image.len() as f32;
            // The objective's gradient is scaled to mean |g| = 1 so the penalties weigh the same
            // against a class logit or a filter's (much smaller) mean activation.
            let g_scale = g.iter().map(|v| v.abs()).sum::<f32>() / g.len() as f32 + 1e-12;
            let dir: Vec<f32> = g
                .iter()
                .map(|v| v / g_scale)
                .zip(&tv)
                .zip(&self.image)
                .map(|((gv, tvv), xv)| gv - self.opts.tv * tvv - self.opts.l2 * 2.0 * xv)
                .collect();
            let scale = dir.iter().map(|v| v.abs()).sum::<f32>() / n + 1e-8;
            for (xv, d) in self.image.iter_mut().zip(&dir) {
                *xv = (*xv + self.opts.rate * d / scale).clamp(0.0, 1.0);
            }
            self.done += 1;
        }
        Ok(())
    }
}

/// The layer position (in `model::LAYERS`) and filter count of a layer name.
fn objective_layer(name: &str) -> Result<(usize, usize)> {
    match name {
        "conv1" => Ok((CONV1_OUT, CONV1_CHANNELS)),
        "conv2" => Ok((CONV2_OUT, CONV2_CHANNELS)),
        other => Err(Error::Options(format!("layer must be conv1 or conv2, got {other}"))),
    }
}

/// d mean(A_filter) / d x, A the activation entering `LAYERS[at]` (one image): burn's explicit
/// backward pass from the mean's gradient, 1 / (h w) on the filter's channel.
pub fn filter_gradient(net: &Network, x: &Tensor<4>, at: usize, filter: usize) -> Tensor<4> {
    let trace = net.plain.trace(x.clone());
    let [n, k, h, w] = trace.inputs[at].clone().maps().dims();
    let mut seed = vec![0f32; n * k * h * w];
    for image in seed.chunks_exact_mut(k * h * w) {
        image[filter * h * w..(filter + 1) * h * w].fill(1.0 / (h * w) as f32);
    }
    let seed = Activation::Maps(Tensor::from_data(TensorData::new(seed, [n, k, h, w]), &x.device()));
    net.plain.backward_between(&trace, 0..at, seed, ReluRule::Gradient).maps()
}

/// The mean activation of a conv filter for one image (what a filter dream maximises).
pub fn filter_activation(net: &Network, image: &[f32], layer: &str, filter: usize) -> Result<f32> {
    let (at, filters) = objective_layer(layer)?;
    if filter >= filters {
        return Err(Error::Options(format!("filter must be in 0..{} for {layer}, got {filter}", filters - 1)));
    }
    let x = images_to_tensor(net.plain.kind(), image, &net.device())?;
    let a = net.plain.features_at(x, at).slice([0..1, filter..filter + 1]).mean();
    Ok(crate::model::to_vec(a).first().copied().unwrap_or(0.0))
}

/// Shifts an H x W x C image by (dy, dx), wrapping around.
fn roll(img: &[f32], side: usize, c: usize, dy: i64, dx: i64) -> Vec<f32> {
    let s = side as i64;
    let mut out = vec![0f32; img.len()];
    for y in 0..s {
        for x in 0..s {
            let (sy, sx) = ((y - dy).rem_euclid(s), (x - dx).rem_euclid(s));
            for k in 0..c {
                out[((y * s + x) as usize) * c + k] = img[((sy * s + sx) as usize) * c + k];
            }
        }
    }
    out
}

/// Gradient of the anisotropic total variation sum |x[i+1,j]-x[i,j]| + |x[i,j+1]-x[i,j]|.
fn tv_gradient(img: &[f32], side: usize, c: usize) -> Vec<f32> {
    let mut g = vec![0f32; img.len()];
    let at = |y: usize, x: usize, k: usize| (y * side + x) * c + k;
    for y in 0..side {
        for x in 0..side {
            for k in 0..c {
                let v = img[at(y, x, k)];
                if y + 1 < side {
                    let d = (img[at(y + 1, x, k)] - v).signum();
                    g[at(y + 1, x, k)] += d;
                    g[at(y, x, k)] -= d;
                }
                if x + 1 < side {
                    let d = (img[at(y, x + 1, k)] - v).signum();
                    g[at(y, x + 1, k)] += d;
                    g[at(y, x, k)] -= d;
                }
            }
        }
    }
    g
}

/// Runs a whole dream; returns the image and the model's probabilities for it.
pub fn dream(net: &Network, opts: &DreamOptions) -> Result<(Vec<f32>, Vec<f32>)> {
    let mut d = Dream::new(net.plain.kind(), opts.clone())?;
    d.advance(net, opts.steps)?;
    let x = images_to_tensor(net.plain.kind(), d.image(), &net.device())?;
    let probs = softmax(&net.logits(&x)[0]);
    Ok((d.image, probs))
}
