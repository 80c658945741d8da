//! SmoothGrad (Smilkov et al. 2017) over any method: the mean of |attribution| over noisy copies
//! x + N(0, sigma^2), sigma = noise * (max(x) - min(x)) per image (tf-keras-vis' convention).

use burn::tensor::{Tensor, TensorData};

use super::{Attribution, Network};
use crate::model::to_vec;
use crate::rng::Rng;
use crate::{Error, Result};

pub struct SmoothGrad {
    pub base: Box<dyn Attribution>,
    pub samples: usize,
    pub noise: f32,
    pub seed: u64,
    pub batch_size: usize,
}

impl Attribution for SmoothGrad {
    fn attribute(&self, net: &Network, x: &Tensor<4>, targets: &[usize]) -> Result<Tensor<4>> {
        let [n, c, h, w] = x.dims();
        let per = c * h * w;
        let device = x.device();
        let mut rng = Rng::new(self.seed);
        let mut out = Vec::with_capacity(n);
        for (i, &target) in targets.iter().enumerate().take(n) {
            let img = to_vec(x.clone().slice([i..i + 1]));
            let (lo, hi) = img.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
            let sigma = (self.noise * (hi - lo)) as f64;
            // Noisy copies are drawn one batch at a time (same random sequence as drawing them all
            // at once), so memory stays bounded by the batch size whatever `samples` is.
            let mut sum: Option<Tensor<4>> = None;
            let mut done = 0;
            while done < self.samples {
                let b = self.batch_size.max(1).min(self.samples - done);
                let mut noisy = Vec::with_capacity(b * per);
                for _ in 0..b {
                    noisy.extend(img.iter().map(|&v| v + (sigma * rng.normal()) as f32));
                }
                let noisy = Tensor::<4>::from_data(TensorData::new(noisy, [b, c, h, w]), &device);
                let part = self.base.attribute(net, &noisy, &vec![target; b])?.abs().sum_dim(0);
                sum = Some(match sum {
                    Some(s) => s + part,
                    None => part,
                });
                done += b;
            }
            let sum = sum.ok_or_else(|| Error::Options("SmoothGrad needs at least one sample".into()))?;
            out.push(sum / self.samples as f32);
        }
        Ok(Tensor::cat(out, 0))
    }
}
