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
#[cfg(feature = "autodiff")]
pub use gradient::autodiff_gradient;
pub use gradient::{Deconvnet, GradientXInput, Guided, ReluRule, Vanilla, input_gradient, rule_backward};
pub use integrated::{IntegratedGradients, completeness_gap};
pub use lrp::{Lrp, relevance};
pub use occlusion::Occlusion;
pub use registry::{METHODS, MethodInfo, MethodOptions};
pub use smoothgrad::{Average, SmoothGrad};

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};

use std::sync::{Arc, Mutex};

use crate::direct::{DirectNet, Trace};
use crate::model::{Cnn, NUM_CLASSES, argmax, to_vec};
use crate::{Error, Result};

/// A model ready for attribution: the plain inference copy, a frozen autodiff copy (no
/// parameter gradients, dropout off) so a backward pass computes the input gradient only, and
/// the same weights laid out for the direct one-image passes (`direct`). The autodiff copy is
/// the native reference the explicit passes are tested against; the WASM build leaves burn's
/// autodiff out (feature `autodiff`).
#[derive(Clone, Debug)]
pub struct Network {
    pub plain: Cnn,
    #[cfg(feature = "autodiff")]
    pub frozen: Cnn,
    pub direct: DirectNet,
    last: LastTrace,
}

/// The direct forward pass of the last image traced. Explaining an image classifies it and then
/// differentiates the same image; with this, both read one forward pass.
#[derive(Debug, Default)]
struct LastTrace(Mutex<Option<(Vec<f32>, Arc<Trace>)>>);

impl Clone for LastTrace {
    fn clone(&self) -> Self {
        LastTrace::default()
    }
}

impl Network {
    pub fn new(model: Cnn) -> Self {
        let plain = model.valid();
        let direct = DirectNet::new(&plain);
        Network {
            #[cfg(feature = "autodiff")]
            frozen: plain.clone().fork(&plain.device().autodiff()).freeze(),
            plain,
            direct,
            last: LastTrace::default(),
        }
    }
    /// The direct forward pass of one image in (C, H, W) order, kept as the last image traced.
    pub fn trace(&self, chw: &[f32]) -> Arc<Trace> {
        self.traced(chw, true)
    }
    /// The direct forward pass of one image; if `keep`, it replaces the kept one.
    fn traced(&self, chw: &[f32], keep: bool) -> Arc<Trace> {
        // A poisoned lock only means a panic elsewhere; the cache is then simply not used.
        let mut last = self.last.0.lock().ok();
        if let Some(Some((image, trace))) = last.as_deref()
            && image[..] == *chw
        {
            return trace.clone();
        }
        let trace = Arc::new(self.direct.trace(chw));
        if keep && let Some(last) = last.as_mut() {
            **last = Some((chw.to_vec(), trace.clone()));
        }
        trace
    }
    pub fn device(&self) -> Device {
        self.plain.device()
    }
    /// The images of `x` ([N,C,H,W]) as (C, H, W) slices, if they have the model's input shape.
    fn images(&self, x: &Tensor<4>) -> Option<(Vec<f32>, usize)> {
        let kind = self.direct.kind();
        let [_, c, h, w] = x.dims();
        (c == kind.channels() && h == kind.side() && w == kind.side()).then(|| (to_vec(x.clone()), c * h * w))
    }
    /// Logits [N,10] as rows.
    pub fn logits(&self, x: &Tensor<4>) -> Vec<Vec<f32>> {
        match self.images(x) {
            Some((data, per)) => data.chunks_exact(per).map(|img| self.trace(img).output().data.clone()).collect(),
            None => to_vec(self.plain.forward(x.clone())).chunks(NUM_CLASSES).map(<[f32]>::to_vec).collect(),
        }
    }
    /// d logit[targets[i]] / d x for each image i, with every ReLU's backward replaced by `rule`
    /// (`Gradient`: the true gradient). The direct passes, or burn's for an input of another shape.
    pub fn gradient(&self, x: &Tensor<4>, targets: &[usize], rule: ReluRule) -> Tensor<4> {
        let Some((data, per)) = self.images(x) else {
            let trace = self.plain.trace(x.clone());
            return self.plain.backward(&trace, one_hot(targets, &x.device()), rule);
        };
        // A batch is a method's samples (SmoothGrad's noisy copies, IG's path): they are not kept
        // in place of the image being explained, whose pass the next request (another method,
        // the next share of a pool's work) reuses.
        let keep = data.len() == per;
        let mut out = Vec::with_capacity(data.len());
        for (img, &t) in data.chunks_exact(per).zip(targets) {
            self.direct.backward(&self.traced(img, keep), t, rule, 0).extend_chw(&mut out);
        }
        Tensor::from_data(TensorData::new(out, x.dims()), &x.device())
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
    match target {
        Some(_) => Ok(vec![target_for(&[], target)?; x.dims()[0]]),
        None => Ok(net.logits(x).iter().map(|r| argmax(r)).collect()),
    }
}

/// The target of one image whose logits are known: the one asked for, else the predicted class.
pub fn target_for(logits: &[f32], target: Option<usize>) -> Result<usize> {
    match target {
        Some(t) if t >= NUM_CLASSES => Err(Error::Options(format!("target class {t} is out of range 0..9"))),
        Some(t) => Ok(t),
        None => Ok(argmax(logits)),
    }
}

#[cfg(test)]
mod tests {
    use super::{Arc, Network};
    use crate::model::{Cnn, DatasetKind, images_to_tensor};

    #[test]
    fn a_batch_of_samples_leaves_the_explained_images_pass_kept() {
        let kind = DatasetKind::Mnist;
        let device = crate::backend::default_device();
        let net = Network::new(Cnn::new(kind, &device));
        let img: Vec<f32> = (0..kind.input_len()).map(|i| (i % 7) as f32 / 7.0).collect();
        let kept = net.trace(&img);
        let noisy: Vec<f32> =
            [&img[..], &img[..]].concat().iter().enumerate().map(|(i, v)| v * 0.5 + (i % 3) as f32 * 0.1).collect();
        let batch = images_to_tensor(kind, &noisy, &device).expect("two images");
        net.gradient(&batch, &[1, 2], super::ReluRule::Gradient);
        assert!(Arc::ptr_eq(&kept, &net.trace(&img)), "the samples replaced the kept pass");
        // One image is what is being explained: it is kept.
        let one = images_to_tensor(kind, &noisy[..kind.input_len()], &device).expect("one image");
        net.gradient(&one, &[1], super::ReluRule::Gradient);
        assert!(!Arc::ptr_eq(&kept, &net.trace(&img)), "a single image's pass was not kept");
    }
}
