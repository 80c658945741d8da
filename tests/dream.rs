//! Activation maximisation reaches the class it is asked for: every MNIST class from three seeds
//! is classified as that class with probability >= 0.99.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use saliency::DatasetKind;
use saliency::dream::{DreamOptions, dream, filter_gradient};
use saliency::model::{CONV1_OUT, CONV2_OUT, images_to_tensor, to_vec};

#[test]
fn the_filter_gradient_is_burns_autodiff_gradient() {
    // The page's build has no autodiff: filter dreams take burn's explicit backward pass.
    for kind in DatasetKind::ALL {
        let net = common::pretrained_net(kind);
        let img = common::test_set(kind).image_f32(4);
        let x = images_to_tensor(kind, &img, &net.device()).unwrap();
        for (at, filter) in [(CONV1_OUT, 1), (CONV1_OUT, 30), (CONV2_OUT, 7), (CONV2_OUT, 60)] {
            let explicit = to_vec(filter_gradient(&net, &x, at, filter));
            let xa = x.clone().autodiff().require_grad();
            let a = net.frozen().unwrap().features_at(xa.clone(), at);
            let grads = a.slice([0..1, filter..filter + 1]).mean().backward();
            let reference = to_vec(xa.grad(&grads).expect("gradient").inner());
            let scale = reference.iter().fold(0f32, |m, v| m.max(v.abs()));
            let d = common::max_abs_diff(&explicit, &reference);
            eprintln!("{kind:?} layer {at} filter {filter}: max |gradient| {scale:.2e}, difference {d:.1e}");
            assert!(scale > 0.0, "{kind:?} layer {at} filter {filter}: a dead filter tests nothing");
            assert!(d <= 1e-6 + 1e-5 * scale, "{kind:?} layer {at} filter {filter}: {d} (scale {scale})");
        }
    }
}

#[test]
fn every_mnist_class_is_dreamed_from_three_seeds() {
    let net = common::pretrained_net(DatasetKind::Mnist);
    let mut worst = 1.0f32;
    for class in 0..10 {
        for seed in [0, 1, 2] {
            let (img, probs) = dream(&net, &DreamOptions { class, seed, ..DreamOptions::default() }).unwrap();
            assert!(img.iter().all(|v| (0.0..=1.0).contains(v)));
            worst = worst.min(probs[class]);
            assert!(probs[class] >= 0.99, "class {class}, seed {seed}: p = {}", probs[class]);
        }
    }
    eprintln!("lowest probability over 30 dreams: {worst:.4}");
}

#[test]
fn dream_options_are_checked() {
    let net = common::pretrained_net(DatasetKind::Mnist);
    for (o, want) in [
        (DreamOptions { class: 10, ..Default::default() }, "class"),
        (DreamOptions { steps: 0, ..Default::default() }, "steps"),
        (DreamOptions { rate: f32::NAN, ..Default::default() }, "rate"),
        (DreamOptions { jitter: 9, ..Default::default() }, "jitter"),
    ] {
        let e = dream(&net, &o).unwrap_err().to_string();
        assert!(e.contains(want), "{e}");
    }
    // Same seed, same image.
    let o = DreamOptions { class: 3, steps: 20, seed: 5, ..Default::default() };
    assert_eq!(dream(&net, &o).unwrap().0, dream(&net, &o).unwrap().0);
}

#[test]
fn a_filter_dream_excites_its_filter() {
    use saliency::dream::filter_activation;
    let net = common::pretrained_net(DatasetKind::Mnist);
    for (layer, filters) in [("conv1", 32), ("conv2", 64)] {
        // The first filter alive on the start image (a ReLU that is off everywhere has no gradient).
        let o = |filter| DreamOptions { layer: Some(layer.into()), filter, steps: 100, seed: 2, ..Default::default() };
        let start = saliency::dream::Dream::new(&net, o(0)).unwrap().image().to_vec();
        let filter =
            (0..filters).find(|&f| filter_activation(&net, &start, layer, f).unwrap() > 0.01).expect("a live filter");
        let o = o(filter);
        let (img, _) = dream(&net, &o).unwrap();
        let (before, after) = (
            filter_activation(&net, &start, layer, filter).unwrap(),
            filter_activation(&net, &img, layer, filter).unwrap(),
        );
        eprintln!("{layer} filter {filter}: mean activation {before:.3} -> {after:.3}");
        assert!(after > 2.0 * before.max(0.05), "{layer} filter {filter}: {before} -> {after}");
    }
    let e = dream(&net, &DreamOptions { layer: Some("conv2".into()), filter: 64, ..Default::default() }).unwrap_err();
    assert!(e.to_string().contains("filter must be in 0..63"), "{e}");
    let e = dream(&net, &DreamOptions { layer: Some("fc1".into()), ..Default::default() }).unwrap_err();
    assert!(e.to_string().contains("“fc1” outputs 256, not maps"), "{e}");
}
