//! Command-line face: argument parsing and the subcommands. Everything it computes comes from the
//! library; this file only reads files, calls, and prints.

mod evaluate;
mod explain;
mod figure;
mod layers;
mod method_args;
mod network;

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Parser, Subcommand};
use serde_json::json;
use sha2::{Digest, Sha256};

use saliency::backend::default_device;
use saliency::data::{self, Split};
use saliency::train::{self, TrainConfig};
use saliency::weights::{self, StoreDtype, WeightSet};
use saliency::{Cnn, DatasetKind, Error, Result};

#[derive(Parser)]
#[command(name = "saliency", version, about = "Saliency maps for the keras-vis tutorial CNN (MNIST, CIFAR-10)")]
pub struct Args {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Train the tutorial CNN and write weights plus a model card.
    Train {
        #[arg(long, value_parser = parse_kind)]
        dataset: DatasetKind,
        #[arg(long)]
        data_dir: Option<PathBuf>,
        #[arg(long, default_value_t = 25)]
        epochs: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long, default_value = "pretrained")]
        out: PathBuf,
        /// Cosine learning-rate decay to 0 (architecture unchanged).
        #[arg(long)]
        cosine: bool,
        /// Light augmentation: random horizontal flips and shifts of up to --shift pixels.
        #[arg(long)]
        augment: bool,
        #[arg(long, default_value_t = 2)]
        shift: usize,
        /// Storage dtype of the shipped weights.
        #[arg(long, default_value = "f16", value_parser = parse_dtype)]
        dtype: StoreDtype,
        /// Train on only the first N training records (smoke runs).
        #[arg(long)]
        limit: Option<usize>,
        /// burn: burn's autodiff trainer (the reference); direct: the graph engine the page
        /// trains with (Adam, dropout, the tutorial's batch and split; no schedule or augmentation).
        #[arg(long, default_value = "burn", value_parser = ["burn", "direct"])]
        engine: String,
    },
    /// Evaluate on the full test set; prints one JSON line.
    Eval {
        #[arg(long, value_parser = parse_kind)]
        dataset: DatasetKind,
        #[arg(long)]
        data_dir: Option<PathBuf>,
        #[arg(long, conflicts_with = "model")]
        weights: Option<PathBuf>,
        /// An ONNX model to score on the data set's test images instead (run by the graph engine,
        /// as the page runs it). Its input must have the data set's size.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Score only the first N test images.
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Ship int8 weights: writes <out>/<dataset>.int8.safetensors (what the page downloads),
    /// rewrites <out>/<dataset>.safetensors (f16) with exactly the same values, measures the full
    /// test set and records both files in the model card. Running it again changes nothing.
    Quantize {
        #[arg(long, value_parser = parse_kind)]
        dataset: DatasetKind,
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// The weights to quantise (default: the shipped f16 file).
        #[arg(long)]
        weights: Option<PathBuf>,
        #[arg(long, default_value = "pretrained")]
        out: PathBuf,
    },
    /// Write weights in the exchange layout (safetensors, PyTorch names, f32), or with --onnx the
    /// whole network as ONNX (opset 17; importing it gives the built-in maps bit for bit).
    Export {
        #[arg(long, value_parser = parse_kind)]
        dataset: DatasetKind,
        #[arg(long)]
        weights: Option<PathBuf>,
        #[arg(long)]
        onnx: bool,
        #[arg(long)]
        out: PathBuf,
    },
    /// Compute a saliency map for one image.
    Explain(Box<explain::ExplainArgs>),
    /// Deletion, insertion and LeRF curves, their areas and SRG, per image and method.
    Evaluate(Box<evaluate::EvaluateArgs>),
    /// Randomisation curves: similarity of each method's map to the trained model's after
    /// re-initialising 1..4 layers (cascading and one at a time), and for a random other class.
    Randomisation(Box<evaluate::RandomisationArgs>),
    /// Activation maximisation: the input the model finds most like a class (keras-vis'
    /// visualize_activation); prints one JSON line, optionally writes a PNG.
    Dream {
        #[command(flatten)]
        source: network::NetworkArgs,
        #[arg(long, default_value_t = 0)]
        class: usize,
        /// Maximise one channel's mean activation at this node instead of a class (a name as
        /// `inspect` lists it; the tutorial's conv1 and conv2 are after their ReLU).
        #[arg(long)]
        layer: Option<String>,
        /// The filter of --layer.
        #[arg(long, default_value_t = 0)]
        filter: usize,
        #[arg(long, default_value_t = 200)]
        steps: usize,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Step size (pixels move by rate x the normalised ascent direction).
        #[arg(long, default_value_t = 0.02)]
        rate: f32,
        /// Total-variation penalty weight.
        #[arg(long, default_value_t = 0.05)]
        tv: f32,
        /// L2 penalty weight.
        #[arg(long, default_value_t = 0.02)]
        l2: f32,
        /// Largest random shift per step, in pixels.
        #[arg(long, default_value_t = 1)]
        jitter: usize,
        #[arg(long)]
        png: Option<PathBuf>,
    },
    /// Inside the network for one image: every node's output and the gradient of the target
    /// logit at it (vanilla, guided or deconvnet rule), as one JSON object.
    Layers(Box<layers::LayersArgs>),
    /// Every node of a network: its op, output shape, parameters and FLOPs, and which layers a
    /// CAM or a filter dream can read; prints one JSON object.
    Inspect {
        #[command(flatten)]
        source: network::NetworkArgs,
    },
    /// Write the page's bundled test images (<out>/<dataset>.bin + .json).
    Gallery {
        #[arg(long, value_parser = parse_kind)]
        dataset: DatasetKind,
        #[arg(long)]
        data_dir: Option<PathBuf>,
        #[arg(long, default_value = "www/gallery")]
        out: PathBuf,
        /// Images per class, after the tutorial's indices.
        #[arg(long, default_value_t = 15)]
        per_class: usize,
    },
}

/// The test indices the tutorial visualises; always in the gallery, first.
pub const TUTORIAL_INDICES: [usize; 7] = [0, 12, 38, 83, 112, 74, 190];

fn parse_kind(s: &str) -> std::result::Result<DatasetKind, String> {
    DatasetKind::parse(s).map_err(|e| e.to_string())
}

fn parse_dtype(s: &str) -> std::result::Result<StoreDtype, String> {
    match s {
        "f16" => Ok(StoreDtype::F16),
        "f32" => Ok(StoreDtype::F32),
        "int8" => Ok(StoreDtype::Int8),
        _ => Err(format!("unknown dtype '{s}' (f16, f32 or int8)")),
    }
}

/// `pretrained/<dataset>.safetensors`, looked up from the working directory, then the crate.
fn default_weights(kind: DatasetKind) -> PathBuf {
    let rel = Path::new("pretrained").join(format!("{}.safetensors", kind.id()));
    if rel.is_file() { rel } else { Path::new(env!("CARGO_MANIFEST_DIR")).join(rel) }
}

pub fn load_weights(kind: DatasetKind, path: Option<&Path>) -> Result<Cnn> {
    let path = path.map(Path::to_path_buf).unwrap_or_else(|| default_weights(kind));
    let bytes = std::fs::read(&path).map_err(|e| Error::file(&path, e))?;
    weights::load_model(&bytes, Some(kind), &default_device()).map_err(|e| Error::file(&path, e))
}

fn sha256_file(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::file(path, e))?;
    Ok(hex(&Sha256::digest(&bytes)))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::file(parent, e))?;
    }
    std::fs::write(path, bytes).map_err(|e| Error::file(path, e))
}

/// The tutorial's network trained by the graph engine from a seeded start (`learn::fit`), as a
/// burn model for the rest of the command, and its epochs' log.
fn train_direct(full: &data::Dataset, cfg: &TrainConfig) -> Result<(saliency::model::Cnn, serde_json::Value)> {
    use saliency::learn::{self, Examples, Settings, Trainer};
    let kind = full.kind;
    let graph = saliency::tutorial::graph_of(&saliency::model::Cnn::new(kind, &default_device()));
    let graph = Trainer::initial(&graph, cfg.seed);
    let settings = Settings {
        batch_size: cfg.batch_size,
        learning_rate: cfg.learning_rate as f32,
        validation_split: cfg.validation_split,
        seed: cfg.seed,
    };
    let data = Examples::new(&full.images, &full.labels, graph.input_shape())?;
    let mut trainer = Trainer::new(graph, data.len(), settings)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let logs = learn::fit(&mut trainer, &data, cfg.epochs, threads, |e| {
        eprintln!("{}", serde_json::to_string(e).unwrap_or_default())
    })?;
    let set = WeightSet::from_graph(kind, trainer.graph())?;
    Ok((set.to_model(&default_device()), json!(logs)))
}

pub fn run(args: Args) -> Result<()> {
    match args.cmd {
        Cmd::Train { dataset, data_dir, epochs, seed, out, cosine, augment, shift, dtype, limit, engine } => {
            if engine == "direct" && (cosine || augment) {
                return Err(Error::Options("--engine direct trains as the tutorial: no --cosine or --augment".into()));
            }
            let dir = data::resolve_dir(data_dir.as_deref())?;
            let full = data::load(dataset, &dir, Split::Train)?;
            let test = data::load(dataset, &dir, Split::Test)?;
            let mut cfg = TrainConfig::tutorial();
            cfg.epochs = epochs;
            cfg.seed = seed;
            cfg.cosine_schedule = cosine;
            cfg.augment = augment;
            cfg.max_shift = shift;
            let full = match limit {
                Some(n) => full.subset(&(0..n.min(full.len())).collect::<Vec<_>>()),
                None => full,
            };
            let (train_set, val_set) = train::split_validation(&full, cfg.validation_split);
            eprintln!(
                "training {} on {} images, validating on {}, config {}",
                dataset.title(),
                train_set.len(),
                val_set.len(),
                serde_json::to_string(&cfg).unwrap_or_default()
            );
            let t0 = Instant::now();
            let (model, logs) = if engine == "direct" {
                if cosine || augment {
                    return Err(Error::Options(
                        "--engine direct trains as the tutorial: no --cosine or --augment".into(),
                    ));
                }
                train_direct(&full, &cfg)?
            } else {
                let (model, logs) =
                    train::train(dataset, &train_set, &val_set, &cfg, &default_device(), |l| eprintln!("{l}"));
                (model, json!(logs))
            };
            let seconds = t0.elapsed().as_secs_f64();
            let set = WeightSet::from_model(&model);
            let test_f32 = train::evaluate(&model, &test, 500);
            let bytes = set.to_safetensors(dtype)?;
            // Measure the model exactly as shipped (after the f16 round trip when f16).
            let shipped = weights::load_model(&bytes, Some(dataset), &default_device())?;
            let test_shipped = train::evaluate(&shipped, &test, 500);
            let wpath = out.join(format!("{}.safetensors", dataset.id()));
            write(&wpath, &bytes)?;
            let data_files: Vec<PathBuf> = [Split::Train, Split::Test]
                .iter()
                .map(|s| data::files(dataset, &dir, *s))
                .collect::<Result<Vec<_>>>()?
                .concat();
            let mut data_sha = serde_json::Map::new();
            for f in &data_files {
                let name = f.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
                data_sha.insert(name, json!(sha256_file(f)?));
            }
            let card = json!({
                "dataset": dataset.id(),
                "data_note": match dataset {
                    DatasetKind::Mnist => "MNIST, official IDX content",
                    DatasetKind::Cifar10 => "CIFAR-10 (JPEG-derived copy): decoded from a public JPEG re-encoding of all 60,000 images; labels and splits official, pixels differ slightly",
                },
                "architecture": "Conv2d(32,3x3)+ReLU, MaxPool2, Dropout .25, Conv2d(64,3x3)+ReLU, MaxPool2, Dropout .25, Flatten(C,H,W), Linear(F,256)+ReLU, Linear(256,10); inputs pixels/255",
                "test": {"n": test_shipped.n, "accuracy": test_shipped.accuracy, "loss": reported_loss(test_shipped.loss)},
                "test_before_storage_rounding": {"accuracy": test_f32.accuracy, "loss": reported_loss(test_f32.loss)},
                "weights_file": wpath.file_name().map(|n| n.to_string_lossy().to_string()),
                "weights_dtype": match dtype { StoreDtype::F16 => "f16", StoreDtype::F32 => "f32", StoreDtype::Int8 => "int8" },
                "weights_sha256": hex(&Sha256::digest(&bytes)),
                "epochs": cfg.epochs,
                "seed": cfg.seed,
                "hyper_parameters": cfg,
                "train_records": train_set.len(),
                "validation_records": val_set.len(),
                "history": logs,
                "training_seconds": seconds,
                "engine": engine,
                "burn_version": "0.22.1",
                "backend": if engine == "direct" { "the graph engine (saliency::learn), CPU" } else { "burn-flex (simd, rayon), CPU" },
                "data_sha256": data_sha,
            });
            let cpath = out.join(format!("{}.json", dataset.id()));
            write(&cpath, format!("{}\n", serde_json::to_string_pretty(&card).unwrap_or_default()).as_bytes())?;
            eprintln!("wrote {} and {}", wpath.display(), cpath.display());
            println!(
                "{}",
                json!({"dataset": dataset.id(), "n": test_shipped.n, "accuracy": test_shipped.accuracy, "loss": reported_loss(test_shipped.loss)})
            );
            Ok(())
        }
        Cmd::Eval { dataset, data_dir, model: Some(path), limit, .. } => {
            let net = saliency::onnx::read_file(&path)?.into_network().map_err(|e| Error::file(&path, e.detail()))?;
            let dir = data::resolve_dir(data_dir.as_deref())?;
            let test = data::load(dataset, &dir, Split::Test)?;
            let n = limit.unwrap_or(test.len()).min(test.len());
            let mut right = 0;
            for i in 0..n {
                let (logits, _) = saliency::explain::classify(&net, &test.image_f32(i))?;
                right += usize::from(saliency::model::argmax(&logits) == test.labels[i] as usize);
            }
            let accuracy = right as f64 / n.max(1) as f64;
            println!(
                "{}",
                json!({"dataset": dataset.id(), "model": path.display().to_string(), "n": n, "accuracy": accuracy})
            );
            Ok(())
        }
        Cmd::Eval { dataset, data_dir, weights, model: None, limit } => {
            let model = load_weights(dataset, weights.as_deref())?;
            let dir = data::resolve_dir(data_dir.as_deref())?;
            let mut test = data::load(dataset, &dir, Split::Test)?;
            if let Some(n) = limit {
                test = test.subset(&(0..n.min(test.len())).collect::<Vec<_>>());
            }
            let m = train::evaluate(&model, &test, 500);
            println!(
                "{}",
                json!({"dataset": dataset.id(), "n": m.n, "accuracy": m.accuracy, "loss": reported_loss(m.loss)})
            );
            Ok(())
        }
        Cmd::Quantize { dataset, data_dir, weights: source, out } => {
            let model = load_weights(dataset, source.as_deref())?;
            let int8 = WeightSet::from_model(&model).to_safetensors(StoreDtype::Int8)?;
            let decoded = weights::parse(&int8, Some(dataset))?;
            let f16 = decoded.to_safetensors(StoreDtype::F16)?;
            let exact = decoded.to_safetensors(StoreDtype::F32)?;
            if weights::parse(&f16, Some(dataset))?.to_safetensors(StoreDtype::F32)? != exact {
                return Err(Error::Weights("the f16 file would not hold the int8 values exactly".into()));
            }
            let test = data::load(dataset, &data::resolve_dir(data_dir.as_deref())?, Split::Test)?;
            let before = train::evaluate(&model, &test, 500);
            let after = train::evaluate(&decoded.to_model(&default_device()), &test, 500);
            let id = dataset.id();
            let (f16_path, int8_path, card_path) = (
                out.join(format!("{id}.safetensors")),
                out.join(format!("{id}.int8.safetensors")),
                out.join(format!("{id}.json")),
            );
            let mut card: serde_json::Value = match std::fs::read(&card_path) {
                Ok(b) => serde_json::from_slice(&b).map_err(|e| Error::file(&card_path, e))?,
                Err(_) => json!({ "dataset": id }),
            };
            if card.get("test_before_int8").is_none() {
                card["test_before_int8"] = json!({"accuracy": before.accuracy, "loss": reported_loss(before.loss)});
            }
            card["test"] = json!({"n": after.n, "accuracy": after.accuracy, "loss": reported_loss(after.loss)});
            card["weights_dtype"] = json!("f16");
            card["weights_sha256"] = json!(hex(&Sha256::digest(&f16)));
            card["int8"] = json!({
                "file": format!("{id}.int8.safetensors"),
                "sha256": hex(&Sha256::digest(&int8)),
                "scheme": "per-output-channel symmetric int8 weights of conv2, fc1 and fc2 (q x scale), f32 scales with a 4-bit mantissa; conv1 weights and all biases f32; q x scale is exact in f16, so this file and the f16 one load to the same network",
            });
            write(&int8_path, &int8)?;
            write(&f16_path, &f16)?;
            write(&card_path, format!("{}\n", serde_json::to_string_pretty(&card).unwrap_or_default()).as_bytes())?;
            eprintln!("wrote {}, {} and {}", int8_path.display(), f16_path.display(), card_path.display());
            println!(
                "{}",
                json!({"dataset": id, "n": after.n, "accuracy": after.accuracy, "loss": reported_loss(after.loss),
                       "accuracy_before": before.accuracy, "int8_bytes": int8.len(), "f16_bytes": f16.len()})
            );
            Ok(())
        }
        Cmd::Export { dataset, weights, onnx, out } => {
            let model = load_weights(dataset, weights.as_deref())?;
            let bytes = if onnx {
                saliency::onnx::export::tutorial(&model)?
            } else {
                WeightSet::from_model(&model).to_safetensors(StoreDtype::F32)?
            };
            write(&out, &bytes)?;
            eprintln!("wrote {}", out.display());
            Ok(())
        }
        Cmd::Explain(a) => explain::run(*a),
        Cmd::Evaluate(a) => evaluate::run(*a),
        Cmd::Randomisation(a) => evaluate::run_randomisation(*a),
        Cmd::Dream { source, class, layer, filter, steps, seed, rate, tv, l2, jitter, png } => {
            let net = source.network()?;
            let opts = saliency::dream::DreamOptions { class, layer, filter, steps, seed, rate, tv, l2, jitter };
            let (image, probs) = saliency::dream::dream(&net, &opts)?;
            let spec = net.spec();
            let name = spec.class_names.get(class).map_or("?", String::as_str);
            if let Some(p) = &png {
                figure::write_image(p, spec, &image, &format!("{} dream: {name}", source.title()))?;
            }
            println!(
                "{}",
                json!({"dataset": source.dataset.map(|k| k.id()), "class": class, "probability": probs.get(class), "probabilities": probs, "steps": steps, "seed": seed})
            );
            Ok(())
        }
        Cmd::Layers(a) => layers::run(*a),
        Cmd::Inspect { source } => {
            println!("{}", saliency::layers::model_card(&source.network()?));
            Ok(())
        }
        Cmd::Gallery { dataset, data_dir, out, per_class } => {
            let dir = data::resolve_dir(data_dir.as_deref())?;
            let test = data::load(dataset, &dir, Split::Test)?;
            let mut indices: Vec<usize> = TUTORIAL_INDICES.to_vec();
            let mut per = [0usize; 10];
            for &i in &indices {
                per[test.labels[i] as usize] += 1;
            }
            for i in 0..test.len() {
                let l = test.labels[i] as usize;
                if per[l] < per_class && !indices.contains(&i) {
                    per[l] += 1;
                    indices.push(i);
                }
            }
            let subset = test.subset(&indices);
            write(&out.join(format!("{}.bin", dataset.id())), &subset.images)?;
            let meta = json!({
                "dataset": dataset.id(),
                "side": dataset.side(),
                "channels": dataset.channels(),
                "count": indices.len(),
                "indices": indices,
                "labels": subset.labels,
                "classNames": dataset.class_names(),
                "source": "test split; pixels are u8, H x W x C, image after image",
                // The page shows the first image's map before it downloads the rest of the gallery.
                "firstImage": subset.images[..dataset.side() * dataset.side() * dataset.channels()],
            });
            write(&out.join(format!("{}.json", dataset.id())), format!("{meta}\n").as_bytes())?;
            eprintln!("wrote {} images to {}", indices.len(), out.display());
            Ok(())
        }
    }
}

/// A test-set loss as the CLI reports it and a model card records it: six significant digits. The
/// f32 evaluation sums in an order that depends on the CPU (the shipped MNIST weights give
/// 0.0202397746 on the machine that made the card and 0.0202397770 on an AMD EPYC with AVX-512),
/// and what eval prints and quantize writes must come out the same on every machine.
fn reported_loss(loss: f64) -> f64 {
    format!("{loss:.5e}").parse().unwrap_or(loss)
}
