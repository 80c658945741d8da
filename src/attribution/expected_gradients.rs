//! Expected gradients (Erion et al. 2021, Improving performance of deep learning models with
//! axiomatic attribution priors): IG averaged over baselines drawn from data, one random point on
//! each path: mean_k (x - x'_k) * grad f(x'_k + alpha_k (x - x'_k)), x'_k drawn uniformly from the
//! references and alpha_k ~ U(0, 1), seeded. The references default to the page's bundled
//! gallery (150 test images per dataset; MNIST's for a grey input, CIFAR-10's for a colour one,
//! resized to the input). Reports completeness against the mean logit of the
//! references drawn.

use burn::tensor::{Tensor, TensorData};

use super::registry::params::{ImageValue, MethodInfo, Param, ParamKind};
use super::smoothgrad::{SAMPLES, SEED};
use super::{Attribution, Network, input_gradient};
use crate::model::to_vec;
use crate::rng::Rng;
use crate::{Error, Result};

pub struct ExpectedGradients {
    /// Reference images, each H x W x C in [0, 1], concatenated.
    pub references: Vec<f32>,
    pub samples: usize,
    pub seed: u64,
    pub batch_size: usize,
}

impl ExpectedGradients {
    /// The draws: (reference index, alpha) for each sample, the same for every image.
    fn draws(&self, n_refs: usize) -> Vec<(usize, f32)> {
        let mut rng = Rng::new(self.seed);
        (0..self.samples).map(|_| (rng.below(n_refs), rng.uniform() as f32)).collect()
    }

    /// The references as C x H x W images.
    fn references_chw(&self, c: usize, h: usize, w: usize) -> Vec<Vec<f32>> {
        self.references
            .chunks(c * h * w)
            .map(|hwc| (0..c).flat_map(|ch| (0..h * w).map(move |p| hwc[p * c + ch])).collect())
            .collect()
    }
}

impl Attribution for ExpectedGradients {
    fn attribute(&self, net: &Network, x: &Tensor<4>, targets: &[usize]) -> Result<Tensor<4>> {
        let [n, c, h, w] = x.dims();
        let per = c * h * w;
        let refs = self.references_chw(c, h, w);
        if refs.is_empty() {
            return Err(Error::Options("expected gradients needs at least one reference image".into()));
        }
        let draws = self.draws(refs.len());
        let xs = to_vec(x.clone());
        let mut out = Vec::with_capacity(n * per);
        for (i, &target) in targets.iter().enumerate().take(n) {
            let img = &xs[i * per..(i + 1) * per];
            let mut total = vec![0f64; per];
            for chunk in draws.chunks(self.batch_size.max(1)) {
                let points: Vec<f32> = chunk
                    .iter()
                    .flat_map(|&(r, a)| refs[r].iter().zip(img).map(move |(b, v)| b + a * (v - b)))
                    .collect();
                let xb = Tensor::<4>::from_data(TensorData::new(points, [chunk.len(), c, h, w]), &x.device());
                let grads = to_vec(input_gradient(net, &xb, &vec![target; chunk.len()]));
                for (k, &(r, _)) in chunk.iter().enumerate() {
                    for (((t, g), v), b) in total.iter_mut().zip(&grads[k * per..(k + 1) * per]).zip(img).zip(&refs[r])
                    {
                        *t += (*v as f64 - *b as f64) * *g as f64;
                    }
                }
            }
            out.extend(total.iter().map(|t| (t / self.samples as f64) as f32));
        }
        Ok(Tensor::from_data(TensorData::new(out, [n, c, h, w]), &x.device()))
    }

    /// Completeness: sum of attributions minus (f(x) - mean over the drawn references of f(x')).
    fn convergence(
        &self,
        net: &Network,
        x: &Tensor<4>,
        attr: &Tensor<4>,
        targets: &[usize],
    ) -> Result<Option<Vec<f32>>> {
        let [_, c, h, w] = x.dims();
        let refs = self.references_chw(c, h, w);
        let draws = self.draws(refs.len());
        // Only the references drawn, a batch at a time (memory stays bounded by the batch size).
        let mut used: Vec<usize> = draws.iter().map(|&(r, _)| r).collect();
        used.sort_unstable();
        used.dedup();
        let mut lr = vec![Vec::new(); refs.len()];
        for chunk in used.chunks(self.batch_size.max(1)) {
            let batch: Vec<f32> = chunk.iter().flat_map(|&r| refs[r].iter().copied()).collect();
            let logits =
                net.logits(&Tensor::<4>::from_data(TensorData::new(batch, [chunk.len(), c, h, w]), &x.device()));
            for (&r, l) in chunk.iter().zip(logits) {
                lr[r] = l;
            }
        }
        let lx = net.logits(x);
        let sums = to_vec(attr.clone().sum_dims_squeeze::<1, _>(&[1, 2, 3]));
        Ok(Some(
            targets
                .iter()
                .enumerate()
                .map(|(i, &t)| {
                    let mean_ref = draws.iter().map(|&(r, _)| lr[r][t] as f64).sum::<f64>() / draws.len() as f64;
                    sums[i] - (lx[i][t] as f64 - mean_ref) as f32
                })
                .collect(),
        ))
    }
}

/// The bundled gallery as references, where the build carries it (the CLI): MNIST's for a grey
/// input, CIFAR-10's for a colour one, resized to the input when it has another size (area
/// average, as the page resizes it). The browser passes the gallery it has loaded instead, so the
/// WASM module stays small.
fn bundled_gallery(spec: &crate::spec::InputSpec) -> Option<Vec<f32>> {
    #[cfg(feature = "cli")]
    {
        let kind = crate::model::DatasetKind::of_channels(spec.channels);
        let images: Vec<f32> = kind.gallery().iter().map(|&b| b as f32 / 255.0).collect();
        let (side, c) = (kind.side(), kind.channels());
        if (spec.height, spec.width, spec.channels) == (side, side, c) {
            return Some(images);
        }
        (spec.channels == c).then(|| {
            let per = side * side * c;
            images
                .chunks_exact(per)
                .flat_map(|im| crate::input::resize_area(im, (side, side, c), spec.height, spec.width))
                .collect()
        })
    }
    #[cfg(not(feature = "cli"))]
    {
        let _ = spec;
        None
    }
}

pub const REFERENCES: Param = Param {
    key: "references",
    label: "References",
    help: "the images baselines are drawn from: the bundled gallery, or N images H x W x C concatenated",
    kind: ParamKind::Image { named: &["gallery"], default: "gallery" },
    shown: false,
};

pub const EXPECTED_GRADIENTS: MethodInfo = MethodInfo {
    id: "expected-gradients",
    name: "Expected gradients",
    description: "Integrated gradients averaged over baselines drawn from data, one random point per path (Erion et al. 2021, attribution priors).",
    aliases: &["expectedgradients", "eg"],
    params: &[&SAMPLES, &SEED, &REFERENCES],
    convergence: Some("completeness gap"),
    wrappable: true,
    single_channel: false,
    splittable: false,
    build: |o, net| {
        let spec = net.spec();
        let references = match o.image("references") {
            ImageValue::Values(v) => v,
            ImageValue::Named(_) => bundled_gallery(spec).ok_or_else(|| {
                Error::Options(format!(
                    "references: pass the reference images (N x {} in [0, 1]); this build carries no gallery (the page passes its own)",
                    spec.describe()
                ))
            })?,
        };
        if references.is_empty() || !references.len().is_multiple_of(spec.input_len()) {
            return Err(Error::Options(format!(
                "references: {} values are not a whole number of {}-value ({}) images",
                references.len(),
                spec.input_len(),
                spec.describe()
            )));
        }
        Ok(Box::new(ExpectedGradients {
            references,
            samples: o.usize("samples"),
            seed: o.uint("seed"),
            batch_size: o.effective_batch(),
        }))
    },
    passes: |o, _| o.usize("samples"),
};
