//! SmoothGrad (Smilkov et al. 2017) over any method: the mean of |attribution| over noisy copies
//! x + N(0, sigma^2), sigma = noise * (max(x) - min(x)) per image (tf-keras-vis' convention).

use burn::tensor::{Tensor, TensorData};

use super::{Attribution, Network, in_batches};
use crate::Result;
use crate::model::to_vec;
use crate::rng::Rng;

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
            let mut noisy = Vec::with_capacity(self.samples * per);
            for _ in 0..self.samples {
                noisy.extend(img.iter().map(|&v| v + (sigma * rng.normal()) as f32));
            }
            let noisy = Tensor::<4>::from_data(TensorData::new(noisy, [self.samples, c, h, w]), &device);
            let t = vec![target; self.samples];
            let attr = in_batches(&noisy, &t, self.batch_size, |xb, tb| self.base.attribute(net, xb, tb))?;
            out.push(attr.abs().mean_dim(0));
        }
        Ok(Tensor::cat(out, 0))
    }
}
