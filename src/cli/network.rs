//! Which network a command runs: a tutorial data set's (its shipped weights, or `--weights`) or a
//! model exported to ONNX (`--model`). Every command that explains takes these flags.

use std::path::PathBuf;

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
    /// Class names for --model: a .txt file (one a line) or a JSON list [default: the model's
    /// class_names metadata, else "class 0" …].
    #[arg(long, requires = "model")]
    pub labels: Option<PathBuf>,
    /// Per-channel mean the model's training subtracted from [0, 1] pixels, e.g. 0.485,0.456,0.406
    /// or one value for every channel (applied before the graph; gradients stay with respect to
    /// the pixels).
    #[arg(long, requires = "model", value_delimiter = ',')]
    pub mean: Option<Vec<f32>>,
    /// Per-channel standard deviation the pixels were divided by, e.g. 0.229,0.224,0.225.
    #[arg(long, requires = "model", value_delimiter = ',')]
    pub std: Option<Vec<f32>>,
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
            Some(path) => {
                let class_names = match &self.labels {
                    Some(p) => {
                        let bytes = std::fs::read(p).map_err(|e| Error::file(p, e))?;
                        Some(saliency::onnx::parse_labels(&bytes).map_err(|e| Error::file(p, e.detail()))?)
                    }
                    None => None,
                };
                let o = saliency::onnx::ModelOptions { class_names, mean: self.mean.clone(), std: self.std.clone() };
                saliency::onnx::read_file(path)?.into_network_with(o).map_err(|e| Error::file(path, e.detail()))
            }
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
