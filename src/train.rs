//! Training and evaluation (native only). Defaults follow the tutorial: Adam 1e-3, batch 250,
//! the last 20 % of the training set held out for validation (as Keras' validation_split).

use std::time::Instant;

use burn::module::Module;
use burn::nn::loss::CrossEntropyLoss;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::Serialize;

use crate::data::Dataset;
use crate::model::{Cnn, DatasetKind, NUM_CLASSES, softmax, to_vec};
use crate::rng::Rng;

#[derive(Clone, Debug, Serialize)]
pub struct TrainConfig {
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    /// Cosine decay of the learning rate to 0 over all steps (keeps the architecture, helps accuracy).
    pub cosine_schedule: bool,
    /// Random horizontal flips and shifts of up to `max_shift` pixels.
    pub augment: bool,
    pub max_shift: usize,
    pub validation_split: f64,
    pub seed: u64,
}

impl TrainConfig {
    /// The tutorial's settings; the improvements (schedule, augmentation) are opt-in.
    pub fn tutorial() -> Self {
        TrainConfig {
            epochs: 25,
            batch_size: 250,
            learning_rate: 1e-3,
            cosine_schedule: false,
            augment: false,
            max_shift: 2,
            validation_split: 0.2,
            seed: 42,
        }
    }
}

pub use crate::learn::EpochLog;

#[derive(Clone, Debug, Serialize)]
pub struct Metrics {
    pub n: usize,
    pub accuracy: f64,
    pub loss: f64,
}

/// Turns records [start, end) of `order` into an [N,C,H,W] batch and its labels.
fn batch(
    data: &Dataset,
    idx: &[usize],
    augment: Option<(&mut Rng, usize)>,
    device: &Device,
) -> (Tensor<4>, Tensor<1, Int>) {
    let kind = data.kind;
    let (s, c) = (kind.side(), kind.channels());
    let mut x = vec![0f32; idx.len() * s * s * c];
    let mut rng = augment;
    for (b, &i) in idx.iter().enumerate() {
        let img = data.image(i);
        let out = &mut x[b * s * s * c..(b + 1) * s * s * c];
        let (flip, dy, dx) = match rng.as_mut() {
            Some((r, m)) => {
                let span = 2 * *m + 1;
                (r.below(2) == 1, r.below(span) as isize - *m as isize, r.below(span) as isize - *m as isize)
            }
            None => (false, 0, 0),
        };
        for y in 0..s {
            for xx in 0..s {
                let sy = y as isize + dy;
                let sx0 = if flip { (s - 1 - xx) as isize } else { xx as isize } + dx;
                if sy < 0 || sy >= s as isize || sx0 < 0 || sx0 >= s as isize {
                    continue;
                }
                let src = (sy as usize * s + sx0 as usize) * c;
                let dst = (y * s + xx) * c;
                for ch in 0..c {
                    out[dst + ch] = img[src + ch] as f32 / 255.0;
                }
            }
        }
    }
    let t = Tensor::<4>::from_data(TensorData::new(x, [idx.len(), s, s, c]), device).permute([0, 3, 1, 2]);
    let labels: Vec<i64> = idx.iter().map(|&i| data.labels[i] as i64).collect();
    let y = Tensor::<1, Int>::from_data(TensorData::new(labels, [idx.len()]), device);
    (t, y)
}

/// Accuracy and mean cross-entropy over a whole dataset (dropout off).
pub fn evaluate(model: &Cnn, data: &Dataset, batch_size: usize) -> Metrics {
    let model = model.valid();
    let device = model.device();
    let (mut correct, mut loss) = (0usize, 0f64);
    let all: Vec<usize> = (0..data.len()).collect();
    for chunk in all.chunks(batch_size.max(1)) {
        let (x, _) = batch(data, chunk, None, &device);
        let logits = to_vec(model.forward(x));
        for (row, &i) in logits.chunks(NUM_CLASSES).zip(chunk) {
            let p = softmax(row);
            let label = data.labels[i] as usize;
            if crate::model::argmax(row) == label {
                correct += 1;
            }
            loss -= (p[label] as f64).max(1e-12).ln();
        }
    }
    let n = data.len();
    Metrics { n, accuracy: correct as f64 / n.max(1) as f64, loss: loss / n.max(1) as f64 }
}

/// Trains a fresh model; `progress` receives human-readable progress lines.
pub fn train(
    kind: DatasetKind,
    train_set: &Dataset,
    val_set: &Dataset,
    cfg: &TrainConfig,
    device: &Device,
    mut progress: impl FnMut(&str),
) -> (Cnn, Vec<EpochLog>) {
    let device = device.clone().autodiff();
    // Held to the end: initialisation and every dropout mask come from burn's one random stream.
    let _rng = crate::model::backend_rng();
    device.seed(cfg.seed);
    let mut model = Cnn::initialised(kind, &device);
    let mut optim = AdamConfig::new().init();
    let loss_fn = CrossEntropyLoss::new(None, &device);
    let mut rng = Rng::new(cfg.seed);
    let mut aug_rng = Rng::new(cfg.seed.wrapping_add(1));
    let steps_per_epoch = train_set.len().div_ceil(cfg.batch_size);
    let total_steps = steps_per_epoch * cfg.epochs;
    let start = Instant::now();
    let mut logs = Vec::new();
    let mut step = 0usize;
    for epoch in 1..=cfg.epochs {
        let t0 = Instant::now();
        let mut order: Vec<usize> = (0..train_set.len()).collect();
        rng.shuffle(&mut order);
        let (mut loss_sum, mut correct, mut seen) = (0f64, 0usize, 0usize);
        for (bi, idx) in order.chunks(cfg.batch_size).enumerate() {
            let lr = if cfg.cosine_schedule {
                cfg.learning_rate * 0.5 * (1.0 + (std::f64::consts::PI * step as f64 / total_steps as f64).cos())
            } else {
                cfg.learning_rate
            };
            let (x, y) = batch(train_set, idx, cfg.augment.then_some((&mut aug_rng, cfg.max_shift)), &device);
            let logits = model.forward(x);
            let pred: Vec<i64> =
                logits.clone().argmax(1).into_data().convert::<i64>().try_into_vec().unwrap_or_default();
            let loss = loss_fn.forward(logits, y);
            let loss_v = to_vec(loss.clone())[0] as f64;
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(lr, model, grads);
            loss_sum += loss_v * idx.len() as f64;
            correct += pred.iter().zip(idx).filter(|(p, i)| **p == train_set.labels[**i] as i64).count();
            seen += idx.len();
            step += 1;
            if (bi + 1) % 20 == 0 || bi + 1 == steps_per_epoch {
                let el = start.elapsed().as_secs_f64();
                let left = el / step as f64 * (total_steps - step) as f64;
                progress(&format!(
                    "epoch {epoch}/{} step {}/{steps_per_epoch} loss {:.4} acc {:.4} lr {lr:.2e} | {:.0}s elapsed, ~{:.0}s left",
                    cfg.epochs,
                    bi + 1,
                    loss_sum / seen as f64,
                    correct as f64 / seen as f64,
                    el,
                    left
                ));
            }
        }
        let val = evaluate(&model, val_set, 500);
        let log = EpochLog {
            epoch,
            train_loss: loss_sum / seen.max(1) as f64,
            train_accuracy: correct as f64 / seen.max(1) as f64,
            val_loss: val.loss,
            val_accuracy: val.accuracy,
            seconds: t0.elapsed().as_secs_f64(),
        };
        progress(&format!(
            "epoch {epoch} done: train loss {:.4} acc {:.4} | val loss {:.4} acc {:.4} | {:.0}s",
            log.train_loss, log.train_accuracy, log.val_loss, log.val_accuracy, log.seconds
        ));
        logs.push(log);
    }
    (model.valid(), logs)
}

/// Keras' validation_split: the last fraction of the (unshuffled) training arrays.
pub fn split_validation(data: &Dataset, fraction: f64) -> (Dataset, Dataset) {
    let n_val = (data.len() as f64 * fraction).round() as usize;
    let n_train = data.len() - n_val;
    let train: Vec<usize> = (0..n_train).collect();
    let val: Vec<usize> = (n_train..data.len()).collect();
    (data.subset(&train), data.subset(&val))
}
