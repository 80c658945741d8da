//! Gradient-based methods. Vanilla uses burn's autodiff on the frozen model. Guided backprop and
//! deconvnet differ from it only in how a ReLU passes the gradient back, so they run the explicit
//! backward pass written next to the forward pass in `model.rs` with a pluggable ReLU rule (with
//! the plain rule it equals autodiff, which the tests check).

use burn::tensor::Tensor;

use super::{Attribution, Network, one_hot};
use crate::Result;
pub use crate::model::ReluRule;
use crate::model::Cnn;

/// d logit[target] / d x with every ReLU's backward replaced by `rule` (`Cnn::backward`).
pub fn rule_backward(model: &Cnn, x: &Tensor<4>, targets: &[usize], rule: ReluRule) -> Tensor<4> {
    let trace = model.trace(x.clone());
    model.backward(&trace, one_hot(targets, &x.device()), rule)
}

/// d logit[target] / d x by autodiff through the frozen model.
pub fn input_gradient(net: &Network, x: &Tensor<4>, targets: &[usize]) -> Tensor<4> {
    let xa = x.clone().autodiff().require_grad();
    let logits = net.frozen.forward(xa.clone());
    let seed = one_hot(targets, &x.device()).autodiff();
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
        Ok(rule_backward(&net.plain, x, targets, ReluRule::Guided))
    }
}

/// Deconvnet (keras-vis "rectified").
pub struct Deconvnet;
impl Attribution for Deconvnet {
    fn attribute(&self, net: &Network, x: &Tensor<4>, targets: &[usize]) -> Result<Tensor<4>> {
        Ok(rule_backward(&net.plain, x, targets, ReluRule::Deconvnet))
    }
}

/// Gradient times input.
pub struct GradientXInput;
impl Attribution for GradientXInput {
    fn attribute(&self, net: &Network, x: &Tensor<4>, targets: &[usize]) -> Result<Tensor<4>> {
        Ok(input_gradient(net, x, targets) * x.clone())
    }
}
