//! SmoothGrad (Smilkov et al. 2017) over any method: an average over noisy copies
//! x + N(0, sigma^2), sigma = noise * (max(x) - min(x)) per image (tf-keras-vis' convention).
//! What is averaged is Captum's `nt_type`: |a| (`abs`, keras-vis / tf-keras-vis), a (`plain`,
//! signed), a^2 (`squared`, SmoothGrad-Squared) or the variance of a (`vargrad`, Adebayo et al.).

use burn::tensor::{Tensor, TensorData};

use super::registry::params::{MethodInfo, MethodOptions, Param, ParamKind};
use super::{Attribution, Network, Part};
use crate::model::to_vec;
use crate::rng::Normals;
use crate::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Average {
    Abs,
    Plain,
    Squared,
    VarGrad,
}

impl Average {
    pub const NAMES: [&'static str; 4] = ["abs", "plain", "squared", "vargrad"];
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "abs" => Ok(Average::Abs),
            "plain" => Ok(Average::Plain),
            "squared" => Ok(Average::Squared),
            "vargrad" => Ok(Average::VarGrad),
            other => Err(Error::Options(format!("average: expected one of abs, plain, squared, vargrad, got {other}"))),
        }
    }
}

pub struct SmoothGrad {
    pub base: Box<dyn Attribution>,
    pub samples: usize,
    pub noise: f32,
    pub seed: u64,
    pub batch_size: usize,
    pub average: Average,
}

impl SmoothGrad {
    /// Per image, the sums over samples `range` of a (|a| for `abs`) and of a^2, in f64. The noise
    /// of samples outside the range is skipped over, so sample s sees the same noise in any split.
    fn sums(
        &self,
        net: &Network,
        x: &Tensor<4>,
        targets: &[usize],
        range: std::ops::Range<usize>,
    ) -> Result<Vec<(Vec<f64>, Vec<f64>)>> {
        let [n, c, h, w] = x.dims();
        let per = c * h * w;
        let device = x.device();
        let mut out = Vec::with_capacity(n);
        let mut noise = vec![0f64; per];
        for (i, &target) in targets.iter().enumerate().take(n) {
            let img = to_vec(x.clone().slice([i..i + 1]));
            let (lo, hi) = img.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
            let sigma = (self.noise * (hi - lo)) as f64;
            // Sample s of image i adds normals (i·samples + s)·per onwards of the seed's stream.
            let first = (i as u64 * self.samples as u64 + range.start as u64) * per as u64;
            let mut normals = Normals::new(self.seed, first, range.len() * per);
            // Noisy copies are drawn one batch at a time, so memory stays bounded by the batch
            // size whatever `samples` is; batches are those of the whole run, cut by the range,
            // so a part's images go through the network in the same company. Sums run in f64:
            // with noise 0 the mean of identical copies is then exactly the base method.
            let (mut sum, mut sum_sq) = (vec![0f64; per], vec![0f64; per]);
            let batch = self.batch_size.max(1);
            let mut done = range.start;
            while done < range.end {
                let kept = ((done / batch + 1) * batch).min(range.end) - done;
                let mut noisy = Vec::with_capacity(kept * per);
                for _ in 0..kept {
                    normals.fill(&mut noise);
                    noisy.extend(img.iter().zip(&noise).map(|(&v, &z)| v + (sigma * z) as f32));
                }
                done += kept;
                let noisy = Tensor::<4>::from_data(TensorData::new(noisy, [kept, c, h, w]), &device);
                let a = to_vec(self.base.attribute(net, &noisy, &vec![target; kept])?);
                for sample in a.chunks_exact(per) {
                    for ((s, q), &v) in sum.iter_mut().zip(sum_sq.iter_mut()).zip(sample) {
                        let v = v as f64;
                        *s += if self.average == Average::Abs { v.abs() } else { v };
                        *q += v * v;
                    }
                }
            }
            out.push((sum, sum_sq));
        }
        Ok(out)
    }
}

impl Attribution for SmoothGrad {
    fn attribute(&self, net: &Network, x: &Tensor<4>, targets: &[usize]) -> Result<Tensor<4>> {
        let [_, c, h, w] = x.dims();
        if self.samples == 0 {
            return Err(Error::Options("SmoothGrad needs at least one sample".into()));
        }
        let m = self.samples as f64;
        let images = self.sums(net, x, targets, 0..self.samples)?;
        let out = images.into_iter().map(|(sum, sum_sq)| {
            let mean: Vec<f32> = sum
                .iter()
                .zip(&sum_sq)
                .map(|(&s, &q)| match self.average {
                    Average::Abs | Average::Plain => s / m,
                    Average::Squared => q / m,
                    // Var(a) = E[a^2] - E[a]^2, clamped at 0 against rounding.
                    Average::VarGrad => (q / m - (s / m) * (s / m)).max(0.0),
                } as f32)
                .collect();
            Tensor::<4>::from_data(TensorData::new(mean, [1, c, h, w]), &x.device())
        });
        Ok(Tensor::cat(out.collect(), 0))
    }

    /// The part's samples' share of the mean (VarGrad's variance does not split into a sum).
    fn attribute_part(&self, net: &Network, x: &Tensor<4>, targets: &[usize], part: Part) -> Result<Option<Tensor<4>>> {
        if self.average == Average::VarGrad || self.samples == 0 {
            return Ok(None);
        }
        let [_, c, h, w] = x.dims();
        let m = self.samples as f64;
        let images = self.sums(net, x, targets, part.range(self.samples))?;
        let out = images.into_iter().map(|(sum, sum_sq)| {
            let share = if self.average == Average::Squared { sum_sq } else { sum };
            let v: Vec<f32> = share.iter().map(|&s| (s / m) as f32).collect();
            Tensor::<4>::from_data(TensorData::new(v, [1, c, h, w]), &x.device())
        });
        Ok(Some(Tensor::cat(out.collect(), 0)))
    }
}

pub const BASE: Param = Param {
    key: "base",
    label: "Wraps",
    help: "the method averaged over noisy copies",
    kind: ParamKind::Method { default: "vanilla" },
    shown: true,
};

pub const SAMPLES: Param = Param {
    key: "samples",
    label: "Samples",
    help: "noisy copies averaged",
    kind: ParamKind::Int { min: 1, max: 10_000, default: 50 },
    shown: true,
};

pub const NOISE: Param = Param {
    key: "noise",
    label: "Noise",
    help: "noise level: sigma as a fraction of the image's value range",
    kind: ParamKind::Float { min: 0.0, max: 10.0, step: 0.05, default: 0.2 },
    shown: true,
};

pub const SEED: Param = Param {
    key: "seed",
    label: "Seed",
    help: "seed of the noise, for maps that reproduce exactly",
    // Up to 2^53 - 1, the largest whole number a JS number holds exactly.
    kind: ParamKind::Int { min: 0, max: 9_007_199_254_740_991, default: 0 },
    shown: false,
};

pub const AVERAGE: Param = Param {
    key: "average",
    label: "Average",
    help: "what is averaged: |a| (abs), a (plain, signed), a² (squared) or the variance of a (vargrad)",
    kind: ParamKind::Choice { choices: &Average::NAMES, default: "abs" },
    shown: true,
};

pub const SMOOTHGRAD: MethodInfo = MethodInfo {
    id: "smoothgrad",
    name: "SmoothGrad",
    description: "Any method averaged over noisy copies of the input (Smilkov et al. 2017, SmoothGrad; VarGrad: Adebayo et al. 2018).",
    aliases: &["smooth-grad", "noise-tunnel"],
    params: &[&BASE, &AVERAGE, &SAMPLES, &NOISE, &SEED],
    convergence: None,
    wrappable: false,
    single_channel: false,
    splittable: true,
    build: |o, net| {
        let base_info = o.method_named("base")?;
        let base = o.for_method(base_info).build(net)?;
        Ok(Box::new(SmoothGrad {
            base,
            samples: o.usize("samples"),
            noise: o.float("noise"),
            seed: o.uint("seed"),
            batch_size: o.effective_batch(),
            average: Average::parse(o.word("average"))?,
        }))
    },
    passes: samples_times_base,
};

fn samples_times_base(o: &MethodOptions, net: &super::Network) -> usize {
    let base = o.method_named("base").map_or(1, |b| o.for_method(b).passes(net));
    o.usize("samples").saturating_mul(base)
}
