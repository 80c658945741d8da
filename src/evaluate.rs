//! Faithfulness of a map, computed the same way everywhere: deletion, insertion and LeRF curves
//! (pixel flipping) with their areas and SRG (Samek et al. 2017; Petsiuk et al. 2018).
//!
//! For an image x (H x W x C), target c and map M (H x W), with K steps:
//! - MoRF order: positions by M descending, ties by ascending row-major index; LeRF: M ascending,
//!   ties by ascending index;
//! - step k = 0..=K touches the first floor(k H W / K) positions of the order, all channels at once;
//! - deletion: MoRF positions set to the baseline; insertion: start from the baseline and put the
//!   MoRF positions back; LeRF: LeRF positions set to the baseline;
//! - p_k = softmax(logits(x_k))[c]; AUC = trapezoid over x = k / K; SRG = AUC(LeRF) - AUC(MoRF).
//!   The baseline is 0, or the image after a 5x5 box blur with edge replication.

use serde::{Deserialize, Serialize};

use crate::attribution::baseline::box_blur;
use crate::attribution::{MethodOptions, Network};
use crate::explain::explain;
use crate::model::softmax;
use crate::postprocess::{ChannelReduce, SignView, reduce};
use crate::rng::Rng;
use crate::spec::InputSpec;
use crate::{Error, Result};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RemovalBaseline {
    #[default]
    Zero,
    Blur,
}

impl RemovalBaseline {
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "zero" => Ok(RemovalBaseline::Zero),
            "blur" => Ok(RemovalBaseline::Blur),
            other => Err(Error::Options(format!("baseline must be zero or blur, got {other}"))),
        }
    }
}

/// The three curves (K + 1 points each) and their areas.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Curves {
    pub deletion: f64,
    pub insertion: f64,
    pub lerf: f64,
    pub srg: f64,
    pub deletion_curve: Vec<f64>,
    pub insertion_curve: Vec<f64>,
    pub lerf_curve: Vec<f64>,
}

/// K when none is given: the image's height, one step per row's worth of pixels (28 for MNIST,
/// 32 for CIFAR-10).
pub fn default_steps(spec: &InputSpec) -> usize {
    spec.height
}

/// Positions ordered by `map`, descending (MoRF) or ascending (LeRF), ties by ascending index.
pub fn order(map: &[f32], descending: bool) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..map.len()).collect();
    idx.sort_by(|&a, &b| {
        let o = map[a].total_cmp(&map[b]);
        (if descending { o.reverse() } else { o }).then(a.cmp(&b))
    });
    idx
}

/// Trapezoid rule over K + 1 evenly spaced points on [0, 1].
pub fn auc(curve: &[f64]) -> f64 {
    let k = curve.len().saturating_sub(1);
    if k == 0 {
        return 0.0;
    }
    curve.windows(2).map(|w| (w[0] + w[1]) / 2.0).sum::<f64>() / k as f64
}

/// A map of seeded random values: the chance line.
pub fn random_map(len: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    (0..len).map(|_| rng.uniform() as f32).collect()
}

/// The curves of one map for one H x W x C image and target.
pub fn curves(
    net: &Network,
    image: &[f32],
    map: &[f32],
    target: usize,
    steps: usize,
    baseline: RemovalBaseline,
) -> Result<Curves> {
    let spec = net.spec();
    let (h, w, c) = (spec.height, spec.width, spec.channels);
    let n = spec.pixels();
    spec.check_one(image)?;
    if map.len() != n {
        return Err(Error::Input(format!("the map has {} values, expected {n} ({h}x{w})", map.len())));
    }
    crate::validate::check_finite(map, "map")?;
    spec.check_class(target, "target class")?;
    if steps == 0 || steps > n {
        return Err(Error::Options(format!("steps must be in 1..={n}, got {steps}")));
    }
    // The baseline image, H x W x C.
    let base: Vec<f32> = match baseline {
        RemovalBaseline::Zero => vec![0.0; image.len()],
        RemovalBaseline::Blur => {
            let chw: Vec<f32> = (0..c).flat_map(|ch| (0..n).map(move |p| image[p * c + ch])).collect();
            let blurred = box_blur(&chw, c, h, w, 2);
            (0..n).flat_map(|p| (0..c).map(move |ch| (p, ch))).map(|(p, ch)| blurred[ch * n + p]).collect()
        }
    };
    let counts: Vec<usize> = (0..=steps).map(|k| k * n / steps).collect();
    let morf = order(map, true);
    let lerf = order(map, false);
    // All 3 (K + 1) perturbed images, as one list of H x W x C images.
    let mut images = Vec::with_capacity(3 * (steps + 1) * image.len());
    for (ord, from, to) in [(&morf, image, &base[..]), (&morf, &base[..], image), (&lerf, image, &base[..])] {
        for &m in &counts {
            let mut x = from.to_vec();
            for &p in &ord[..m] {
                x[p * c..(p + 1) * c].copy_from_slice(&to[p * c..(p + 1) * c]);
            }
            images.extend(x);
        }
    }
    let probs = probabilities_once(net, &images, image.len(), target)?;
    let k1 = steps + 1;
    let (d, rest) = probs.split_at(k1);
    let (ins, l) = rest.split_at(k1);
    let (deletion, insertion, lerf_auc) = (auc(d), auc(ins), auc(l));
    Ok(Curves {
        deletion,
        insertion,
        lerf: lerf_auc,
        srg: lerf_auc - deletion,
        deletion_curve: d.to_vec(),
        insertion_curve: ins.to_vec(),
        lerf_curve: l.to_vec(),
    })
}

/// How to score a map: K, the removal baseline, the random order's seed, and how the method's raw
/// attribution becomes the H x W map (sign view, channel reduction; keras-vis' |a|, max by
/// default). `map` scores a map the caller already has instead of computing the method's.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct EvalOptions {
    pub steps: Option<usize>,
    pub baseline: RemovalBaseline,
    pub seed: u64,
    pub sign: SignView,
    pub reduce: ChannelReduce,
    pub map: Option<Vec<f32>>,
    /// Also score the seeded random order (the chance line); a caller scoring many methods on one
    /// input needs it once.
    pub random: bool,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            steps: None,
            baseline: RemovalBaseline::Zero,
            seed: 0,
            sign: SignView::Absolute,
            reduce: ChannelReduce::Max,
            map: None,
            random: true,
        }
    }
}

/// A method's curves on one input, next to the random order's (the chance line).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    pub method: &'static str,
    pub target: usize,
    pub steps: usize,
    pub baseline: RemovalBaseline,
    #[serde(flatten)]
    pub curves: Curves,
    pub random: Option<Curves>,
}

/// One call from an image to its faithfulness scores: explains it with `opts` (unless
/// `eval.map` is given), reduces the attribution to a map, and scores that map and a seeded
/// random one for the same target.
pub fn evaluate(net: &Network, image: &[f32], opts: &MethodOptions, eval: &EvalOptions) -> Result<Evaluation> {
    let steps = eval.steps.unwrap_or_else(|| default_steps(net.spec()));
    let (map, target) = match &eval.map {
        Some(m) => {
            let (logits, _) = crate::explain::classify(net, image)?;
            (m.clone(), opts.target.unwrap_or_else(|| crate::model::argmax(&logits)))
        }
        None => {
            let e = explain(net, image, opts)?;
            (reduce(&e.raw, e.raw_channels, eval.sign, eval.reduce), e.target)
        }
    };
    let curves = curves(net, image, &map, target, steps, eval.baseline)?;
    let random = if eval.random {
        Some(self::curves(net, image, &random_map(map.len(), eval.seed), target, steps, eval.baseline)?)
    } else {
        None
    };
    Ok(Evaluation { method: opts.method.id, target, steps, baseline: eval.baseline, curves, random })
}

/// Like `probabilities`, but each distinct image goes through the network once: the curves share
/// their ends (the image itself, the baseline image), and for a map without ties insertion step k
/// and LeRF step K - k are the same image.
fn probabilities_once(net: &Network, images: &[f32], per: usize, target: usize) -> Result<Vec<f64>> {
    let mut first: std::collections::HashMap<Vec<u32>, usize> = std::collections::HashMap::new();
    let mut slot = Vec::with_capacity(images.len() / per);
    let mut unique: Vec<f32> = Vec::new();
    for img in images.chunks(per) {
        let key: Vec<u32> = img.iter().map(|v| v.to_bits()).collect();
        let next = first.len();
        let at = *first.entry(key).or_insert_with(|| {
            unique.extend_from_slice(img);
            next
        });
        slot.push(at);
    }
    let probs = probabilities(net, &unique, target)?;
    Ok(slot.into_iter().map(|i| probs[i]).collect())
}

/// softmax(logits)[target] of each H x W x C image, batched.
fn probabilities(net: &Network, images: &[f32], target: usize) -> Result<Vec<f64>> {
    let per = net.spec().input_len();
    let mut out = Vec::with_capacity(images.len() / per);
    for chunk in images.chunks(per * crate::validate::MAX_BATCH) {
        // Mixes of the checked image and its baseline: no pixel check needed again.
        let x = net.spec().hwc_tensor(chunk.to_vec(), &net.device())?;
        out.extend(net.logits(&x).iter().map(|row| softmax(row)[target] as f64));
    }
    Ok(out)
}
