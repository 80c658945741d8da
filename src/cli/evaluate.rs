//! `saliency evaluate`: deletion / insertion / LeRF curves and SRG for methods over test images
//! (or one .npy input), one JSON line per (image, method), then mean ± standard error per method.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use saliency::attribution::{METHODS, MethodOptions, Network, registry};
use saliency::data::{self, Split};
use saliency::evaluate::{Curves, EvalOptions, RemovalBaseline, default_steps, evaluate};
use saliency::postprocess::{ChannelReduce, SignView};
use saliency::{DatasetKind, Error, Result};

#[derive(Args)]
pub struct EvaluateArgs {
    #[arg(long, value_parser = super::parse_kind)]
    dataset: DatasetKind,
    #[arg(long)]
    weights: Option<PathBuf>,
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Test images: a range A..B (B excluded) or a list 0,12,38.
    #[arg(long, conflicts_with = "input")]
    indices: Option<String>,
    /// One image as a float32 .npy (H,W,C) or (H,W) in [0,1].
    #[arg(long)]
    input: Option<PathBuf>,
    /// Class to explain and score; the predicted class when absent.
    #[arg(long)]
    target: Option<usize>,
    /// `all` or a comma-separated list of method ids.
    #[arg(long, default_value = "all")]
    methods: String,
    /// K: curve points are k = 0..K [default: 28 MNIST, 32 CIFAR-10].
    #[arg(long)]
    steps: Option<usize>,
    /// What removed pixels become: zero, or the image after a 5x5 box blur.
    #[arg(long, default_value = "zero")]
    baseline: String,
    /// Sign view of the map (absolute, positive, negative, signed).
    #[arg(long, default_value = "absolute")]
    sign: String,
    /// Channel reduction (max, sum-abs).
    #[arg(long, default_value = "max")]
    reduce: String,
    /// Seed of the random-order map (the chance line).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Also write every row to this CSV file.
    #[arg(long)]
    csv: Option<PathBuf>,
}

fn parse_indices(s: &str, len: usize) -> Result<Vec<usize>> {
    let bad = || Error::Options(format!("--indices '{s}': expected A..B or a list such as 0,12,38"));
    let v: Vec<usize> = if let Some((a, b)) = s.split_once("..") {
        let (a, b): (usize, usize) = (a.trim().parse().map_err(|_| bad())?, b.trim().parse().map_err(|_| bad())?);
        (a..b).collect()
    } else {
        s.split(',').map(|x| x.trim().parse().map_err(|_| bad())).collect::<Result<_>>()?
    };
    if v.is_empty() {
        return Err(bad());
    }
    if let Some(&i) = v.iter().find(|&&i| i >= len) {
        return Err(Error::Options(format!("--indices: {i} is past the {len} test images")));
    }
    Ok(v)
}

pub fn run(a: EvaluateArgs) -> Result<()> {
    let kind = a.dataset;
    let net = Network::new(super::load_weights(kind, a.weights.as_deref())?);
    let baseline = RemovalBaseline::parse(&a.baseline)?;
    let sign: SignView =
        serde_json::from_value(json!(a.sign)).map_err(|_| Error::Options(format!("--sign '{}'", a.sign)))?;
    let how: ChannelReduce =
        serde_json::from_value(json!(a.reduce)).map_err(|_| Error::Options(format!("--reduce '{}'", a.reduce)))?;
    let steps = a.steps.unwrap_or_else(|| default_steps(kind));
    let methods: Vec<&str> = if a.methods == "all" {
        METHODS.iter().map(|m| m.id).collect()
    } else {
        a.methods.split(',').map(|m| registry::find(m.trim()).map(|i| i.id)).collect::<Result<_>>()?
    };
    let images: Vec<(Option<usize>, Vec<f32>)> = match (&a.indices, &a.input) {
        (_, Some(p)) => vec![(None, super::explain::read_npy(p, kind)?)],
        (Some(s), None) => {
            let test = data::load(kind, &data::resolve_dir(a.data_dir.as_deref())?, Split::Test)?;
            parse_indices(s, test.len())?.into_iter().map(|i| (Some(i), test.image_f32(i))).collect()
        }
        (None, None) => return Err(Error::Options("give --indices A..B|LIST or --input FILE.npy".into())),
    };
    let mut rows: Vec<serde_json::Value> = Vec::new();
    let mut emit = |index: &Option<usize>, name: &str, target: usize, c: &Curves| {
        let row = json!({
            "index": index, "method": name, "target": target, "deletion": c.deletion, "insertion": c.insertion,
            "lerf": c.lerf, "srg": c.srg, "deletion_curve": c.deletion_curve, "insertion_curve": c.insertion_curve,
            "lerf_curve": c.lerf_curve, "steps": steps, "baseline": a.baseline,
        });
        println!("{row}");
        rows.push(row);
    };
    for (index, image) in &images {
        let eval = EvalOptions {
            steps: Some(steps),
            baseline,
            seed: a.seed.wrapping_add(index.unwrap_or(0) as u64),
            sign,
            reduce: how,
            map: None,
        };
        let mut random = None;
        for name in &methods {
            let mut o = MethodOptions::new(name)?;
            o.target = a.target;
            let ev = evaluate(&net, image, &o, &eval)?;
            emit(index, name, ev.target, &ev.curves);
            random = Some((ev.target, ev.random));
        }
        if let Some((target, c)) = random {
            emit(index, "random", target, &c);
        }
    }
    if let Some(p) = &a.csv {
        let mut text = String::from("index,method,target,deletion,insertion,lerf,srg\n");
        for r in &rows {
            text += &format!(
                "{},{},{},{},{},{},{}\n",
                r["index"],
                r["method"].as_str().unwrap_or(""),
                r["target"],
                r["deletion"],
                r["insertion"],
                r["lerf"],
                r["srg"]
            );
        }
        std::fs::write(p, text).map_err(|e| Error::file(p, e))?;
    }
    println!("\n{:<20} {:>6} {:>18} {:>18} {:>18} {:>18}", "method", "images", "deletion", "insertion", "lerf", "srg");
    for name in methods.iter().copied().chain(std::iter::once("random")) {
        let of = |key: &str| -> Vec<f64> {
            rows.iter().filter(|r| r["method"] == name).filter_map(|r| r[key].as_f64()).collect()
        };
        let cell = |v: Vec<f64>| {
            let n = v.len() as f64;
            let mean = v.iter().sum::<f64>() / n;
            let se = if n > 1.0 {
                (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt() / n.sqrt()
            } else {
                0.0
            };
            format!("{mean:.4} ± {se:.4}")
        };
        println!(
            "{:<20} {:>6} {:>18} {:>18} {:>18} {:>18}",
            name,
            of("srg").len(),
            cell(of("deletion")),
            cell(of("insertion")),
            cell(of("lerf")),
            cell(of("srg"))
        );
    }
    Ok(())
}
