//! Gradient-based methods. Vanilla uses burn's autodiff on the frozen model. Guided backprop and
//! deconvnet differ from it only in how a ReLU passes the gradient back, so they run one explicit
//! backward pass over the recorded forward trace with a pluggable ReLU rule (with the plain rule
//! it equals autodiff, which the tests check).

use burn::tensor::module::{conv_transpose2d, max_pool2d_with_indices_backward};
use burn::tensor::ops::ConvTransposeOptions;
use burn::tensor::{Bool, Int, Tensor};

use super::{Attribution, Network, one_hot};
use crate::Result;
use crate::model::Cnn;

/// How a ReLU passes the upstream gradient g back, given its pre-activation x.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReluRule {
    /// g * [x > 0]: the true gradient.
    Gradient,
    /// g * [x > 0] * [g > 0] (Springenberg et al.).
    Guided,
    /// max(g, 0), ignoring the forward sign (Zeiler & Fergus; keras-vis "rectified").
    Deconvnet,
}

fn relu_back<const D: usize>(rule: ReluRule, pre: Tensor<D>, g: Tensor<D>) -> Tensor<D> {
    let off = |pre: Tensor<D>| -> Tensor<D, Bool> { pre.lower_equal_elem(0.0) };
    match rule {
        ReluRule::Gradient => g.mask_fill(off(pre), 0.0),
        ReluRule::Guided => g.clamp_min(0.0).mask_fill(off(pre), 0.0),
        ReluRule::Deconvnet => g.clamp_min(0.0),
    }
}

/// Max pooling's backward: the gradient goes to the recorded (first, row-major) maximum.
fn pool_back(input: Tensor<4>, g: Tensor<4>, indices: Tensor<4, Int>) -> Tensor<4> {
    max_pool2d_with_indices_backward(input, [2, 2], [2, 2], [0, 0], [1, 1], false, g, indices)
}

/// A valid 3x3 convolution's backward with respect to its input.
fn conv_back(g: Tensor<4>, weight: Tensor<4>) -> Tensor<4> {
    conv_transpose2d(g, weight, None, ConvTransposeOptions::new([1, 1], [0, 0], [0, 0], [1, 1], 1))
}

/// d logit[target] / d x with every ReLU's backward replaced by `rule`.
pub fn rule_backward(model: &Cnn, x: &Tensor<4>, targets: &[usize], rule: ReluRule) -> Tensor<4> {
    let t = model.trace(x.clone());
    let [n, _, _, _] = t.conv2.dims();
    let g = one_hot(targets, &x.device()).matmul(model.fc2.weight.val().transpose());
    let g = relu_back(rule, t.fc1_pre, g);
    let g = g.matmul(model.fc1.weight.val().transpose());
    let s = t.conv2.dims()[2] / 2;
    let g: Tensor<4> = g.reshape([n, crate::model::CONV2_CHANNELS, s, s]);
    let g = pool_back(t.conv2, g, t.pool2_indices);
    let g = relu_back(rule, t.conv2_pre, g);
    let g = conv_back(g, model.conv2.weight.val());
    let g = pool_back(t.conv1, g, t.pool1_indices);
    let g = relu_back(rule, t.conv1_pre, g);
    conv_back(g, model.conv1.weight.val())
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
