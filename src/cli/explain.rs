//! `saliency explain`: one image in, raw attribution + keras-vis map (npy) and the tutorial's
//! figure (png) out, plus a JSON line with logits, probabilities and the target.

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;

use saliency::data::{self, Split};
use saliency::explain::explain;
use saliency::postprocess::keras_vis_map;
use saliency::sanity::{cascade, randomized};
use saliency::spec::InputSpec;
use saliency::{Error, Result};

use super::figure;
use super::method_args::MethodArgs;
use super::network::NetworkArgs;

#[derive(Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    source: NetworkArgs,
    /// Index into the test set (with --data-dir or $SALIENCY_DATA).
    #[arg(long, conflicts_with_all = ["image", "input"])]
    index: Option<usize>,
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// A PNG; centre-cropped and resized to the model's input, grey for a one-channel model.
    #[arg(long, conflicts_with = "input")]
    image: Option<PathBuf>,
    /// A float32 .npy of shape (H,W,C) or (H,W), values in [0,1].
    #[arg(long)]
    input: Option<PathBuf>,
    #[command(flatten)]
    method: MethodArgs,
    /// Sanity check: re-initialise this many layers with learned weights (Conv, Gemm) from the
    /// top (the tutorial: 1 = fc2 ... 4 = all); `saliency inspect` lists them.
    #[arg(long, default_value_t = 0)]
    randomize: usize,
    #[arg(long)]
    png: Option<PathBuf>,
    #[arg(long)]
    npy_out: Option<String>,
}

pub fn read_npy(path: &Path, spec: &InputSpec) -> Result<Vec<f32>> {
    let bytes = std::fs::read(path).map_err(|e| Error::file(path, e))?;
    saliency::input::npy_from_bytes(&bytes, spec).map_err(|e| Error::file(path, e.detail()))
}

fn write_npy(path: &Path, data: &[f32], shape: &[u64]) -> Result<()> {
    use npyz::WriterBuilder;
    let file = std::fs::File::create(path).map_err(|e| Error::file(path, e))?;
    let mut w = npyz::WriteOptions::new()
        .default_dtype()
        .shape(shape)
        .writer(std::io::BufWriter::new(file))
        .begin_nd()
        .map_err(|e| Error::file(path, e))?;
    w.extend(data.iter().copied()).map_err(|e| Error::file(path, e))?;
    w.finish().map_err(|e| Error::file(path, e))
}

pub fn run(a: ExplainArgs) -> Result<()> {
    let mut net = a.source.network()?;
    let spec = net.spec().clone();
    let opts = a.method.options(&spec, read_npy)?;
    if a.randomize > 0 {
        let layers = cascade(&net);
        if a.randomize > layers.len() {
            return Err(Error::Options(format!(
                "--randomize takes 0..{} layers ({}), got {}",
                layers.len(),
                layers.join(", "),
                a.randomize
            )));
        }
        net = randomized(&net, a.randomize, opts.uint("seed"));
    }
    let (image, label) = match (a.index, &a.image, &a.input) {
        (Some(i), None, None) => {
            let kind = a.source.test_set_kind("--index")?;
            let dir = data::resolve_dir(a.data_dir.as_deref())?;
            let test = data::load(kind, &dir, Split::Test)?;
            if i >= test.len() {
                return Err(Error::Options(format!("--index {i} is past the {} test images", test.len())));
            }
            (test.image_f32(i), Some(test.labels[i] as usize))
        }
        (None, Some(p), None) => (figure::read_png(p, &spec)?, None),
        (None, None, Some(p)) => (read_npy(p, &spec)?, None),
        _ => return Err(Error::Options("give exactly one of --index, --image or --input".into())),
    };
    let t0 = std::time::Instant::now();
    let e = explain(&net, &image, &opts)?;
    let ms = t0.elapsed().as_secs_f64() * 1e3;
    let map = keras_vis_map(&e.raw, e.raw_channels);
    let (h, w) = (spec.height as u64, spec.width as u64);
    if let Some(prefix) = &a.npy_out {
        write_npy(Path::new(&format!("{prefix}.raw.npy")), &e.raw, &[h, w, e.raw_channels as u64])?;
        write_npy(Path::new(&format!("{prefix}.map.npy")), &map, &[h, w])?;
    }
    let title = format!("{} target = {}", a.source.title(), spec.class_names[e.target]);
    if let Some(p) = &a.png {
        figure::write_figure(p, &spec, &image, &map, &title)?;
    }
    println!(
        "{}",
        json!({
            "dataset": a.source.dataset.map(|k| k.id()),
            "model": a.source.model.as_ref().map(|p| p.display().to_string()),
            "method": opts.method.id,
            "options": opts.to_json(),
            "target": e.target,
            "predicted": e.predicted,
            "label": label,
            "title": title,
            "logits": e.logits,
            "probabilities": e.probabilities,
            "completeness_gap": e.completeness_gap,
            "ms": ms,
        })
    );
    Ok(())
}
