//! Model-randomisation sanity checks (Adebayo et al. 2018; Quantus' MPRT): re-initialise the
//! layers with learned weights cascading from the top (the tutorial: fc2, then fc1, conv2, conv1)
//! or one at a time, and explain another class (random logit), so a user can see whether a
//! method's map depends on what the network learned. A method that passes keeps falling toward 0
//! similarity. Each op draws its own new weights (`Op::reinitialized`), so any graph randomises.

use std::sync::Arc;

use serde::Serialize;

use crate::Result;
use crate::attribution::{MethodOptions, Network};
use crate::explain::explain;
use crate::graph::Op;
use crate::graph::ops::Init;
use crate::model::Cnn;
use crate::postprocess::{self, ChannelReduce, SignView};
use crate::rng::Rng;
use crate::weights::WeightSet;

/// The tutorial's layers in cascade order, top first (burn's copy of them: the reference).
pub const CASCADE: [&str; 4] = ["fc2", "fc1", "conv2", "conv1"];

/// The rng a layer's new values come from: the seed and the layer's place in the cascade only,
/// so deeper cascades extend shallower ones and a layer alone gets the values the cascade gives it.
fn layer_rng(seed: u64, place: usize) -> Rng {
    Rng::new(seed.wrapping_mul(31).wrapping_add(place as u64 + 1))
}

/// The nodes of `net` the randomisation re-initialises, in cascade order (top first): every node
/// whose op has learned weights to draw again (the tutorial: fc2, fc1, conv2, conv1). With each,
/// its new op for `seed`.
fn redrawn(net: &Network, seed: u64) -> Vec<(usize, Arc<dyn Op>)> {
    let nodes = net.graph().nodes();
    let mut place = 0;
    (0..nodes.len())
        .rev()
        .filter_map(|i| {
            let op = nodes[i].op.reinitialized(&mut layer_rng(seed, place), Init::PyTorch)?;
            place += 1;
            Some((i, op))
        })
        .collect()
}

/// The names of the nodes the randomisation re-initialises, top first.
pub fn cascade(net: &Network) -> Vec<String> {
    redrawn(net, 0).into_iter().map(|(i, _)| net.graph().nodes()[i].name.clone()).collect()
}

/// A copy of `net` with the top `depth` nodes of its cascade re-initialised (PyTorch's default
/// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases): on the tutorial's network, the very
/// weights `randomize_cascade` gives burn's copy.
pub fn randomized(net: &Network, depth: usize, seed: u64) -> Network {
    let mut ops = redrawn(net, seed);
    ops.truncate(depth);
    net.with_graph(net.graph().with_ops(ops))
}

/// burn's copy of the tutorial with the top `depth` layers of `CASCADE` re-initialised.
pub fn randomize_cascade(model: &Cnn, depth: usize, seed: u64) -> Cnn {
    randomize_layers(model, &CASCADE[..depth.min(CASCADE.len())], seed)
}

/// A copy of `model` with the named layers re-initialised (PyTorch's default
/// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases). A layer's new values depend only
/// on the seed and its name, so deeper cascades extend shallower ones and the independent mode
/// draws the same values as the cascade for each layer.
pub fn randomize_layers(model: &Cnn, layers: &[&str], seed: u64) -> Cnn {
    let mut set = WeightSet::from_model(model);
    for (li, layer) in CASCADE.iter().enumerate().filter(|(_, l)| layers.contains(l)) {
        let wname = format!("{layer}.weight");
        let bname = format!("{layer}.bias");
        let weight_len = set.tensors.get(wname.as_str()).map_or(0, Vec::len);
        let out = set.tensors.get(bname.as_str()).map_or(1, Vec::len).max(1);
        let fan_in = (weight_len / out).max(1);
        let bound = 1.0 / (fan_in as f64).sqrt();
        let mut rng = layer_rng(seed, li);
        for name in [wname, bname] {
            if let Some(v) = set.tensors.get_mut(name.as_str()) {
                for x in v.iter_mut() {
                    *x = ((rng.uniform() * 2.0 - 1.0) * bound) as f32;
                }
            }
        }
    }
    set.to_model(&model.device())
}

/// Spearman rank correlation of two equally long maps: Pearson correlation of their ranks, ties
/// sharing their mean rank (scipy.stats.spearmanr). 0 when either map is constant.
pub fn spearman(a: &[f32], b: &[f32]) -> f64 {
    fn ranks(v: &[f32]) -> Vec<f64> {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
        let mut r = vec![0f64; v.len()];
        let mut i = 0;
        while i < idx.len() {
            let mut j = i;
            while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
                j += 1;
            }
            for &k in &idx[i..=j] {
                r[k] = (i + j) as f64 / 2.0;
            }
            i = j + 1;
        }
        r
    }
    let n = a.len().min(b.len());
    if n == 0 {
        return 0.0;
    }
    let (ra, rb) = (ranks(&a[..n]), ranks(&b[..n]));
    let mean = |r: &[f64]| r.iter().sum::<f64>() / n as f64;
    let (ma, mb) = (mean(&ra), mean(&rb));
    let (mut cov, mut va, mut vb) = (0.0, 0.0, 0.0);
    for (x, y) in ra.iter().zip(&rb) {
        cov += (x - ma) * (y - mb);
        va += (x - ma).powi(2);
        vb += (y - mb).powi(2);
    }
    if va == 0.0 || vb == 0.0 { 0.0 } else { cov / (va * vb).sqrt() }
}

/// Mean structural similarity of two height × width maps as scikit-image's `structural_similarity`
/// computes it for floats with `data_range=1` and its defaults: a 7 x 7 uniform window, K1 = 0.01,
/// K2 = 0.03, sample covariances (x 49/48), averaged over the windows that lie wholly inside the
/// image (scikit-image crops (7 - 1) / 2 pixels from each edge of the SSIM image).
pub fn ssim(a: &[f32], b: &[f32], height: usize, width: usize) -> f64 {
    const WIN: usize = 7;
    let (c1, c2) = (0.01f64.powi(2), 0.03f64.powi(2));
    let n = height * width;
    if height < WIN || width < WIN || a.len() < n || b.len() < n {
        return 0.0;
    }
    let np = (WIN * WIN) as f64;
    let cov_norm = np / (np - 1.0);
    let (mut total, mut count) = (0.0, 0usize);
    for r in 0..=height - WIN {
        for c in 0..=width - WIN {
            let (mut sx, mut sy, mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for i in r..r + WIN {
                for j in c..c + WIN {
                    let (x, y) = (a[i * width + j] as f64, b[i * width + j] as f64);
                    sx += x;
                    sy += y;
                    sxx += x * x;
                    syy += y * y;
                    sxy += x * y;
                }
            }
            let (ux, uy) = (sx / np, sy / np);
            let vx = cov_norm * (sxx / np - ux * ux);
            let vy = cov_norm * (syy / np - uy * uy);
            let vxy = cov_norm * (sxy / np - ux * uy);
            total += ((2.0 * ux * uy + c1) * (2.0 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
            count += 1;
        }
    }
    total / count as f64
}

/// (m - min) / (max - min); all zeros for a constant map.
pub fn min_max(m: &[f32]) -> Vec<f32> {
    let lo = m.iter().copied().fold(f32::INFINITY, f32::min);
    let hi = m.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let range = (hi as f64) - (lo as f64);
    if range <= 0.0 || !range.is_finite() {
        return vec![0.0; m.len()];
    }
    m.iter().map(|&v| ((v as f64 - lo as f64) / range) as f32).collect()
}

/// How alike two maps are: Spearman of their absolute values, SSIM of their min-max-normalised
/// values (Adebayo et al. 2018).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Similarity {
    pub spearman: f64,
    pub ssim: f64,
}

impl Similarity {
    pub fn of(a: &[f32], b: &[f32], height: usize, width: usize) -> Similarity {
        let abs = |m: &[f32]| m.iter().map(|v| v.abs()).collect::<Vec<f32>>();
        Similarity { spearman: spearman(&abs(a), &abs(b)), ssim: ssim(&min_max(a), &min_max(b), height, width) }
    }
}

/// One method's randomisation curves on one input.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RandomisationCurve {
    pub method: &'static str,
    /// The class explained, by the trained model and every randomised one.
    pub target: usize,
    /// The layers in cascade order: point d of `cascading` has the first d + 1 randomised,
    /// point i of `independent` only layer i.
    pub layers: Vec<String>,
    pub cascading: Vec<Similarity>,
    pub independent: Vec<Similarity>,
    /// The trained model's map for another class (seeded), against the map for `target`.
    pub random_logit_class: usize,
    pub random_logit: Similarity,
}

/// The trained network with its randomised copies (each cascade depth, each layer alone), built
/// once and reused for every method and input.
pub struct Randomisation {
    trained: Network,
    layers: Vec<String>,
    cascading: Vec<Network>,
    independent: Vec<Network>,
    seed: u64,
}

impl Randomisation {
    pub fn new(trained: &Network, seed: u64) -> Result<Self> {
        let ops = redrawn(trained, seed);
        if ops.is_empty() {
            return Err(crate::Error::Model(
                "the randomisation test re-initialises learned weights; this model has no Conv or Gemm".into(),
            ));
        }
        let graph = trained.graph();
        Ok(Randomisation {
            trained: trained.clone(),
            layers: ops.iter().map(|(i, _)| graph.nodes()[*i].name.clone()).collect(),
            cascading: (1..=ops.len()).map(|d| trained.with_graph(graph.with_ops(ops[..d].iter().cloned()))).collect(),
            independent: ops.iter().map(|op| trained.with_graph(graph.with_ops([op.clone()]))).collect(),
            seed,
        })
    }

    /// The curves of the method `opts` names on one H x W x C image; maps are the raw attribution
    /// after `sign` and `reduce` (before normalisation).
    pub fn curve(
        &self,
        image: &[f32],
        opts: &MethodOptions,
        sign: SignView,
        reduce: ChannelReduce,
    ) -> Result<RandomisationCurve> {
        let map_of = |net: &Network, target: usize| -> Result<Vec<f32>> {
            let mut o = opts.clone();
            o.target = Some(target);
            let e = explain(net, image, &o)?;
            Ok(postprocess::reduce(&e.raw, e.raw_channels, sign, reduce))
        };
        let first = explain(&self.trained, image, opts)?;
        let target = first.target;
        let base = postprocess::reduce(&first.raw, first.raw_channels, sign, reduce);
        let spec = self.trained.spec();
        let (h, w) = (spec.height, spec.width);
        let versus = |nets: &[Network]| -> Result<Vec<Similarity>> {
            nets.iter().map(|n| Ok(Similarity::of(&base, &map_of(n, target)?, h, w))).collect()
        };
        let other = {
            let r = Rng::new(self.seed ^ 0x5eed_1091).below(spec.classes() - 1);
            if r >= target { r + 1 } else { r }
        };
        Ok(RandomisationCurve {
            method: opts.method.id,
            target,
            layers: self.layers.clone(),
            cascading: versus(&self.cascading)?,
            independent: versus(&self.independent)?,
            random_logit_class: other,
            random_logit: Similarity::of(&base, &map_of(&self.trained, other)?, h, w),
        })
    }
}
