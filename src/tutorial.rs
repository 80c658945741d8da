//! The tutorial network (`Cnn`, burn's weights) as a graph (`crate::graph`): the one place that
//! knows its layer names. The graph engine then runs it like any imported model.
//!
//! At batch 1, burn's generic kernels spend more time on dispatch, im2col, autodiff bookkeeping
//! and allocation than on this network's ~3 M multiply-adds (profile in the README's
//! "Performance"); the engine's ops run over a channel-last layout and skip the zeros ReLU and
//! pooling leave. The nodes are `LAYERS` in order, with the same rules (first maximum of a pool
//! window in row-major order, ReLU rules of `ReluRule`), and the tests hold the engine to burn's
//! forward pass and autodiff gradient.

use crate::graph::ops::{Conv, ConvGeometry, Dense, Dropout, Flatten, MaxPool, Relu};
use crate::graph::{Graph, Node, Shape};
use crate::model::{CONV1_OUT, CONV2_OUT, Cnn, DROPOUT_RATE, LAYERS, Layer, to_vec};

/// Node names: the layer's own (conv1, fc2), else its kind numbered in order (relu1, pool2).
pub fn node_names() -> Vec<String> {
    let mut seen = std::collections::HashMap::<&str, usize>::new();
    LAYERS
        .iter()
        .map(|layer| {
            let base = match layer {
                Layer::Conv1 => return "conv1".to_string(),
                Layer::Conv2 => return "conv2".to_string(),
                Layer::Fc1 => return "fc1".to_string(),
                Layer::Fc2 => return "fc2".to_string(),
                Layer::Relu => "relu",
                Layer::Pool => "pool",
                Layer::Dropout => "dropout",
                Layer::Flatten => "flatten",
            };
            let n = seen.entry(base).or_default();
            *n += 1;
            if *layer == Layer::Flatten { base.to_string() } else { format!("{base}{n}") }
        })
        .collect()
}

/// The graph of `model`: value `i` is the activation entering `LAYERS[i]`.
pub fn graph_of(model: &Cnn) -> Graph {
    let conv = |c: &burn::nn::conv::Conv2d| {
        let [cout, cin, k, _] = c.weight.dims();
        let bias = c.bias.as_ref().map(|b| to_vec(b.val()));
        // The shapes are the tensors' own, so they agree by construction.
        Conv::new(to_vec(c.weight.val()), bias, cin, cout, ConvGeometry::valid(k)).expect("a Cnn's conv weights")
    };
    let dense = |d: &burn::nn::Linear| {
        let [i, o] = d.weight.dims();
        let bias = d.bias.as_ref().map(|b| to_vec(b.val()));
        Dense::new(to_vec(d.weight.val()), bias, i, o).expect("a Cnn's dense weights")
    };
    let nodes = LAYERS
        .iter()
        .zip(node_names())
        .enumerate()
        .map(|(i, (layer, name))| {
            let inputs = vec![i];
            match layer {
                Layer::Conv1 => Node::new(name, conv(&model.conv1), inputs),
                Layer::Conv2 => Node::new(name, conv(&model.conv2), inputs),
                Layer::Relu => Node::new(name, Relu, inputs),
                Layer::Pool => Node::new(name, MaxPool::square(2), inputs),
                Layer::Dropout => Node::new(name, Dropout { rate: DROPOUT_RATE }, inputs),
                Layer::Flatten => Node::new(name, Flatten, inputs),
                Layer::Fc1 => Node::new(name, dense(&model.fc1), inputs),
                Layer::Fc2 => Node::new(name, dense(&model.fc2), inputs),
            }
        })
        .collect();
    let kind = model.kind();
    let input = Shape::new(kind.channels(), kind.side(), kind.side());
    Graph::new(input, nodes).expect("the tutorial network's shapes agree")
}

/// The layer names the tutorial has always taken for a CAM or a filter dream, and the value each
/// reads: Keras's Conv2D has its ReLU fused in, so "conv1" is conv1's output after its ReLU.
pub const LAYER_ALIASES: [(&str, usize); 2] = [("conv1", CONV1_OUT), ("conv2", CONV2_OUT)];
