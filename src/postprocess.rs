//! Raw attribution -> 2-D map: sign view, channel reduction, normalisation. Pure functions on
//! H x W x C slices, shared by the CLI and the browser.

use serde::{Deserialize, Serialize};

use crate::{Error, Result, validate};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SignView {
    /// |a| (keras-vis).
    #[default]
    Absolute,
    /// max(a, 0).
    Positive,
    /// max(-a, 0).
    Negative,
    /// a itself; maps land in [-1, 1] for a diverging colour map.
    Signed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ChannelReduce {
    /// Max over channels (keras-vis). For the signed view: the value of largest magnitude.
    #[default]
    Max,
    /// Sum of absolute values (PAIR saliency). For the signed view: the plain sum, keeping the sign.
    SumAbs,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind", deny_unknown_fields)]
pub enum Normalize {
    /// (a - min) / (max - min + 1e-7) (keras-vis); signed view: a / (max|a| + 1e-7).
    #[default]
    MinMax,
    /// clip((a - min) / (p-th percentile - min), 0, 1) (PAIR saliency, p = 99);
    /// signed view: clip(a / p-th percentile of |a|, -1, 1).
    Percentile { p: f32 },
    /// Leave values as they are (for a scale shared between maps, applied by the caller).
    None,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct PostProcess {
    pub sign: SignView,
    pub reduce: ChannelReduce,
    pub normalize: Normalize,
}

impl PostProcess {
    /// Refuses settings that would silently mean something else (a percentile of 500).
    pub fn check(&self) -> Result<()> {
        if let Normalize::Percentile { p } = self.normalize
            && !(p > 0.0 && p <= 100.0)
        {
            return Err(Error::Options(format!("normalize.p: the percentile must be in (0, 100], got {p}")));
        }
        Ok(())
    }
}

/// Checks a raw H x W x C attribution before post-processing: whole pixels, finite values.
pub fn check_raw(raw: &[f32], channels: usize) -> Result<()> {
    if raw.is_empty() {
        return Err(Error::Input("the attribution is empty".into()));
    }
    if channels == 0 || !raw.len().is_multiple_of(channels) {
        return Err(Error::Input(format!("{} values do not split into {channels} channels", raw.len())));
    }
    validate::check_finite(raw, "attribution")
}

/// Sign view then channel reduction: H x W x C -> H x W.
pub fn reduce(raw: &[f32], channels: usize, sign: SignView, how: ChannelReduce) -> Vec<f32> {
    let view = |v: f32| match sign {
        SignView::Absolute => v.abs(),
        SignView::Positive => v.max(0.0),
        SignView::Negative => (-v).max(0.0),
        SignView::Signed => v,
    };
    raw.chunks(channels.max(1))
        .map(|px| match (how, sign) {
            (ChannelReduce::Max, SignView::Signed) => {
                px.iter().cloned().fold(0.0f32, |best, v| if v.abs() > best.abs() { v } else { best })
            }
            (ChannelReduce::Max, _) => px.iter().map(|&v| view(v)).fold(f32::NEG_INFINITY, f32::max),
            (ChannelReduce::SumAbs, SignView::Signed) => px.iter().sum(),
            (ChannelReduce::SumAbs, _) => px.iter().map(|&v| view(v).abs()).sum(),
        })
        .collect()
}

/// numpy's default (linear) percentile.
pub fn percentile(values: &[f32], p: f32) -> f32 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v = values.to_vec();
    v.sort_by(f32::total_cmp);
    let pos = (p.clamp(0.0, 100.0) as f64 / 100.0) * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = (pos - lo as f64) as f32;
    v[lo] + (v[hi] - v[lo]) * frac
}

pub fn normalize(map: &[f32], how: Normalize, signed: bool) -> Vec<f32> {
    let (lo, hi) = map.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    match (how, signed) {
        (Normalize::None, _) => map.to_vec(),
        (Normalize::MinMax, false) => map.iter().map(|v| (v - lo) / (hi - lo + 1e-7)).collect(),
        (Normalize::MinMax, true) => {
            let span = lo.abs().max(hi.abs()) + 1e-7;
            map.iter().map(|v| v / span).collect()
        }
        (Normalize::Percentile { p }, false) => {
            let vmax = percentile(map, p);
            let span = vmax - lo;
            map.iter().map(|v| if span > 0.0 { ((v - lo) / span).clamp(0.0, 1.0) } else { 0.0 }).collect()
        }
        (Normalize::Percentile { p }, true) => {
            let abs: Vec<f32> = map.iter().map(|v| v.abs()).collect();
            let span = percentile(&abs, p);
            map.iter().map(|v| if span > 0.0 { (v / span).clamp(-1.0, 1.0) } else { 0.0 }).collect()
        }
    }
}

/// The whole post-processing: H x W x C raw attribution -> H x W map.
pub fn to_map(raw: &[f32], channels: usize, pp: &PostProcess) -> Vec<f32> {
    let reduced = reduce(raw, channels, pp.sign, pp.reduce);
    normalize(&reduced, pp.normalize, pp.sign == SignView::Signed)
}

/// keras-vis' visualize_saliency map: normalize(max over channels |a|).
pub fn keras_vis_map(raw: &[f32], channels: usize) -> Vec<f32> {
    to_map(raw, channels, &PostProcess::default())
}
