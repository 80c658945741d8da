//! Attribution methods. Each is a small type with one `attribute` (PAIR saliency's `GetMask`):
//! it returns the raw, signed attribution for a batch, shaped like the input ([N,C,H,W];
//! Grad-CAM's cam is [N,1,H,W]). Turning that into a map is `postprocess`; colouring is the
//! front end's job. `SmoothGrad` wraps any other method.

mod gradcam;
mod gradient;
mod integrated;
mod occlusion;
mod smoothgrad;

pub use gradcam::{GradCam, GuidedGradCam, upsample_bilinear_aligned};
pub use gradient::{Deconvnet, GradientXInput, Guided, ReluRule, Vanilla, input_gradient, rule_backward};
pub use integrated::{IntegratedGradients, completeness_gap};
pub use occlusion::Occlusion;
pub use smoothgrad::SmoothGrad;

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use crate::model::{Cnn, DatasetKind, NUM_CLASSES, argmax, to_vec};
use crate::validate::{MAX_BATCH, MAX_PASSES};
use crate::{Error, Result};

/// A model ready for attribution: the plain inference copy and a frozen autodiff copy (no
/// parameter gradients, dropout off) so a backward pass computes the input gradient only.
#[derive(Clone, Debug)]
pub struct Network {
    pub plain: Cnn,
    pub frozen: Cnn,
}

impl Network {
    pub fn new(model: Cnn) -> Self {
        let plain = model.valid();
        let frozen = plain.clone().fork(&plain.device().autodiff()).freeze();
        Network { plain, frozen }
    }
    pub fn device(&self) -> Device {
        self.plain.device()
    }
    /// Logits [N,10] as rows.
    pub fn logits(&self, x: &Tensor<4>) -> Vec<Vec<f32>> {
        to_vec(self.plain.forward(x.clone())).chunks(NUM_CLASSES).map(<[f32]>::to_vec).collect()
    }
}

pub trait Attribution {
    /// Raw signed attribution of `targets[i]`'s logit for image i of `x` ([N,C,H,W], plain device).
    fn attribute(&self, net: &Network, x: &Tensor<4>, targets: &[usize]) -> Result<Tensor<4>>;
}

/// One-hot rows selecting each image's target logit; the seed of every backward pass.
pub fn one_hot(targets: &[usize], device: &Device) -> Tensor<2> {
    let mut v = vec![0f32; targets.len() * NUM_CLASSES];
    for (i, &t) in targets.iter().enumerate() {
        v[i * NUM_CLASSES + t] = 1.0;
    }
    Tensor::from_data(TensorData::new(v, [targets.len(), NUM_CLASSES]), device)
}

/// The target of each image: the one asked for, else the predicted class.
pub fn resolve_targets(net: &Network, x: &Tensor<4>, target: Option<usize>) -> Result<Vec<usize>> {
    let n = x.dims()[0];
    match target {
        Some(t) if t >= NUM_CLASSES => Err(Error::Options(format!("target class {t} is out of range 0..9"))),
        Some(t) => Ok(vec![t; n]),
        None => Ok(net.logits(x).iter().map(|r| argmax(r)).collect()),
    }
}

/// Splits a batch along N into chunks of at most `size` and concatenates the method's results.
pub fn in_batches(
    x: &Tensor<4>,
    targets: &[usize],
    size: usize,
    mut f: impl FnMut(&Tensor<4>, &[usize]) -> Result<Tensor<4>>,
) -> Result<Tensor<4>> {
    let n = x.dims()[0];
    let size = size.max(1);
    let mut parts = Vec::new();
    for start in (0..n).step_by(size) {
        let end = (start + size).min(n);
        parts.push(f(&x.clone().slice([start..end]), &targets[start..end])?);
    }
    Ok(Tensor::cat(parts, 0))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MethodKind {
    Vanilla,
    Guided,
    Deconvnet,
    Gradxinput,
    Smoothgrad,
    Ig,
    Gradcam,
    GuidedGradcam,
    Occlusion,
}

impl MethodKind {
    pub const ALL: [MethodKind; 9] = [
        MethodKind::Vanilla,
        MethodKind::Guided,
        MethodKind::Deconvnet,
        MethodKind::Gradxinput,
        MethodKind::Smoothgrad,
        MethodKind::Ig,
        MethodKind::Gradcam,
        MethodKind::GuidedGradcam,
        MethodKind::Occlusion,
    ];
    pub fn id(self) -> &'static str {
        match self {
            MethodKind::Vanilla => "vanilla",
            MethodKind::Guided => "guided",
            MethodKind::Deconvnet => "deconvnet",
            MethodKind::Gradxinput => "gradxinput",
            MethodKind::Smoothgrad => "smoothgrad",
            MethodKind::Ig => "ig",
            MethodKind::Gradcam => "gradcam",
            MethodKind::GuidedGradcam => "guided-gradcam",
            MethodKind::Occlusion => "occlusion",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        let s = s.to_ascii_lowercase().replace('_', "-");
        let alias = match s.as_str() {
            "gradient" | "saliency" => "vanilla",
            "rectified" => "deconvnet",
            "integrated-gradients" => "ig",
            "grad-cam" => "gradcam",
            "guided-grad-cam" | "guidedgradcam" => "guided-gradcam",
            "grad-x-input" | "gradient-x-input" => "gradxinput",
            other => other,
        };
        MethodKind::ALL.into_iter().find(|m| m.id() == alias).ok_or_else(|| {
            let names: Vec<&str> = MethodKind::ALL.iter().map(|m| m.id()).collect();
            Error::Options(format!("unknown method '{s}' (one of {})", names.join(", ")))
        })
    }
}

/// Every option of every method, as the CLI flags and the JS options object spell them.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct MethodOptions {
    pub method: MethodKind,
    /// The method SmoothGrad wraps.
    pub base: MethodKind,
    /// Class to explain; the predicted one when absent.
    pub target: Option<usize>,
    pub samples: usize,
    pub noise: f32,
    pub seed: u64,
    pub steps: usize,
    /// IG baseline, H x W x C in [0,1]; all zeros when absent.
    pub baseline: Option<Vec<f32>>,
    pub patch: Option<usize>,
    pub stride: Option<usize>,
    /// How many images go through the network at once (SmoothGrad samples, IG steps, patches);
    /// capped at `validate::MAX_BATCH`.
    pub batch_size: usize,
}

impl Default for MethodOptions {
    fn default() -> Self {
        MethodOptions {
            method: MethodKind::Vanilla,
            base: MethodKind::Vanilla,
            target: None,
            samples: 50,
            noise: 0.2,
            seed: 0,
            steps: 50,
            baseline: None,
            patch: None,
            stride: None,
            batch_size: 50,
        }
    }
}

impl MethodOptions {
    fn check(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Options(m));
        if self.samples == 0 || self.samples > 10_000 {
            return bad(format!("samples must be in 1..=10000, got {}", self.samples));
        }
        if !self.noise.is_finite() || self.noise < 0.0 {
            return bad(format!("noise must be a finite number >= 0, got {}", self.noise));
        }
        if self.steps == 0 || self.steps > 10_000 {
            return bad(format!("steps must be in 1..=10000, got {}", self.steps));
        }
        if self.batch_size == 0 {
            return bad("batchSize must be at least 1".into());
        }
        if matches!(self.patch, Some(0)) || matches!(self.stride, Some(0)) {
            return bad("patch and stride must be at least 1".into());
        }
        if let Some(b) = &self.baseline {
            crate::validate::check_pixels(b, "baseline").map_err(|e| Error::Options(e.to_string()))?;
        }
        Ok(())
    }

    /// Images in one batch: what `batchSize` asks, capped so one call cannot grow memory without bound.
    pub fn effective_batch(&self) -> usize {
        self.batch_size.clamp(1, MAX_BATCH)
    }

    /// Network passes one explanation costs (SmoothGrad multiplies its base method's).
    pub fn passes(&self, kind: DatasetKind) -> usize {
        let one = |m: MethodKind| match m {
            MethodKind::Ig => self.steps,
            MethodKind::Occlusion => {
                let (patch, stride) = (self.patch.unwrap_or(4), self.stride.unwrap_or(2).max(1));
                let per_axis = kind.side().saturating_sub(patch) / stride + 1;
                per_axis * per_axis
            }
            _ => 1,
        };
        match self.method {
            MethodKind::Smoothgrad => self.samples.saturating_mul(one(self.base)),
            m => one(m),
        }
    }

    /// Builds the method these options describe.
    pub fn build(&self, net: &Network) -> Result<Box<dyn Attribution>> {
        self.check()?;
        let kind = net.plain.kind();
        let passes = self.passes(kind);
        if passes > MAX_PASSES {
            return Err(Error::Options(format!(
                "these options need {passes} network passes; at most {MAX_PASSES} are allowed in one call"
            )));
        }
        let batch_size = self.effective_batch();
        Ok(match self.method {
            MethodKind::Smoothgrad => {
                if self.base == MethodKind::Smoothgrad {
                    return Err(Error::Options("SmoothGrad cannot wrap itself".into()));
                }
                let base = MethodOptions { method: self.base, ..self.clone() }.build(net)?;
                Box::new(SmoothGrad { base, samples: self.samples, noise: self.noise, seed: self.seed, batch_size })
            }
            MethodKind::Vanilla => Box::new(Vanilla),
            MethodKind::Guided => Box::new(Guided),
            MethodKind::Deconvnet => Box::new(Deconvnet),
            MethodKind::Gradxinput => Box::new(GradientXInput),
            MethodKind::Ig => {
                if let Some(b) = &self.baseline
                    && b.len() != kind.input_len()
                {
                    return Err(Error::Options(format!(
                        "baseline has {} values, expected {} ({}x{}x{})",
                        b.len(),
                        kind.input_len(),
                        kind.side(),
                        kind.side(),
                        kind.channels()
                    )));
                }
                Box::new(IntegratedGradients { baseline: self.baseline.clone(), steps: self.steps, batch_size })
            }
            MethodKind::Gradcam => Box::new(GradCam),
            MethodKind::GuidedGradcam => Box::new(GuidedGradCam),
            MethodKind::Occlusion => {
                let patch = self.patch.unwrap_or(4);
                let stride = self.stride.unwrap_or(2);
                if patch > kind.side() {
                    return Err(Error::Options(format!(
                        "patch {patch} is larger than the {}-pixel image",
                        kind.side()
                    )));
                }
                Box::new(Occlusion { patch, stride, baseline_value: 0.0, batch_size })
            }
        })
    }
}
