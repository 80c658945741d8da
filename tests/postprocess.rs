//! Post-processing: sign views, channel reduction, normalisation.
#![cfg(not(target_arch = "wasm32"))]

use saliency::postprocess::{
    ChannelReduce, Normalize, PostProcess, SignView, keras_vis_map, normalize, percentile, reduce, to_map,
};

#[test]
fn keras_vis_map_is_min_max_of_channel_max_of_abs() {
    // Two pixels, three channels.
    let raw = [0.5, -2.0, 1.0, 0.25, 0.1, -0.2];
    let m = keras_vis_map(&raw, 3);
    // max|.| per pixel: 2.0, 0.25 -> (a - 0.25) / (1.75 + 1e-7)
    assert!((m[0] - 1.75 / (1.75 + 1e-7)).abs() < 1e-7);
    assert_eq!(m[1], 0.0);
}

#[test]
fn sign_views_and_reductions() {
    let raw = [0.5, -2.0, 1.0];
    assert_eq!(reduce(&raw, 3, SignView::Absolute, ChannelReduce::Max), vec![2.0]);
    assert_eq!(reduce(&raw, 3, SignView::Positive, ChannelReduce::Max), vec![1.0]);
    assert_eq!(reduce(&raw, 3, SignView::Negative, ChannelReduce::Max), vec![2.0]);
    assert_eq!(reduce(&raw, 3, SignView::Signed, ChannelReduce::Max), vec![-2.0]);
    assert_eq!(reduce(&raw, 3, SignView::Absolute, ChannelReduce::SumAbs), vec![3.5]);
    assert_eq!(reduce(&raw, 3, SignView::Positive, ChannelReduce::SumAbs), vec![1.5]);
    assert_eq!(reduce(&raw, 3, SignView::Signed, ChannelReduce::SumAbs), vec![-0.5]);
}

#[test]
fn percentile_matches_numpy_linear_interpolation() {
    // numpy.percentile([1, 2, 3, 4], 99) == 3.97; ([0..=100], 99) == 99
    assert!((percentile(&[4.0, 1.0, 3.0, 2.0], 99.0) - 3.97).abs() < 1e-6);
    let v: Vec<f32> = (0..=100).map(|i| i as f32).collect();
    assert_eq!(percentile(&v, 99.0), 99.0);
    assert_eq!(percentile(&v, 50.0), 50.0);
}

#[test]
fn percentile_normalization_clips_like_pair_saliency() {
    let v: Vec<f32> = (0..=100).map(|i| i as f32).collect();
    let n = normalize(&v, Normalize::Percentile { p: 99.0 }, false);
    assert_eq!(n[0], 0.0);
    assert!((n[50] - 50.0 / 99.0).abs() < 1e-6);
    assert_eq!(n[100], 1.0, "above the 99th percentile clips to 1");
    let s = normalize(&[-4.0, 1.0, 2.0], Normalize::MinMax, true);
    assert!((s[0] + 1.0).abs() < 1e-6 && (s[1] - 0.25).abs() < 1e-6, "{s:?}");
    let pp = PostProcess {
        sign: SignView::Signed,
        reduce: ChannelReduce::Max,
        normalize: Normalize::Percentile { p: 50.0 },
    };
    let m = to_map(&[-4.0, 1.0, 2.0], 1, &pp);
    assert_eq!(m, vec![-1.0, 0.5, 1.0]);
}
