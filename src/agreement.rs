//! How much methods agree on one input: pairwise Spearman rank correlation of their maps and
//! intersection over union of their top-k pixels.

use serde::{Deserialize, Serialize};

use crate::evaluate::order;
use crate::sanity::spearman;
use crate::{Error, Result, validate};

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct AgreementOptions {
    /// k as a percentage of the pixels: k = max(1, floor(topPercent / 100 * H * W)).
    pub top_percent: f64,
}

impl Default for AgreementOptions {
    fn default() -> Self {
        AgreementOptions { top_percent: 10.0 }
    }
}

/// Symmetric matrices over the maps, ones on the diagonal.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Agreement {
    pub k: usize,
    pub spearman: Vec<Vec<f64>>,
    pub iou: Vec<Vec<f64>>,
}

/// The k positions of largest value, ties by ascending index (the deletion curves' MoRF order).
pub fn top_k(map: &[f32], k: usize) -> Vec<bool> {
    let mut inside = vec![false; map.len()];
    for &p in order(map, true).iter().take(k) {
        inside[p] = true;
    }
    inside
}

/// |A ∩ B| / |A ∪ B| of the two maps' top-k sets.
pub fn top_k_iou(a: &[f32], b: &[f32], k: usize) -> f64 {
    let (ta, tb) = (top_k(a, k), top_k(b, k));
    let inter = ta.iter().zip(&tb).filter(|(x, y)| **x && **y).count();
    let union = ta.iter().zip(&tb).filter(|(x, y)| **x || **y).count();
    if union == 0 { 1.0 } else { inter as f64 / union as f64 }
}

/// The agreement matrices of H x W maps of equal length (the methods' maps after sign view and
/// channel reduction).
pub fn agreement(maps: &[Vec<f32>], opts: AgreementOptions) -> Result<Agreement> {
    let n = maps.first().map_or(0, Vec::len);
    if n == 0 || maps.iter().any(|m| m.len() != n) {
        return Err(Error::Input("agreement needs maps of equal, non-zero length".into()));
    }
    for (i, m) in maps.iter().enumerate() {
        validate::check_finite(m, &format!("map {i}"))?;
    }
    if !(opts.top_percent > 0.0 && opts.top_percent <= 100.0) {
        return Err(Error::Options(format!("topPercent must be in (0, 100], got {}", opts.top_percent)));
    }
    let k = ((opts.top_percent / 100.0 * n as f64).floor() as usize).clamp(1, n);
    let m = maps.len();
    let (mut rho, mut iou) = (vec![vec![1.0; m]; m], vec![vec![1.0; m]; m]);
    for i in 0..m {
        for j in i + 1..m {
            rho[i][j] = spearman(&maps[i], &maps[j]);
            rho[j][i] = rho[i][j];
            iou[i][j] = top_k_iou(&maps[i], &maps[j], k);
            iou[j][i] = iou[i][j];
        }
    }
    Ok(Agreement { k, spearman: rho, iou })
}
