//! Which network a command runs: a tutorial data set's (its shipped weights, or `--weights`) or a
//! model exported to ONNX (`--model`). Every command that explains takes these flags.

use std::path::{Path, PathBuf};

use clap::Args;

use saliency::attribution::Network;
use saliency::{Cnn, DatasetKind, Error, Result};

#[derive(Args, Clone, Debug)]
pub struct NetworkArgs {
    /// The tutorial's network for this data set (mnist, cifar10).
    #[arg(long, value_parser = super::parse_kind, required_unless_present = "model", conflicts_with = "model")]
    pub dataset: Option<DatasetKind>,
    /// Weights for the data set's network (safetensors) [default: pretrained/<dataset>.safetensors].
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// An ONNX model (exported by PyTorch or Keras); weights in a .data file beside it are read
    /// too. The methods explain the logits before a final Softmax or LogSoftmax.
    #[arg(long, conflicts_with = "weights")]
    pub model: Option<PathBuf>,
}

impl NetworkArgs {
    /// The tutorial network's burn weights (`None` for an ONNX model).
    pub fn cnn(&self) -> Result<Option<Cnn>> {
        match (self.dataset, &self.model) {
            (Some(kind), None) => super::load_weights(kind, self.weights.as_deref()).map(Some),
            _ => Ok(None),
        }
    }

    pub fn network(&self) -> Result<Network> {
        match &self.model {
            Some(path) => load_onnx(path),
            None => self.cnn()?.map(Network::new).ok_or_else(|| Error::Options("give --dataset or --model".into())),
        }
    }

    /// The data set whose test images `--index` / `--indices` pick: the tutorial's only.
    pub fn test_set_kind(&self, flag: &str) -> Result<DatasetKind> {
        self.dataset.ok_or_else(|| {
            Error::Options(format!("{flag} picks a tutorial test image; with --model give --input or --image"))
        })
    }

    /// What a figure's title and the JSON call the network: "MNIST", or the model's file name.
    pub fn title(&self) -> String {
        match (&self.model, self.dataset) {
            (Some(p), _) => p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into()),
            (None, Some(kind)) => kind.title().to_string(),
            (None, None) => String::new(),
        }
    }
}

pub fn load_onnx(path: &Path) -> Result<Network> {
    saliency::onnx::read_file(path)?.into_network().map_err(|e| Error::file(path, e.detail()))
}

/// The model card in numbers: the input, the classes, every node (name, op, inputs, output shape
/// without the batch dim, parameters, FLOPs) and the layers a CAM or a filter dream can name.
pub fn describe(net: &Network) -> serde_json::Value {
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
    })
}
