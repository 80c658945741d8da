//! Activation maximisation reaches the class it is asked for: every MNIST class from three seeds
//! is classified as that class with probability >= 0.99.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use saliency::DatasetKind;
use saliency::dream::{DreamOptions, dream};

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
