//! Gradient-based methods. Vanilla, guided backprop and deconvnet differ only in how a ReLU passes
//! the gradient back, so all three run one explicit backward pass with a pluggable ReLU rule: the
//! graph engine's one-image passes. With the plain rule it equals burn's autodiff, which the
//! tests check (burn's explicit pass over the tutorial's layers, `rule_backward`, is the
//! reference for the other rules).

use burn::tensor::Tensor;

use super::registry::params::{MethodInfo, one_pass};
use super::{Attribution, Network, one_hot};
use crate::Result;
use crate::model::Cnn;
use crate::model::NUM_CLASSES;
pub use crate::model::ReluRule;

/// d logit[target] / d x with every ReLU's backward replaced by `rule` (burn's explicit pass,
/// `Cnn::backward`); the reference the direct passes are tested against.
pub fn rule_backward(model: &Cnn, x: &Tensor<4>, targets: &[usize], rule: ReluRule) -> Tensor<4> {
    let trace = model.trace(x.clone());
    model.backward(&trace, one_hot(targets, NUM_CLASSES, &x.device()), rule)
}

/// d logit[target] / d x (`Network::gradient` with the true ReLU rule).
pub fn input_gradient(net: &Network, x: &Tensor<4>, targets: &[usize]) -> Tensor<4> {
    net.gradient(x, targets, ReluRule::Gradient)
}

/// d logit[target] / d x by burn's autodiff through a frozen model (`Network::frozen`); the
/// reference the engine's passes are tested against.
#[cfg(feature = "autodiff")]
pub fn autodiff_gradient(frozen: &Cnn, x: &Tensor<4>, targets: &[usize]) -> Tensor<4> {
    let xa = x.clone().autodiff().require_grad();
    let logits = frozen.forward(xa.clone());
    let seed = one_hot(targets, NUM_CLASSES, &x.device()).autodiff();
    let grads = (logits * seed).sum().backward();
    // x requires grad and feeds the output, so its gradient is always present.
    xa.grad(&grads).map(|g| g.inner()).unwrap_or_else(|| x.zeros_like())
}

/// Vanilla saliency: the raw input gradient of the target logit.
pub struct Vanilla;
impl Attribution for Vanilla {
    fn attribute(&self, net: &Network, x: &Tensor<4>, targets: &[usize]) -> Result<Tensor<4>> {
        Ok(input_gradient(net, x, targets))
    }
}

/// Guided backprop.
pub struct Guided;
impl Attribution for Guided {
    fn attribute(&self, net: &Network, x: &Tensor<4>, targets: &[usize]) -> Result<Tensor<4>> {
        Ok(net.gradient(x, targets, ReluRule::Guided))
    }
}

/// Deconvnet (keras-vis "rectified").
pub struct Deconvnet;
impl Attribution for Deconvnet {
    fn attribute(&self, net: &Network, x: &Tensor<4>, targets: &[usize]) -> Result<Tensor<4>> {
        Ok(net.gradient(x, targets, ReluRule::Deconvnet))
    }
}

/// Gradient times input.
pub struct GradientXInput;
impl Attribution for GradientXInput {
    fn attribute(&self, net: &Network, x: &Tensor<4>, targets: &[usize]) -> Result<Tensor<4>> {
        Ok(input_gradient(net, x, targets) * x.clone())
    }
}

pub const VANILLA: MethodInfo = MethodInfo {
    id: "vanilla",
    name: "Vanilla gradient",
    description: "The gradient of the target logit with respect to the input (Simonyan et al. 2014, Deep Inside Convolutional Networks).",
    aliases: &["gradient", "saliency"],
    params: &[],
    convergence: None,
    wrappable: true,
    single_channel: false,
    splittable: false,
    build: |_, _| Ok(Box::new(Vanilla)),
    passes: one_pass,
};

pub const GUIDED: MethodInfo = MethodInfo {
    id: "guided",
    name: "Guided backprop",
    description: "Backpropagation that passes only positive gradients through positive ReLUs (Springenberg et al. 2015, Striving for Simplicity).",
    aliases: &["guided-backprop", "guidedbackprop"],
    params: &[],
    convergence: None,
    wrappable: true,
    single_channel: false,
    splittable: false,
    build: |_, _| Ok(Box::new(Guided)),
    passes: one_pass,
};

pub const DECONVNET: MethodInfo = MethodInfo {
    id: "deconvnet",
    name: "Deconvnet (rectified)",
    description: "Backpropagation whose ReLUs pass max(g, 0) whatever the forward sign (Zeiler & Fergus 2014; keras-vis' rectified).",
    aliases: &["rectified", "deconvolution"],
    params: &[],
    convergence: None,
    wrappable: true,
    single_channel: false,
    splittable: false,
    build: |_, _| Ok(Box::new(Deconvnet)),
    passes: one_pass,
};

pub const GRADXINPUT: MethodInfo = MethodInfo {
    id: "gradxinput",
    name: "Gradient × input",
    description: "The gradient times the input, pixel by pixel (Shrikumar et al. 2016, Not Just a Black Box).",
    aliases: &["grad-x-input", "gradient-x-input", "input-x-gradient"],
    params: &[],
    convergence: None,
    wrappable: true,
    single_channel: false,
    splittable: false,
    build: |_, _| Ok(Box::new(GradientXInput)),
    passes: one_pass,
};
