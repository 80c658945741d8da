//! Layer-wise relevance propagation (Bach et al. 2015; rules as Montavon et al. 2019 recommend
//! for a small CNN): the target logit is the relevance at the output; dense layers pass it back
//! with the epsilon rule, convolutions with z+ (alpha = 1, beta = 0), max pooling to the first
//! maximum of each window (as the gradient goes), ReLU and dropout unchanged: each op's rule is
//! its `Op::lrp`, walked by the graph engine. Reports conservation: sum of input relevance - the logit.

use burn::tensor::Tensor;
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;

use super::registry::params::{MethodInfo, Param, ParamKind, one_pass};
use super::{Attribution, Network, one_hot};
use crate::Result;
use crate::model::{Activation, Cnn, LAYERS, Layer, conv_back, to_vec};

pub struct Lrp {
    /// The epsilon rule's stabiliser: z + epsilon * sign(z) divides the relevance.
    pub epsilon: f32,
}

/// The same relevance by burn's tensor ops over the tutorial's layers: the reference the
/// graph's per-op rules (`Op::lrp`) are tested against.
pub fn relevance(model: &Cnn, x: &Tensor<4>, targets: &[usize], epsilon: f32) -> Tensor<4> {
    let t = model.trace(x.clone());
    let mut r = Activation::Flat(t.logits.clone() * one_hot(targets, crate::model::NUM_CLASSES, &x.device()));
    for (i, &layer) in LAYERS.iter().enumerate().rev() {
        let a = t.inputs[i].clone();
        r = match layer {
            Layer::Fc1 => Activation::Flat(epsilon_rule(a.flat(), r.flat(), &model.fc1, epsilon)),
            Layer::Fc2 => Activation::Flat(epsilon_rule(a.flat(), r.flat(), &model.fc2, epsilon)),
            Layer::Conv1 => Activation::Maps(z_plus(a.maps(), r.maps(), model.conv1.weight.val())),
            Layer::Conv2 => Activation::Maps(z_plus(a.maps(), r.maps(), model.conv2.weight.val())),
            Layer::Pool => Activation::Maps(t.pool_back(i, r.maps())),
            Layer::Flatten => {
                let dims = a.maps().dims();
                Activation::Maps(r.flat().reshape(dims))
            }
            Layer::Relu | Layer::Dropout => r,
        };
    }
    r.maps()
}

/// R_in = a * (W (R / (z + eps sign z))), z = a W + b (sign(0) = +1).
fn epsilon_rule(a: Tensor<2>, r: Tensor<2>, layer: &burn::nn::Linear, epsilon: f32) -> Tensor<2> {
    let z = layer.forward(a.clone());
    let sign = z.clone().greater_equal_elem(0.0).float() * 2.0 - 1.0;
    let s = r / (z + sign * epsilon);
    a * s.matmul(layer.weight.val().transpose())
}

/// R_in = a * (W+^T (R / z+)), z+ = a * W+ without bias; where z+ = 0 nothing flows.
fn z_plus(a: Tensor<4>, r: Tensor<4>, weight: Tensor<4>) -> Tensor<4> {
    let w_plus = weight.clamp_min(0.0);
    let z = conv2d(a.clone(), w_plus.clone(), None, ConvOptions::new([1, 1], [0, 0], [1, 1], 1));
    let dead = z.clone().lower_equal_elem(0.0);
    let s = (r / z.clamp_min(f32::MIN_POSITIVE)).mask_fill(dead, 0.0);
    a * conv_back(s, w_plus)
}

impl Attribution for Lrp {
    fn attribute(&self, net: &Network, x: &Tensor<4>, targets: &[usize]) -> Result<Tensor<4>> {
        Ok(net.relevance(x, targets, self.epsilon))
    }

    /// Conservation: the input relevance's sum minus the target logit (0 when nothing is absorbed).
    fn convergence(
        &self,
        net: &Network,
        x: &Tensor<4>,
        attr: &Tensor<4>,
        targets: &[usize],
    ) -> Result<Option<Vec<f32>>> {
        let logits = net.logits(x);
        let sums = to_vec(attr.clone().sum_dims_squeeze::<1, _>(&[1, 2, 3]));
        Ok(Some(targets.iter().enumerate().map(|(i, &t)| sums[i] - logits[i][t]).collect()))
    }
}

pub const EPSILON: Param = Param {
    key: "epsilon",
    label: "ε",
    help: "the epsilon rule's stabiliser in the dense layers",
    kind: ParamKind::Float { min: 0.0, max: 10.0, step: 0.01, default: 1e-6 },
    shown: false,
};

pub const LRP: MethodInfo = MethodInfo {
    id: "lrp",
    name: "LRP (ε / z⁺)",
    description: "Layer-wise relevance propagation: ε-rule for dense layers, z⁺ for convolutions (Bach et al. 2015; Montavon et al. 2019).",
    aliases: &["layer-wise-relevance-propagation"],
    params: &[&EPSILON],
    convergence: Some("conservation gap"),
    wrappable: true,
    single_channel: false,
    splittable: false,
    build: |o, _| Ok(Box::new(Lrp { epsilon: o.float("epsilon") })),
    passes: one_pass,
};
