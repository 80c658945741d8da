//! Integrated Gradients (Sundararajan et al. 2017), right Riemann sum:
//! (x - x') * mean_{k=1..m} grad(x' + k/m (x - x')).

use burn::tensor::{Tensor, TensorData};

use super::baseline::Baseline;
use super::registry::params::{ImageValue, MethodInfo, Param, ParamKind};
use super::smoothgrad::SEED;
use super::{Attribution, Network, Part, input_gradient};
use crate::model::to_vec;
use crate::{Error, Result};

pub struct IntegratedGradients {
    pub baseline: Baseline,
    pub steps: usize,
    pub batch_size: usize,
}

impl IntegratedGradients {
    /// Each image's baseline, [N,C,H,W].
    pub fn baseline_tensor(&self, x: &Tensor<4>) -> Result<Tensor<4>> {
        let [n, c, h, w] = x.dims();
        if let Baseline::Image(b) = &self.baseline
            && b.len() != c * h * w
        {
            return Err(Error::Options(format!("baseline has {} values, expected {}", b.len(), c * h * w)));
        }
        let xs = to_vec(x.clone());
        let per = c * h * w;
        let all: Vec<f32> =
            (0..n).flat_map(|i| self.baseline.for_image(&xs[i * per..(i + 1) * per], c, h, w)).collect();
        Ok(Tensor::from_data(TensorData::new(all, [n, c, h, w]), &x.device()))
    }
}

impl Attribution for IntegratedGradients {
    /// Completeness: sum of attributions minus (logit(x) - logit(baseline)).
    fn convergence(
        &self,
        net: &Network,
        x: &Tensor<4>,
        attr: &Tensor<4>,
        targets: &[usize],
    ) -> Result<Option<Vec<f32>>> {
        let base = self.baseline_tensor(x)?;
        Ok(Some(completeness_gap(net, x, &base, attr, targets)))
    }

    fn attribute(&self, net: &Network, x: &Tensor<4>, targets: &[usize]) -> Result<Tensor<4>> {
        self.steps_sum(net, x, targets, Part::WHOLE)
    }

    /// (x - x') times the part's steps' share of the mean gradient.
    fn attribute_part(&self, net: &Network, x: &Tensor<4>, targets: &[usize], part: Part) -> Result<Option<Tensor<4>>> {
        self.steps_sum(net, x, targets, part).map(Some)
    }
}

impl IntegratedGradients {
    /// (x - x') * (1/m) * sum of the gradients at the path points k / m, k in the part's steps
    /// (k = 1..=m for the whole).
    fn steps_sum(&self, net: &Network, x: &Tensor<4>, targets: &[usize], part: Part) -> Result<Tensor<4>> {
        let [n, c, h, w] = x.dims();
        let bases = self.baseline_tensor(x)?;
        let m = self.steps;
        if m == 0 {
            return Err(Error::Options("IG needs at least one step".into()));
        }
        let steps = part.range(m);
        let batch = self.batch_size.max(1);
        let mut out = Vec::with_capacity(n);
        for (i, &target) in targets.iter().enumerate().take(n) {
            let xi = x.clone().slice([i..i + 1]);
            let base = bases.clone().slice([i..i + 1]);
            let delta = xi - base.clone();
            // The path is built one batch of steps at a time so memory stays bounded by the batch.
            let mut sum: Tensor<4> = Tensor::zeros([1, c, h, w], &x.device());
            for start in (steps.start + 1..=steps.end).step_by(batch) {
                let end = (start + batch - 1).min(steps.end);
                let k = end - start + 1;
                let alphas: Vec<f32> = (start..=end).map(|j| j as f32 / m as f32).collect();
                let alpha = Tensor::<4>::from_data(TensorData::new(alphas, [k, 1, 1, 1]), &x.device());
                let path = base.clone().expand([k, c, h, w]) + alpha * delta.clone().expand([k, c, h, w]);
                sum = sum + input_gradient(net, &path, &vec![target; k]).sum_dim(0);
            }
            out.push(delta * (sum / m as f32));
        }
        Ok(Tensor::cat(out, 0))
    }
}

/// Completeness: (sum of attributions) - (logit(x) - logit(x')) per image; zero for exact IG.
pub fn completeness_gap(
    net: &Network,
    x: &Tensor<4>,
    baseline: &Tensor<4>,
    attr: &Tensor<4>,
    targets: &[usize],
) -> Vec<f32> {
    let lx = net.logits(x);
    let lb = net.logits(baseline);
    let sums: Vec<f32> = to_vec(attr.clone().sum_dims_squeeze::<1, _>(&[1, 2, 3]));
    // One baseline for all images, or one each.
    targets.iter().enumerate().map(|(i, &t)| sums[i] - (lx[i][t] - lb[i.min(lb.len() - 1)][t])).collect()
}

pub const STEPS: Param = Param {
    key: "steps",
    label: "Steps",
    help: "points on the path from the baseline to the input (right Riemann sum)",
    kind: ParamKind::Int { min: 1, max: 10_000, default: 50 },
    shown: true,
};

pub const BASELINE: Param = Param {
    key: "baseline",
    label: "Baseline",
    help: "where the path starts: black (zeros), white (ones), uniform noise (seeded), the input after a 5x5 box blur, or an image",
    kind: ParamKind::Image { named: &Baseline::NAMES, default: "black" },
    shown: true,
};

pub const IG: MethodInfo = MethodInfo {
    id: "ig",
    name: "Integrated Gradients",
    description: "Gradients averaged along the straight path from a baseline, times (input − baseline) (Sundararajan et al. 2017, Axiomatic Attribution).",
    aliases: &["integrated-gradients", "integratedgradients"],
    params: &[&STEPS, &BASELINE, &SEED],
    convergence: Some("completeness gap"),
    wrappable: true,
    single_channel: false,
    splittable: true,
    build: |o, net| {
        let spec = net.spec();
        let baseline = match o.image("baseline") {
            ImageValue::Named(name) => Baseline::named(&name, o.uint("seed"))
                .ok_or_else(|| Error::Options(format!("baseline: unknown baseline '{name}'")))?,
            ImageValue::Values(b) if b.len() == spec.input_len() => Baseline::Image(b),
            ImageValue::Values(b) => {
                return Err(Error::Options(format!(
                    "baseline has {} values, expected {} ({})",
                    b.len(),
                    spec.input_len(),
                    spec.describe()
                )));
            }
        };
        Ok(Box::new(IntegratedGradients { baseline, steps: o.usize("steps"), batch_size: o.effective_batch() }))
    },
    passes: |o, _| o.usize("steps"),
};
