//! The evidence of which map to trust, over test images (or one .npy input): `saliency evaluate`
//! (deletion / insertion / LeRF curves and SRG) and `saliency randomisation` (similarity to the
//! trained map as layers are randomised, and for a random other class). One JSON line per (image,
//! method), then mean ± standard error per method.

use std::path::PathBuf;

use clap::Args;
use serde_json::{Value, json};

use saliency::attribution::{METHODS, MethodOptions, Network, registry};
use saliency::data::{self, Split};
use saliency::evaluate::{Curves, EvalOptions, RemovalBaseline, default_steps, evaluate};
use saliency::postprocess::{ChannelReduce, SignView};
use saliency::sanity::Randomisation;
use saliency::{Error, Result};

use super::network::NetworkArgs;

/// What both commands score: which weights, images, target, methods and map view.
#[derive(Args)]
pub struct Selection {
    #[command(flatten)]
    source: NetworkArgs,
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
    /// Sign view of the map (absolute, positive, negative, signed).
    #[arg(long, default_value = "absolute")]
    sign: String,
    /// Channel reduction (max, sum-abs).
    #[arg(long, default_value = "max")]
    reduce: String,
    /// Seed of the random order (evaluate) or of the re-initialised layers (randomisation).
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

#[derive(Args)]
pub struct EvaluateArgs {
    #[command(flatten)]
    sel: Selection,
    /// K: curve points are k = 0..K [default: the image's height: 28 MNIST, 32 CIFAR-10].
    #[arg(long)]
    steps: Option<usize>,
    /// What removed pixels become: zero, or the image after a 5x5 box blur.
    #[arg(long, default_value = "zero")]
    baseline: String,
    /// Also write every row to this CSV file.
    #[arg(long)]
    csv: Option<PathBuf>,
}

#[derive(Args)]
pub struct RandomisationArgs {
    #[command(flatten)]
    sel: Selection,
}

/// The parsed selection: network, images (with their test-set index), methods, map view.
struct Chosen {
    net: Network,
    images: Vec<(Option<usize>, Vec<f32>)>,
    methods: Vec<&'static str>,
    sign: SignView,
    reduce: ChannelReduce,
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

impl Selection {
    fn resolve(&self) -> Result<Chosen> {
        let net = self.source.network()?;
        let sign: SignView = serde_json::from_value(json!(self.sign))
            .map_err(|_| Error::Options(format!("--sign '{}': absolute, positive, negative or signed", self.sign)))?;
        let reduce: ChannelReduce = serde_json::from_value(json!(self.reduce))
            .map_err(|_| Error::Options(format!("--reduce '{}': max or sum-abs", self.reduce)))?;
        let methods: Vec<&str> = if self.methods == "all" {
            METHODS.iter().map(|m| m.id).collect()
        } else {
            self.methods.split(',').map(|m| registry::find(m.trim()).map(|i| i.id)).collect::<Result<_>>()?
        };
        let images = match (&self.indices, &self.input) {
            (_, Some(p)) => vec![(None, super::explain::read_npy(p, net.spec())?)],
            (Some(s), None) => {
                let kind = self.source.test_set_kind("--indices")?;
                let test = data::load(kind, &data::resolve_dir(self.data_dir.as_deref())?, Split::Test)?;
                parse_indices(s, test.len())?.into_iter().map(|i| (Some(i), test.image_f32(i))).collect()
            }
            (None, None) => return Err(Error::Options("give --indices A..B|LIST or --input FILE.npy".into())),
        };
        Ok(Chosen { net, images, methods, sign, reduce })
    }

    fn options(&self, method: &str) -> Result<MethodOptions> {
        let mut o = MethodOptions::new(method)?;
        o.target = self.target;
        Ok(o)
    }
}

pub fn run(a: EvaluateArgs) -> Result<()> {
    let c = a.sel.resolve()?;
    let baseline = RemovalBaseline::parse(&a.baseline)?;
    let steps = a.steps.unwrap_or_else(|| default_steps(c.net.spec()));
    let mut rows: Vec<Value> = Vec::new();
    let mut emit = |index: &Option<usize>, name: &str, target: usize, c: &Curves| {
        let row = json!({
            "index": index, "method": name, "target": target, "deletion": c.deletion, "insertion": c.insertion,
            "lerf": c.lerf, "srg": c.srg, "deletion_curve": c.deletion_curve, "insertion_curve": c.insertion_curve,
            "lerf_curve": c.lerf_curve, "steps": steps, "baseline": a.baseline,
        });
        println!("{row}");
        rows.push(row);
    };
    for (index, image) in &c.images {
        let eval = EvalOptions {
            steps: Some(steps),
            baseline,
            seed: a.sel.seed.wrapping_add(index.unwrap_or(0) as u64),
            sign: c.sign,
            reduce: c.reduce,
            map: None,
            random: true,
        };
        let mut random = None;
        for name in &c.methods {
            // The random order is the same for every method of an image: scored once.
            let once = EvalOptions { random: random.is_none(), ..eval.clone() };
            let ev = evaluate(&c.net, image, &a.sel.options(name)?, &once)?;
            emit(index, name, ev.target, &ev.curves);
            if let Some(r) = ev.random {
                random = Some((ev.target, r));
            }
        }
        if let Some((target, curves)) = random {
            emit(index, "random", target, &curves);
        }
    }
    if let Some(p) = &a.csv {
        let mut text = String::from("index,method,target,deletion,insertion,lerf,srg\n");
        for r in &rows {
            let cells: Vec<String> = ["index", "method", "target", "deletion", "insertion", "lerf", "srg"]
                .iter()
                .map(|k| r[k].as_str().map_or_else(|| r[k].to_string(), str::to_string))
                .collect();
            text += &(cells.join(",") + "\n");
        }
        std::fs::write(p, text).map_err(|e| Error::file(p, e))?;
    }
    let names: Vec<&str> = c.methods.iter().copied().chain(std::iter::once("random")).collect();
    summary(&rows, &names, &[("deletion", "deletion"), ("insertion", "insertion"), ("lerf", "lerf"), ("srg", "srg")]);
    Ok(())
}

pub fn run_randomisation(a: RandomisationArgs) -> Result<()> {
    let c = a.sel.resolve()?;
    let r = Randomisation::new(&c.net, a.sel.seed)?;
    let mut rows: Vec<Value> = Vec::new();
    for (index, image) in &c.images {
        for name in &c.methods {
            let curve = r.curve(image, &a.sel.options(name)?, c.sign, c.reduce)?;
            let mut row = serde_json::to_value(&curve).map_err(|e| Error::Input(e.to_string()))?;
            row["index"] = json!(index);
            // Flat columns for the summary: cascading depth d, independent layer l, random logit.
            for (d, s) in curve.cascading.iter().enumerate() {
                row[format!("spearman_depth{}", d + 1)] = json!(s.spearman);
                row[format!("ssim_depth{}", d + 1)] = json!(s.ssim);
            }
            row["spearman_random_logit"] = json!(curve.random_logit.spearman);
            row["ssim_random_logit"] = json!(curve.random_logit.ssim);
            println!("{row}");
            rows.push(row);
        }
    }
    let columns: Vec<(String, String)> = (1..=4)
        .map(|d| (format!("spearman_depth{d}"), format!("ρ depth {d}")))
        .chain([("ssim_depth4".into(), "SSIM depth 4".into())])
        .chain([("spearman_random_logit".into(), "ρ random logit".into())])
        .chain([("ssim_random_logit".into(), "SSIM random logit".into())])
        .collect();
    let cols: Vec<(&str, &str)> = columns.iter().map(|(k, t)| (k.as_str(), t.as_str())).collect();
    summary(&rows, &c.methods, &cols);
    Ok(())
}

/// Mean ± standard error of each column per method, as a table.
fn summary(rows: &[Value], methods: &[&str], columns: &[(&str, &str)]) {
    let mut head = format!("\n{:<20} {:>6}", "method", "images");
    for (_, title) in columns {
        head += &format!(" {title:>18}");
    }
    println!("{head}");
    for name in methods {
        let of = |key: &str| -> Vec<f64> {
            rows.iter().filter(|r| r["method"] == *name).filter_map(|r| r[key].as_f64()).collect()
        };
        let mut line = format!("{:<20} {:>6}", name, of(columns[0].0).len());
        for (key, _) in columns {
            let v = of(key);
            let n = v.len() as f64;
            let mean = v.iter().sum::<f64>() / n;
            let se = if n > 1.0 {
                (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt() / n.sqrt()
            } else {
                0.0
            };
            line += &format!(" {:>18}", format!("{mean:.4} ± {se:.4}"));
        }
        println!("{line}");
    }
}
