//! One call from an image to its explanation, shared by the CLI and the browser: classify, pick
//! the target, run the method, report what a user needs alongside the raw attribution.

use burn::tensor::Tensor;
use serde::Serialize;

use crate::attribution::{Attribution, MethodOptions, Network, Part, resolve_targets};
use crate::model::{argmax, softmax, tensor_to_hwc};
use crate::{Error, Result};

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    pub logits: Vec<f32>,
    pub probabilities: Vec<f32>,
    pub predicted: usize,
    pub target: usize,
    /// Raw signed attribution, H x W x `raw_channels` (1 for Grad-CAM's cam, else the input's C).
    #[serde(skip)]
    pub raw: Vec<f32>,
    pub raw_channels: usize,
    /// The method's convergence report, where it has one (IG: sum of attributions minus
    /// (logit(x) - logit(baseline))).
    pub completeness_gap: Option<f32>,
}

/// Exactly one H x W x C image in [0, 1] -> the model's [1, C, H, W] input.
pub fn image_tensor(net: &Network, image: &[f32]) -> Result<Tensor<4>> {
    net.spec().check_one(image)?;
    net.spec().images_to_tensor(image, &net.device())
}

/// Logits and probabilities of one H x W x C image.
pub fn classify(net: &Network, image: &[f32]) -> Result<(Vec<f32>, Vec<f32>)> {
    let x = image_tensor(net, image)?;
    let logits = net.logits(&x).remove(0);
    let probs = softmax(&logits);
    Ok((logits, probs))
}

/// Explains one H x W x C image in [0,1] with the method the options name.
pub fn explain(net: &Network, image: &[f32], opts: &MethodOptions) -> Result<Explanation> {
    let x = image_tensor(net, image)?;
    let logits = net.logits(&x).remove(0);
    let targets = [net.target_for(&logits, opts.target)?];
    let method = opts.build(net)?;
    let attr = method.attribute(net, &x, &targets)?;
    finish(net, &x, logits, &targets, method.as_ref(), attr)
}

/// One part of a splittable method's attribution (`Attribution::attribute_part`): H x W x C
/// values whose sum over the parts 0..count is the attribution. `None` when the method (or its
/// settings, e.g. VarGrad) does not split.
pub fn explain_part(net: &Network, image: &[f32], opts: &MethodOptions, part: Part) -> Result<Option<Vec<f32>>> {
    part.check()?;
    let x = image_tensor(net, image)?;
    let targets = resolve_targets(net, &x, opts.target)?;
    let method = opts.build(net)?;
    Ok(method.attribute_part(net, &x, &targets, part)?.map(tensor_to_hwc))
}

/// The explanation whose attribution is the sum of `parts` (from `explain_part`), added in their
/// order in f64: the same for any grouping of the parts' work.
pub fn explain_parts(net: &Network, image: &[f32], opts: &MethodOptions, parts: &[Vec<f32>]) -> Result<Explanation> {
    let x = image_tensor(net, image)?;
    let len = net.spec().input_len();
    if parts.is_empty() || parts.iter().any(|p| p.len() != len) {
        return Err(Error::Input(format!("expected one or more parts of {len} values each")));
    }
    let mut sum = vec![0f64; len];
    for p in parts {
        crate::validate::check_finite(p, "part")?;
        for (s, &v) in sum.iter_mut().zip(p) {
            *s += v as f64;
        }
    }
    let raw: Vec<f32> = sum.iter().map(|&v| v as f32).collect();
    let logits = net.logits(&x).remove(0);
    let targets = [net.target_for(&logits, opts.target)?];
    let method = opts.build(net)?;
    // The attribution in the model's layout (not pixels: no [0, 1] check).
    let attr = net.spec().hwc_tensor(raw, &net.device())?;
    finish(net, &x, logits, &targets, method.as_ref(), attr)
}

/// What every explanation reports beside its attribution.
fn finish(
    net: &Network,
    x: &Tensor<4>,
    logits: Vec<f32>,
    targets: &[usize],
    method: &dyn Attribution,
    attr: Tensor<4>,
) -> Result<Explanation> {
    let probabilities = softmax(&logits);
    let raw_channels = attr.dims()[1];
    let completeness = method.convergence(net, x, &attr, targets)?.map(|gaps| gaps[0]);
    let raw = tensor_to_hwc(attr);
    if raw.iter().any(|v| !v.is_finite()) {
        return Err(Error::Input("the attribution is not finite (are the weights sound?)".into()));
    }
    Ok(Explanation {
        predicted: argmax(&logits),
        logits,
        probabilities,
        target: targets[0],
        raw,
        raw_channels,
        completeness_gap: completeness,
    })
}
