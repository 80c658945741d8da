//! Attribution methods. Each is a small type with one `attribute` (PAIR saliency's `GetMask`):
//! it returns the raw, signed attribution for a batch, shaped like the input ([N,C,H,W];
//! Grad-CAM's cam is [N,1,H,W]). Turning that into a map is `postprocess`; colouring is the
//! front end's job. `SmoothGrad` wraps any other method. Each method's file also declares its
//! `MethodInfo`; `registry::METHODS` lists them for every face of the tool.

pub mod baseline;
mod blur_ig;
mod expected_gradients;
mod gradcam;
mod gradient;
mod integrated;
mod lrp;
mod occlusion;
pub mod registry;
mod smoothgrad;

pub use baseline::Baseline;
pub use blur_ig::{BlurIg, gaussian_blur};
pub use expected_gradients::ExpectedGradients;
pub use gradcam::{GradCam, GradCamPlusPlus, GuidedGradCam, ScoreCam, layer_index, upsample_bilinear_aligned};
pub use gradient::{Deconvnet, GradientXInput, Guided, ReluRule, Vanilla, input_gradient, rule_backward};
pub use integrated::{IntegratedGradients, completeness_gap};
pub use lrp::{Lrp, relevance};
pub use occlusion::Occlusion;
pub use registry::{METHODS, MethodInfo, MethodOptions};
pub use smoothgrad::{Average, SmoothGrad};

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};

use crate::model::{Cnn, NUM_CLASSES, argmax, to_vec};
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

    /// Part `part.index` of `part.count` of the attribution: the contribution of one contiguous
    /// block of the method's units (samples, steps, patches), such that the attribution is the
    /// sum of all parts' contributions. `None` for methods (or settings) whose work does not split.
    fn attribute_part(
        &self,
        _net: &Network,
        _x: &Tensor<4>,
        _targets: &[usize],
        _part: Part,
    ) -> Result<Option<Tensor<4>>> {
        Ok(None)
    }

    /// What the method reports about how well its attribution converged, per image (IG's
    /// completeness gap); `None` for methods without such a report (Captum's `has_convergence_delta`).
    fn convergence(
        &self,
        _net: &Network,
        _x: &Tensor<4>,
        _attr: &Tensor<4>,
        _targets: &[usize],
    ) -> Result<Option<Vec<f32>>> {
        Ok(None)
    }
}

/// One block of a method's units: units index·U/count .. (index+1)·U/count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    pub index: usize,
    pub count: usize,
}

impl Default for Part {
    fn default() -> Self {
        Part::WHOLE
    }
}

impl Part {
    pub const WHOLE: Part = Part { index: 0, count: 1 };

    pub fn range(self, units: usize) -> std::ops::Range<usize> {
        self.index * units / self.count..(self.index + 1) * units / self.count
    }

    pub fn check(self) -> Result<()> {
        if self.count == 0 || self.count > 1024 || self.index >= self.count {
            return Err(Error::Options(format!(
                "part {} of {}: count must be in 1..=1024 and index below it",
                self.index, self.count
            )));
        }
        Ok(())
    }
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
