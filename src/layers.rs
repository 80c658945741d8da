//! Inside the network: every node's output for one image and the gradient of the target logit
//! arriving at it, from the one forward and one backward pass the methods already run (the
//! trace is the engine's own, not a second run per layer); and, at any layer, each channel's
//! Grad-CAM weight and contribution, the answer to "which filters make it a 7".

use serde::Serialize;

use crate::attribution::{Network, ReluRule};
use crate::graph::{Maps, Shape};
use crate::{Error, Result};

/// One node as the layer view and `saliency layers --json` show it.
#[derive(Clone, Debug, Serialize)]
pub struct NodeTrace {
    pub name: String,
    pub op: &'static str,
    /// Without the batch dim: [C, H, W] for maps, [C] for a vector.
    pub shape: Vec<usize>,
    /// The node's output, flat in row-major order of `shape`.
    pub output: Vec<f32>,
    /// ∂ target logit / ∂ output under the chosen ReLU rule, in the same order.
    pub gradient: Vec<f32>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LayerTrace {
    pub target: usize,
    pub nodes: Vec<NodeTrace>,
}

/// The ReLU rule a layer trace's backward pass takes: vanilla, guided or deconvnet.
pub fn rule_named(name: &str) -> Result<ReluRule> {
    match name {
        "vanilla" | "gradient" => Ok(ReluRule::Gradient),
        "guided" => Ok(ReluRule::Guided),
        "deconvnet" | "rectified" => Ok(ReluRule::Deconvnet),
        other => Err(Error::Options(format!("method: expected vanilla, guided or deconvnet, got {other}"))),
    }
}

fn dims(s: Shape) -> Vec<usize> {
    if s.is_map() { vec![s.c, s.h, s.w] } else { vec![s.c] }
}

/// Every node, in graph order, for one H x W x C image: its output and the gradient of the
/// target logit (the predicted class when `target` is `None`) at it.
pub fn layer_trace(net: &Network, image: &[f32], target: Option<usize>, rule: ReluRule) -> Result<LayerTrace> {
    let x = crate::explain::image_tensor(net, image)?;
    let trace = net.trace(&crate::model::to_vec(x));
    let target = net.target_for(&trace.output().data, target)?;
    let graph = net.graph();
    let seed = Maps::one_hot(net.spec().classes(), target);
    let grads = graph.backward_all(&trace, seed, rule);
    let nodes = graph
        .nodes()
        .iter()
        .enumerate()
        .map(|(i, n)| NodeTrace {
            name: n.name.clone(),
            op: n.op.kind(),
            shape: dims(graph.shape(i + 1)),
            output: trace.values[i + 1].to_chw(),
            gradient: grads[i + 1].to_chw(),
        })
        .collect();
    Ok(LayerTrace { target, nodes })
}

/// One channel of a layer, as Grad-CAM weighs it for the target.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChannelWeight {
    pub channel: usize,
    /// wₖ: the mean over positions of ∂ target logit / ∂ Aₖ.
    pub weight: f32,
    /// wₖ · mean(Aₖ): the channel's share of the target logit's Grad-CAM sum.
    pub contribution: f32,
}

/// Every channel of `layer` (a name as the CAM methods take it; "" the default), sorted by
/// contribution, largest first (ties: lower channel first). The contributions sum to the mean
/// over positions of Grad-CAM's Σₖ wₖAₖ before its ReLU.
pub fn channel_weights(net: &Network, image: &[f32], target: Option<usize>, layer: &str) -> Result<Vec<ChannelWeight>> {
    let at = net.layer_value(layer)?;
    let x = crate::explain::image_tensor(net, image)?;
    let trace = net.trace(&crate::model::to_vec(x));
    let target = net.target_for(&trace.output().data, target)?;
    let g = net.backward(&trace, target, ReluRule::Gradient, at);
    let a = &trace.values[at];
    let s = a.shape();
    let n = (s.h * s.w) as f64;
    let mean = |m: &Maps, k: usize| m.data.iter().skip(k).step_by(s.c).map(|&v| v as f64).sum::<f64>() / n;
    let mut out: Vec<ChannelWeight> = (0..s.c)
        .map(|k| {
            let (w, am) = (mean(&g, k), mean(a, k));
            ChannelWeight { channel: k, weight: w as f32, contribution: (w * am) as f32 }
        })
        .collect();
    out.sort_by(|p, q| q.contribution.total_cmp(&p.contribution).then(p.channel.cmp(&q.channel)));
    Ok(out)
}

/// The JS API's options for a layer trace.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TraceOptions {
    /// The class whose logit is differentiated; the predicted one when absent.
    pub target: Option<usize>,
    /// The ReLU rule of the backward pass: vanilla, guided or deconvnet.
    pub method: String,
}

impl Default for TraceOptions {
    fn default() -> Self {
        TraceOptions { target: None, method: "vanilla".into() }
    }
}

/// The JS API's options for channel weights.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChannelOptions {
    pub target: Option<usize>,
    /// A layer as the CAM methods name it; "" the model's default.
    pub layer: String,
}

/// The model card in numbers: the input, the classes, every node (name, op, inputs, output shape
/// without the batch dim, parameters, FLOPs) and the layers a CAM or a filter dream can name.
pub fn model_card(net: &Network) -> serde_json::Value {
    let g = net.graph();
    let shape = |v: usize| {
        let s = g.shape(v);
        if s.is_map() { serde_json::json!([s.c, s.h, s.w]) } else { serde_json::json!([s.c]) }
    };
    let name = |v: usize| if v == 0 { "input".to_string() } else { g.nodes()[v - 1].name.clone() };
    let nodes: Vec<serde_json::Value> = g
        .nodes()
        .iter()
        .enumerate()
        .map(|(i, n)| {
            serde_json::json!({
                "name": n.name,
                "op": n.op.kind(),
                "inputs": n.inputs.iter().map(|&v| name(v)).collect::<Vec<_>>(),
                "shape": shape(i + 1),
                "parameters": n.op.parameters(),
                "flops": g.node_flops(i),
            })
        })
        .collect();
    let spec = net.spec();
    serde_json::json!({
        "input": [spec.height, spec.width, spec.channels],
        "classes": spec.class_names,
        "parameters": g.parameters(),
        "flops": g.flops(),
        "nodes": nodes,
        "layers": net.layer_names(),
        "defaultLayer": net.default_layer(),
        "randomised": crate::sanity::cascade(net),
        "notes": net.notes(),
    })
}
