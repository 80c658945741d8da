//! `saliency layers`: inside the network for one image — every node's output and the gradient
//! of the target logit arriving at it, as one JSON object or a figure.

use std::path::PathBuf;

use clap::Args;

use saliency::data::{self, Split};
use saliency::layers::{layer_trace, rule_named};
use saliency::{Error, Result};

use super::network::NetworkArgs;

#[derive(Args)]
pub struct LayersArgs {
    #[command(flatten)]
    source: NetworkArgs,
    /// Index into the test set (with --data-dir or $SALIENCY_DATA).
    #[arg(long, conflicts_with = "input")]
    index: Option<usize>,
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// A float32 .npy of shape (H,W,C) or (H,W), values in [0,1].
    #[arg(long)]
    input: Option<PathBuf>,
    /// Class whose logit is differentiated [default: the predicted class].
    #[arg(long)]
    target: Option<usize>,
    /// The ReLU rule of the backward pass: vanilla, guided or deconvnet.
    #[arg(long, default_value = "vanilla")]
    method: String,
    /// Print {"target", "nodes": [{"name", "op", "shape", "output", "gradient"}]}.
    #[arg(long, required_unless_present = "png")]
    json: bool,
    /// Draw the strip as a figure: every node's output and gradient, one row per node.
    #[arg(long)]
    png: Option<PathBuf>,
}

pub fn run(a: LayersArgs) -> Result<()> {
    let rule = rule_named(&a.method)?;
    let net = a.source.network()?;
    let image = match (a.index, &a.input) {
        (Some(i), None) => {
            let kind = a.source.test_set_kind("--index")?;
            let test = data::load(kind, &data::resolve_dir(a.data_dir.as_deref())?, Split::Test)?;
            if i >= test.len() {
                return Err(Error::Options(format!("--index {i} is past the {} test images", test.len())));
            }
            test.image_f32(i)
        }
        (None, Some(p)) => super::explain::read_npy(p, net.spec())?,
        _ => return Err(Error::Options("give exactly one of --index or --input".into())),
    };
    let trace = layer_trace(&net, &image, a.target, rule)?;
    if let Some(png) = &a.png {
        let class = &net.spec().class_names[trace.target];
        super::figure::write_strip(png, &trace, &format!("inside the network: target = {class} ({})", a.method))?;
        eprintln!("wrote {}", png.display());
    }
    if a.json {
        println!("{}", serde_json::to_string(&trace).map_err(|e| Error::Input(e.to_string()))?);
    }
    Ok(())
}
