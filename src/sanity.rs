//! Model-randomisation sanity check (Adebayo et al. 2018): re-initialise layers cascading from the
//! top (fc2, then fc1, conv2, conv1) so a user can see whether a method's map depends on what the
//! network learned.

use crate::model::Cnn;
use crate::rng::Rng;
use crate::weights::WeightSet;

/// Layers in cascade order, top first.
pub const CASCADE: [&str; 4] = ["fc2", "fc1", "conv2", "conv1"];

/// A copy of `model` with the top `depth` layers of `CASCADE` re-initialised (PyTorch's default
/// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases). A layer's new values depend only
/// on the seed and its name, so deeper cascades extend shallower ones.
pub fn randomize_cascade(model: &Cnn, depth: usize, seed: u64) -> Cnn {
    let mut set = WeightSet::from_model(model);
    for (li, layer) in CASCADE.iter().take(depth).enumerate() {
        let wname = format!("{layer}.weight");
        let bname = format!("{layer}.bias");
        let weight_len = set.tensors.get(wname.as_str()).map_or(0, Vec::len);
        let out = set.tensors.get(bname.as_str()).map_or(1, Vec::len).max(1);
        let fan_in = (weight_len / out).max(1);
        let bound = 1.0 / (fan_in as f64).sqrt();
        let mut rng = Rng::new(seed.wrapping_mul(31).wrapping_add(li as u64 + 1));
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
