//! Activation maximisation, the keras-vis tutorial's other half (`visualize_activation`): what
//! input does the model find most like a class (or what excites a conv filter)? Gradient ascent
//! on the input for the class logit (or the filter's mean activation),
//! with total-variation and L2 penalties and random jitter, from a seeded start, clipped to [0, 1].
//! A `Dream` advances a few steps at a time so a front end can draw the image as it forms.

use serde::{Deserialize, Serialize};

use crate::attribution::{Network, ReluRule, input_gradient};
use burn::tensor::{Tensor, TensorData};

use crate::graph::Maps;
use crate::model::{softmax, tensor_to_hwc};
use crate::rng::Rng;
use crate::{Error, Result};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct DreamOptions {
    /// The class whose logit is maximised (unless `layer` is set).
    pub class: usize,
    /// Maximise one channel's mean activation at a node's output instead (a name as the CAM
    /// methods' `layer` takes it: the tutorial's "conv1" and "conv2" are after their ReLU)...
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
    /// Checks the options against the network; returns the objective's value (`None`: the class
    /// logit).
    pub fn check(&self, net: &Network) -> Result<Option<usize>> {
        let bad = |m: String| Err(Error::Options(m));
        if self.layer.is_none() {
            net.spec().check_class(self.class, "class")?;
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
        let Some(layer) = &self.layer else { return Ok(None) };
        let at = objective_layer(net, layer, self.filter)?;
        Ok(Some(at))
    }
}

/// An image being dreamed: H x W x C values in [0, 1].
pub struct Dream {
    /// Height, width, channels.
    size: (usize, usize, usize),
    /// The value whose channel `opts.filter` is maximised; `None`: the class logit.
    objective: Option<usize>,
    opts: DreamOptions,
    rng: Rng,
    image: Vec<f32>,
    done: usize,
}

impl Dream {
    pub fn new(net: &Network, opts: DreamOptions) -> Result<Self> {
        let objective = opts.check(net)?;
        let s = net.spec();
        let mut rng = Rng::new(opts.seed);
        let image = (0..s.input_len()).map(|_| (0.1 + 0.1 * rng.uniform()) as f32).collect();
        Ok(Dream { size: (s.height, s.width, s.channels), objective, opts, rng, image, done: 0 })
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
        let size = self.size;
        for _ in 0..n.min(self.opts.steps - self.done) {
            let j = self.opts.jitter as i64;
            let (dy, dx) = if j > 0 {
                (self.rng.below(2 * j as usize + 1) as i64 - j, self.rng.below(2 * j as usize + 1) as i64 - j)
            } else {
                (0, 0)
            };
            let shifted = roll(&self.image, size, dy, dx);
            let x = net.spec().images_to_tensor(&shifted, &net.device())?;
            let g = match self.objective {
                None => input_gradient(net, &x, &[self.opts.class]),
                Some(at) => filter_gradient(net, &x, at, self.opts.filter),
            };
            let g = roll(&tensor_to_hwc(g), size, -dy, -dx);
            let tv = tv_gradient(&self.image, size);
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

/// The value a layer name reads (as the CAM methods resolve it), checked to have channel `filter`.
fn objective_layer(net: &Network, name: &str, filter: usize) -> Result<usize> {
    let at = net.layer_value(name)?;
    let channels = net.graph().shape(at).c;
    if filter >= channels {
        return Err(Error::Options(format!("filter must be in 0..{} for {name}, got {filter}", channels - 1)));
    }
    Ok(at)
}

/// d mean(A_filter) / d x for each image of `x`, A the graph's value `at`: the engine's backward
/// pass from the mean's gradient, 1 / (h w) on the filter's channel.
pub fn filter_gradient(net: &Network, x: &Tensor<4>, at: usize, filter: usize) -> Tensor<4> {
    let s = net.graph().shape(at);
    let mut seed = Maps::of_shape(s);
    seed.data.iter_mut().skip(filter).step_by(s.c).for_each(|v| *v = 1.0 / (s.h * s.w) as f32);
    let [_, c, h, w] = x.dims();
    let mut out = Vec::new();
    for img in crate::model::to_vec(x.clone()).chunks_exact(c * h * w) {
        let trace = net.trace(img);
        net.graph().backward_from(&trace, at, seed.clone(), ReluRule::Gradient, 0).extend_chw(&mut out);
    }
    Tensor::from_data(TensorData::new(out, x.dims()), &x.device())
}

/// The mean activation of one channel of a layer for one image (what a filter dream maximises).
pub fn filter_activation(net: &Network, image: &[f32], layer: &str, filter: usize) -> Result<f32> {
    let at = objective_layer(net, layer, filter)?;
    let x = crate::explain::image_tensor(net, image)?;
    let a = net.activations(&x, at);
    let s = net.graph().shape(at);
    let plane = &crate::model::to_vec(a)[filter * s.h * s.w..(filter + 1) * s.h * s.w];
    Ok(plane.iter().sum::<f32>() / plane.len() as f32)
}

/// Shifts an H x W x C image by (dy, dx), wrapping around.
fn roll(img: &[f32], (h, w, c): (usize, usize, usize), dy: i64, dx: i64) -> Vec<f32> {
    let (hh, ww) = (h as i64, w as i64);
    let mut out = vec![0f32; img.len()];
    for y in 0..hh {
        for x in 0..ww {
            let (sy, sx) = ((y - dy).rem_euclid(hh), (x - dx).rem_euclid(ww));
            for k in 0..c {
                out[((y * ww + x) as usize) * c + k] = img[((sy * ww + sx) as usize) * c + k];
            }
        }
    }
    out
}

/// Gradient of the anisotropic total variation sum |x[i+1,j]-x[i,j]| + |x[i,j+1]-x[i,j]|.
fn tv_gradient(img: &[f32], (h, w, c): (usize, usize, usize)) -> Vec<f32> {
    let mut g = vec![0f32; img.len()];
    let at = |y: usize, x: usize, k: usize| (y * w + x) * c + k;
    for y in 0..h {
        for x in 0..w {
            for k in 0..c {
                let v = img[at(y, x, k)];
                if y + 1 < h {
                    let d = (img[at(y + 1, x, k)] - v).signum();
                    g[at(y + 1, x, k)] += d;
                    g[at(y, x, k)] -= d;
                }
                if x + 1 < w {
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
    let mut d = Dream::new(net, opts.clone())?;
    d.advance(net, opts.steps)?;
    let x = net.spec().images_to_tensor(d.image(), &net.device())?;
    let probs = softmax(&net.logits(&x)[0]);
    Ok((d.image, probs))
}
