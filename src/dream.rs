//! Activation maximisation, the keras-vis tutorial's other half (`visualize_activation`): what
//! input does the model find most like a class? Gradient ascent on the input for the class logit,
//! with total-variation and L2 penalties and random jitter, from a seeded start, clipped to [0, 1].
//! A `Dream` advances a few steps at a time so a front end can draw the image as it forms.

use serde::{Deserialize, Serialize};

use crate::attribution::{Network, input_gradient};
use crate::model::{DatasetKind, NUM_CLASSES, images_to_tensor, softmax, tensor_to_hwc};
use crate::rng::Rng;
use crate::{Error, Result};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct DreamOptions {
    /// The class whose logit is maximised.
    pub class: usize,
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
        DreamOptions { class: 0, steps: 200, rate: 0.02, tv: 0.05, l2: 0.02, jitter: 1, seed: 0 }
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
            let g = roll(&tensor_to_hwc(input_gradient(net, &x, &[self.opts.class])), side, c, -dy, -dx);
            let tv = tv_gradient(&self.image, side, c);
            let n = self.image.len() as f32;
            let dir: Vec<f32> = g
                .iter()
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
