//! Training on the graph engine (`crate::graph`), the path the page's workers, the CLI
//! (`saliency train --engine direct`) and the tests share: softmax cross-entropy on the logits,
//! dropout drawn per image, Adam (`adam`), and batches cut into fixed chunks of `CHUNK` images
//! whose sums are added as a fixed binary tree over the chunks' positions (`Span`), so a batch's
//! gradient is the same sum however many workers (or threads) share its chunks: each sums the
//! tree's nodes inside its contiguous share and only those nodes travel. burn's trainer
//! (`crate::train`) stays the reference.

pub mod adam;

use crate::graph::ops::Init;
use crate::graph::{Graph, Maps, Shape};
use crate::rng::Rng;
pub use adam::Adam;

/// Images per chunk: the unit of work a worker is given.
pub const CHUNK: usize = 10;

/// Labelled images, u8 H×W×C each (pixels/255 is what the graph reads).
#[derive(Clone, Copy, Debug)]
pub struct Examples<'a> {
    pub pixels: &'a [u8],
    pub labels: &'a [u8],
    pub shape: Shape,
}

impl<'a> Examples<'a> {
    /// Checks that the pixels are `labels.len()` images of `shape`.
    pub fn new(pixels: &'a [u8], labels: &'a [u8], shape: Shape) -> crate::Result<Self> {
        if pixels.len() != labels.len() * shape.len() {
            return Err(crate::Error::Input(format!(
                "{} bytes of pixels are not {} images of {shape} ({} bytes)",
                pixels.len(),
                labels.len(),
                labels.len() * shape.len()
            )));
        }
        Ok(Examples { pixels, labels, shape })
    }
    pub fn len(&self) -> usize {
        self.labels.len()
    }
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
    /// Image `i` as the graph's input.
    pub fn image(&self, i: usize) -> Maps {
        let n = self.shape.len();
        let data = self.pixels[i * n..][..n].iter().map(|&p| f32::from(p) / 255.0).collect();
        Maps { data, h: self.shape.h, w: self.shape.w, c: self.shape.c }
    }
}

/// What a chunk (or a batch) adds up to: summed loss gradients per node (`Graph::parameter_values`
/// layout), summed loss, right answers, images.
#[derive(Clone, Debug, PartialEq)]
pub struct Partial {
    pub gradients: Vec<Vec<f32>>,
    pub loss: f64,
    pub correct: usize,
    pub count: usize,
}

impl Partial {
    /// `self += other`, value by value.
    pub fn add(&mut self, other: &Partial) {
        if self.gradients.is_empty() {
            self.gradients = other.gradients.iter().map(|g| vec![0.0; g.len()]).collect();
        }
        for (a, b) in self.gradients.iter_mut().zip(&other.gradients) {
            a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
        }
        self.loss += other.loss;
        self.correct += other.correct;
        self.count += other.count;
    }
    /// All gradients end to end (`Graph::parameter_values` order): what a worker sends.
    pub fn flat_gradients(&self) -> Vec<f32> {
        self.gradients.concat()
    }
    /// A partial from a worker's flat gradients, cut to `layout` (each node's parameter count,
    /// `Trainer::layout`); None if the length is not the network's.
    pub fn from_flat(flat: &[f32], layout: &[usize], loss: f64, correct: usize, count: usize) -> Option<Partial> {
        if flat.len() != layout.iter().sum::<usize>() {
            return None;
        }
        let mut rest = flat;
        let gradients = layout
            .iter()
            .map(|&n| {
                let (head, tail) = rest.split_at(n);
                rest = tail;
                head.to_vec()
            })
            .collect();
        Some(Partial { gradients, loss, correct, count })
    }
    /// The chunks' sum, added in their order.
    pub fn sum<'a>(parts: impl IntoIterator<Item = &'a Partial>) -> Partial {
        let mut total = Partial { gradients: Vec::new(), loss: 0.0, correct: 0, count: 0 };
        parts.into_iter().for_each(|p| total.add(p));
        total
    }
}

/// Softmax cross-entropy of `logits` against `label` (computed stably, in f64): the loss, its
/// gradient at the logits (softmax − one-hot) and whether the first maximum is the label.
pub fn cross_entropy(logits: &[f32], label: usize) -> (f64, Vec<f32>, bool) {
    let max = logits.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
    let exp: Vec<f64> = logits.iter().map(|&v| f64::from(v - max).exp()).collect();
    let sum: f64 = exp.iter().sum();
    let loss = sum.ln() - f64::from(logits.get(label).copied().unwrap_or(max) - max);
    let grad = exp.iter().enumerate().map(|(i, e)| (e / sum - f64::from(u8::from(i == label))) as f32).collect();
    let first_max = logits.iter().position(|&v| v == max);
    (loss, grad, first_max == Some(label))
}

/// The dropout draws of the `index`-th image of the step: fixed by seed, step and position, so
/// whichever worker trains that image draws the same masks.
fn image_rng(seed: u64, step: u64, index: usize) -> Rng {
    let mut mix = Rng::new(seed ^ step.wrapping_mul(0xA24B_AED4_963E_E407));
    let offset = mix.next_u64();
    Rng::new(offset ^ (index as u64).wrapping_mul(0x9FB2_1C65_1E98_DF25))
}

/// The loss gradient summed over the images `indices` (one chunk), the `k`-th of them being the
/// step's image `first + k`.
pub fn chunk_gradient(
    graph: &Graph,
    data: &Examples,
    indices: &[usize],
    seed: u64,
    step: u64,
    first: usize,
) -> Partial {
    let mut total = Partial { gradients: Vec::new(), loss: 0.0, correct: 0, count: 0 };
    for (k, &i) in indices.iter().enumerate() {
        let g = graph.for_training(&mut image_rng(seed, step, first + k));
        let trace = g.forward(data.image(i));
        let (loss, seed_grad, correct) = cross_entropy(&trace.output().data, usize::from(data.labels[i]));
        let gradients = g.parameter_gradients(&trace, Maps { data: seed_grad, ..*trace.output() });
        total.add(&Partial { gradients, loss, correct: usize::from(correct), count: 1 });
    }
    total
}

/// The batch's chunks: (position of its first image in the batch, its images), in order.
pub fn chunks_of(batch: &[usize]) -> impl Iterator<Item = (usize, &[usize])> {
    batch.chunks(CHUNK).enumerate().map(|(c, b)| (c * CHUNK, b))
}

/// A node of a batch's summation tree: the chunks `start..start + size` (`size` a power of two,
/// `start` a multiple of it). The root covers the chunk count rounded up to a power of two; a
/// node's sum is its left half's plus its right half's (when that holds any chunk).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: usize,
    pub size: usize,
}

impl Span {
    fn root(chunks: usize) -> Span {
        Span { start: 0, size: chunks.next_power_of_two() }
    }
    fn halves(self) -> (Span, Span) {
        let size = self.size / 2;
        (Span { start: self.start, size }, Span { start: self.start + size, size })
    }
}

/// The largest tree nodes that together are the chunks `lo..hi` of `chunks`, in order: what a
/// worker given that share sends.
pub fn cover(chunks: usize, lo: usize, hi: usize) -> Vec<Span> {
    fn walk(span: Span, chunks: usize, lo: usize, hi: usize, out: &mut Vec<Span>) {
        let end = (span.start + span.size).min(chunks);
        if span.start >= end || end <= lo || span.start >= hi {
            return;
        }
        if span.start >= lo && end <= hi {
            out.push(span);
            return;
        }
        let (left, right) = span.halves();
        walk(left, chunks, lo, hi, out);
        walk(right, chunks, lo, hi, out);
    }
    let mut out = Vec::new();
    walk(Span::root(chunks), chunks, lo, hi, &mut out);
    out
}

/// `span`'s sum by the tree rule: a node `known` gives is taken as it is, else its halves are
/// added (a leaf `known` does not give: None).
fn tree_sum(span: Span, chunks: usize, known: &mut dyn FnMut(Span) -> Option<Partial>) -> Option<Partial> {
    if let Some(p) = known(span) {
        return Some(p);
    }
    if span.size <= 1 {
        return None;
    }
    let (left, right) = span.halves();
    let mut sum = tree_sum(left, chunks, known)?;
    if right.start < chunks {
        sum.add(&tree_sum(right, chunks, known)?);
    }
    Some(sum)
}

/// The sums of the tree nodes covering chunks `lo..hi` of the step's `batch`.
#[allow(clippy::too_many_arguments)]
pub fn share_sums(
    graph: &Graph,
    data: &Examples,
    batch: &[usize],
    seed: u64,
    step: u64,
    lo: usize,
    hi: usize,
) -> Vec<(Span, Partial)> {
    let chunks: Vec<(usize, &[usize])> = chunks_of(batch).collect();
    let mut leaf =
        |s: Span| (s.size == 1).then(|| chunk_gradient(graph, data, chunks[s.start].1, seed, step, chunks[s.start].0));
    cover(chunks.len(), lo, hi.min(chunks.len()))
        .into_iter()
        .filter_map(|s| Some((s, tree_sum(s, chunks.len(), &mut leaf)?)))
        .collect()
}

/// The batch's sum from the nodes the workers sent (each node once; together every chunk).
pub fn combine(chunks: usize, parts: Vec<(Span, Partial)>) -> crate::Result<Partial> {
    let mut known = std::collections::HashMap::new();
    for (span, p) in parts {
        if known.insert(span, p).is_some() {
            return Err(crate::Error::Input(format!(
                "the part for chunks {}..{} was sent twice",
                span.start,
                span.start + span.size
            )));
        }
    }
    let mut take = |s: Span| known.remove(&s);
    let sum = tree_sum(Span::root(chunks), chunks, &mut take)
        .ok_or_else(|| crate::Error::Input(format!("the parts sent do not cover the step's {chunks} chunks")))?;
    if !known.is_empty() {
        return Err(crate::Error::Input(format!("{} parts sent that the step's sum does not use", known.len())));
    }
    Ok(sum)
}

/// `0..n` cut into `parts` contiguous shares, as even as they go.
pub fn shares(n: usize, parts: usize) -> Vec<(usize, usize)> {
    let parts = parts.clamp(1, n.max(1));
    (0..parts).map(|k| (n * k / parts, n * (k + 1) / parts)).collect()
}

/// The batch's summed loss gradient: its chunks shared by `threads` threads (natively; one in
/// WASM), each summing its share's tree nodes, then combined by the tree.
pub fn batch_gradient(
    graph: &Graph,
    data: &Examples,
    batch: &[usize],
    seed: u64,
    step: u64,
    threads: usize,
) -> Partial {
    let n = batch.len().div_ceil(CHUNK);
    let parts =
        map_chunks(&shares(n, threads), threads, |&(lo, hi)| share_sums(graph, data, batch, seed, step, lo, hi));
    // The shares cover every chunk once, so the tree is whole.
    combine(n, parts.into_iter().flatten().collect()).unwrap_or_else(|_| Partial::sum(&[]))
}

/// `f` of every item, in order, on up to `threads` scoped threads (each a contiguous share).
fn map_chunks<T: Sync, R: Send>(items: &[T], threads: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    #[cfg(not(target_arch = "wasm32"))]
    if threads > 1 && items.len() > 1 {
        let share = items.len().div_ceil(threads);
        return std::thread::scope(|s| {
            let handles: Vec<_> =
                items.chunks(share).map(|part| s.spawn(|| part.iter().map(&f).collect::<Vec<_>>())).collect();
            handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
        });
    }
    let _ = threads;
    items.iter().map(f).collect()
}

/// Loss and accuracy of `graph` (at inference: no dropout) over the images `indices`.
pub fn evaluate(graph: &Graph, data: &Examples, indices: &[usize], threads: usize) -> Metrics {
    let chunks: Vec<&[usize]> = indices.chunks(100).collect();
    let parts = map_chunks(&chunks, threads, |idx| {
        idx.iter().fold((0.0, 0), |(loss, right), &i| {
            let (l, _, ok) = cross_entropy(&graph.forward(data.image(i)).output().data, usize::from(data.labels[i]));
            (loss + l, right + usize::from(ok))
        })
    });
    let (loss, right) = parts.iter().fold((0.0, 0), |(a, b), &(l, r)| (a + l, b + r));
    let n = indices.len().max(1) as f64;
    Metrics { loss: loss / n, accuracy: right as f64 / n }
}

#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Metrics {
    pub loss: f64,
    pub accuracy: f64,
}

/// The tutorial's training settings (Keras `fit`): batch 250, Adam 1e-3, the last 20 % held out.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Settings {
    pub batch_size: usize,
    pub learning_rate: f32,
    pub validation_split: f64,
    pub seed: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { batch_size: 250, learning_rate: 1e-3, validation_split: 0.2, seed: 42 }
    }
}

/// One step's record.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct StepLog {
    pub step: u64,
    pub epoch: usize,
    pub loss: f64,
    pub accuracy: f64,
}

/// A training run: the graph's current weights, Adam's state and where it is in the epoch.
/// The batches are the training part's indices shuffled once per epoch (seeded by seed and
/// epoch); the last (possibly short) batch of an epoch is kept, as Keras does.
pub struct Trainer {
    graph: Graph,
    params: Vec<Vec<f32>>,
    adam: Adam,
    pub settings: Settings,
    train: usize,
    order: Vec<usize>,
    position: usize,
    pub epoch: usize,
    pub step: u64,
}

impl Trainer {
    /// Trains `graph` from its current weights on a set of `examples` images, of which the first
    /// `1 − validation_split` train.
    pub fn new(graph: Graph, examples: usize, settings: Settings) -> crate::Result<Self> {
        let held = (examples as f64 * settings.validation_split).round() as usize;
        let train = examples.saturating_sub(held);
        if train == 0 || settings.batch_size == 0 {
            return Err(crate::Error::Input(format!(
                "nothing to train on: {examples} images, {held} held out, batch {}",
                settings.batch_size
            )));
        }
        if !(settings.learning_rate.is_finite() && settings.learning_rate > 0.0) {
            return Err(crate::Error::Input(format!(
                "learning rate {} is not a positive number",
                settings.learning_rate
            )));
        }
        let params = graph.parameter_values();
        let adam = Adam::keras(settings.learning_rate);
        let mut t = Trainer { graph, params, adam, settings, train, order: Vec::new(), position: 0, epoch: 0, step: 0 };
        t.shuffle();
        Ok(t)
    }

    /// A fresh network of `graph`'s architecture: every learned weight re-drawn as Keras draws a
    /// new layer's (glorot_uniform, zero biases) from `seed`, node by node.
    pub fn initial(graph: &Graph, seed: u64) -> Graph {
        let mut rng = Rng::new(seed);
        let ops: Vec<_> = graph
            .nodes()
            .iter()
            .enumerate()
            .filter_map(|(i, n)| Some((i, n.op.reinitialized(&mut rng, Init::Keras)?)))
            .collect();
        graph.with_ops(ops)
    }

    fn shuffle(&mut self) {
        self.order = (0..self.train).collect();
        Rng::new(self.settings.seed ^ (self.epoch as u64 + 1).wrapping_mul(0xD134_2543_DE82_EF95))
            .shuffle(&mut self.order);
        self.position = 0;
    }

    pub fn graph(&self) -> &Graph {
        &self.graph
    }
    /// Where the held-out images start (those before it train).
    pub fn validation_start(&self) -> usize {
        self.train
    }
    pub fn steps_per_epoch(&self) -> usize {
        self.train.div_ceil(self.settings.batch_size)
    }

    /// The images of the next step.
    pub fn next_batch(&self) -> &[usize] {
        let end = (self.position + self.settings.batch_size).min(self.train);
        &self.order[self.position..end]
    }

    pub fn chunks(&self) -> usize {
        self.next_batch().len().div_ceil(CHUNK)
    }
    /// Each node's parameter count (`Graph::parameter_values` order): the flat gradients' layout.
    pub fn layout(&self) -> Vec<usize> {
        self.params.iter().map(Vec::len).collect()
    }
    /// The next step's tree nodes over chunks `lo..hi`: a worker's share when several share a step.
    pub fn share(&self, data: &Examples, lo: usize, hi: usize) -> Vec<(Span, Partial)> {
        share_sums(&self.graph, data, self.next_batch(), self.settings.seed, self.step, lo, hi)
    }
    /// The step whose nodes (from every worker's `share`) are `parts`, checked against this step.
    pub fn apply_parts(&mut self, parts: Vec<(Span, Partial)>) -> crate::Result<StepLog> {
        let layout: usize = self.params.iter().map(Vec::len).sum();
        if let Some((_, p)) = parts.iter().find(|(_, p)| p.gradients.iter().map(Vec::len).sum::<usize>() != layout) {
            return Err(crate::Error::Input(format!(
                "a gradient of {} values for a network of {layout} parameters",
                p.gradients.iter().map(Vec::len).sum::<usize>()
            )));
        }
        let sum = combine(self.chunks(), parts)?;
        let expected = self.next_batch().len();
        if sum.count != expected || sum.correct > sum.count {
            return Err(crate::Error::Input(format!(
                "parts over {} images ({} right) do not belong to step {}, which has {expected}",
                sum.count,
                sum.correct,
                self.step + 1
            )));
        }
        self.apply(&sum)
    }

    /// Applies a step whose summed gradient over `next_batch()` is `sum` (the mean loss's
    /// gradient is sum / count). Refuses a non-finite loss or gradient, leaving the weights as
    /// they were.
    pub fn apply(&mut self, sum: &Partial) -> crate::Result<StepLog> {
        let n = sum.count.max(1) as f32;
        if !sum.loss.is_finite() || sum.gradients.iter().flatten().any(|g| !g.is_finite()) {
            return Err(crate::Error::Training(format!(
                "step {}: the loss became {} — the learning rate ({}) is too high for this network; weights kept from step {}",
                self.step + 1,
                sum.loss / f64::from(n),
                self.settings.learning_rate,
                self.step
            )));
        }
        let mean: Vec<Vec<f32>> = sum.gradients.iter().map(|g| g.iter().map(|v| v / n).collect()).collect();
        let mut params = self.params.clone();
        self.adam.update(&mut params, &mean);
        let graph = self
            .graph
            .with_parameter_values(&params)
            .ok_or_else(|| crate::Error::Model("the gradient does not have the network's parameter layout".into()))?;
        if params.iter().flatten().any(|p| !p.is_finite()) {
            return Err(crate::Error::Training(format!(
                "step {}: a weight became infinite — the learning rate ({}) is too high for this network; weights kept from step {}",
                self.step + 1,
                self.settings.learning_rate,
                self.step
            )));
        }
        (self.graph, self.params) = (graph, params);
        self.step += 1;
        let log = StepLog {
            step: self.step,
            epoch: self.epoch,
            loss: sum.loss / f64::from(n),
            accuracy: sum.correct as f64 / f64::from(n),
        };
        self.position += sum.count;
        if self.position >= self.train {
            self.epoch += 1;
            self.shuffle();
        }
        Ok(log)
    }

    /// One whole step here (chunks on `threads` threads).
    pub fn run_step(&mut self, data: &Examples, threads: usize) -> crate::Result<StepLog> {
        let sum = batch_gradient(&self.graph, data, self.next_batch(), self.settings.seed, self.step, threads);
        self.apply(&sum)
    }
}

/// One epoch's record (the means over its steps, and the held-out part after it).
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct EpochLog {
    pub epoch: usize,
    pub train_loss: f64,
    pub train_accuracy: f64,
    pub val_loss: f64,
    pub val_accuracy: f64,
    pub seconds: f64,
}

/// `epochs` whole epochs of `trainer` on `data` (the set it was made for), each logged.
pub fn fit(
    trainer: &mut Trainer,
    data: &Examples,
    epochs: usize,
    threads: usize,
    mut log: impl FnMut(&EpochLog),
) -> crate::Result<Vec<EpochLog>> {
    let held: Vec<usize> = (trainer.validation_start()..data.len()).collect();
    let mut logs = Vec::new();
    for _ in 0..epochs {
        #[cfg(not(target_arch = "wasm32"))]
        let t0 = std::time::Instant::now();
        let (epoch, mut loss, mut right, mut n) = (trainer.epoch, 0.0, 0.0, 0.0);
        while trainer.epoch == epoch {
            let count = trainer.next_batch().len() as f64;
            let s = trainer.run_step(data, threads)?;
            (loss, right, n) = (loss + s.loss * count, right + s.accuracy * count, n + count);
        }
        let val = evaluate(trainer.graph(), data, &held, threads);
        #[cfg(not(target_arch = "wasm32"))]
        let seconds = t0.elapsed().as_secs_f64();
        #[cfg(target_arch = "wasm32")]
        let seconds = f64::NAN;
        let e = EpochLog {
            epoch: epoch + 1,
            train_loss: loss / n,
            train_accuracy: right / n,
            val_loss: val.loss,
            val_accuracy: val.accuracy,
            seconds,
        };
        log(&e);
        logs.push(e);
    }
    Ok(logs)
}
