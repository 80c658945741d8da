//! Randomisation curves (Adebayo et al. 2018): SSIM as scikit-image computes it, independent
//! randomisation drawing the cascade's values, and on the shipped MNIST weights vanilla's curve
//! falling with depth; the random-logit similarity of every method is printed.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use saliency::DatasetKind;
use saliency::attribution::{METHODS, MethodOptions};
use saliency::postprocess::{ChannelReduce, SignView};
use saliency::sanity::{CASCADE, Randomisation, min_max, randomize_cascade, randomize_layers, ssim};
use saliency::weights::WeightSet;

/// Reference values: skimage.metrics.structural_similarity(a, b, data_range=1.0) (scikit-image
/// 0.25, float64) on these formula-made maps.
#[test]
fn ssim_matches_scikit_image() {
    for (side, want_ab, want_gh) in
        [(28, 0.7795112448367795, 0.05521373314287201), (32, 0.8374466203004521, 0.07057319746637918)]
    {
        let n = side * side;
        let a: Vec<f32> = (0..n).map(|i| ((i * 37) % 101) as f32 / 100.0).collect();
        let b: Vec<f32> = (0..n).map(|i| 0.6 * a[i] + 0.4 * (i as f64 * 0.1).sin().abs() as f32).collect();
        let rc = |i: usize| ((i / side) as f64 / side as f64, (i % side) as f64 / side as f64);
        let g: Vec<f32> = (0..n).map(|i| (rc(i).0 * rc(i).1) as f32).collect();
        let h: Vec<f32> = (0..n).map(|i| (rc(i).0 * (1.0 - rc(i).1)).sqrt() as f32).collect();
        let (ab, gh) = (ssim(&a, &b, side, side), ssim(&g, &h, side, side));
        assert!((ab - want_ab).abs() < 2e-6, "side {side}: {ab} vs {want_ab}");
        assert!((gh - want_gh).abs() < 2e-6, "side {side}: {gh} vs {want_gh}");
        assert!((ssim(&a, &a, side, side) - 1.0).abs() < 1e-12);
    }
    assert_eq!(min_max(&[2.0, 4.0, 3.0]), vec![0.0, 1.0, 0.5]);
    assert_eq!(min_max(&[5.0; 3]), vec![0.0; 3], "a constant map");
}

#[test]
fn one_layer_alone_gets_the_values_the_cascade_gives_it() {
    let m = common::pretrained(DatasetKind::Mnist);
    let trained = WeightSet::from_model(&m);
    let cascade = WeightSet::from_model(&randomize_cascade(&m, 4, 5));
    for layer in CASCADE {
        let alone = WeightSet::from_model(&randomize_layers(&m, &[layer], 5));
        for (name, values) in &alone.tensors {
            let want = if name.starts_with(layer) { &cascade.tensors[name] } else { &trained.tensors[name] };
            assert_eq!(values, want, "{layer}: {name}");
        }
    }
}

/// The graph's own re-initialisation (each op draws its weights) gives the tutorial the very
/// network burn's copy gets from re-drawing its named weights: same logits and gradients, bit for bit.
#[test]
fn each_op_redraws_what_burns_copy_of_the_tutorial_redraws() {
    use saliency::sanity::{cascade, randomized};
    for kind in [DatasetKind::Mnist, DatasetKind::Cifar10] {
        let m = common::pretrained(kind);
        let net = saliency::attribution::Network::new(m.clone());
        assert_eq!(cascade(&net), CASCADE);
        let image = common::test_set(kind).image_f32(0);
        let vanilla = MethodOptions::new("vanilla").unwrap().with("target", 3).unwrap();
        for depth in 0..=4 {
            let burn = saliency::attribution::Network::new(randomize_cascade(&m, depth, 7));
            let graph = randomized(&net, depth, 7);
            let (a, b) = (
                saliency::explain::explain(&burn, &image, &vanilla).unwrap(),
                saliency::explain::explain(&graph, &image, &vanilla).unwrap(),
            );
            assert_eq!(a.logits, b.logits, "{kind:?} depth {depth}");
            assert_eq!(a.raw, b.raw, "{kind:?} depth {depth}");
        }
    }
}

#[test]
fn vanillas_curve_falls_and_every_method_reports_its_random_logit_similarity() {
    let kind = DatasetKind::Mnist;
    let net = common::pretrained_net(kind);
    let test = common::test_set(kind);
    let r = Randomisation::new(&net, 0).expect("the tutorial network randomises");
    let n = 20;
    let mut mean = [0.0f64; 4];
    for i in 0..n {
        let c = r
            .curve(&test.image_f32(i), &MethodOptions::new("vanilla").unwrap(), SignView::Absolute, ChannelReduce::Max)
            .unwrap();
        assert_eq!(c.cascading.len(), 4);
        assert_eq!(c.independent.len(), 4);
        assert_ne!(c.random_logit_class, c.target);
        for (m, s) in mean.iter_mut().zip(&c.cascading) {
            *m += s.spearman / n as f64;
        }
    }
    eprintln!("vanilla, mean Spearman over {n} images by cascade depth 1..4: {mean:.4?}");
    for d in 1..4 {
        eprintln!("  depth {} -> {}: falls by {:.4}", d, d + 1, mean[d - 1] - mean[d]);
    }
    assert!(mean[3] < mean[0] - 0.1, "depth 4 {:.4} vs depth 1 {:.4}", mean[3], mean[0]);
    assert!(mean.windows(2).all(|w| w[1] < w[0]), "falls at every depth: {mean:?}");
    // The random-logit test, reported for every method on the first few images.
    for m in METHODS {
        let (mut rho, mut s) = (0.0, 0.0);
        let k = 3;
        for i in 0..k {
            let c =
                r.curve(&test.image_f32(i), &MethodOptions::new(m.id).unwrap(), SignView::Absolute, ChannelReduce::Max);
            let c = c.unwrap();
            rho += c.random_logit.spearman / k as f64;
            s += c.random_logit.ssim / k as f64;
        }
        eprintln!("{:<20} random logit: Spearman {rho:.3}, SSIM {s:.3} (mean of {k} images)", m.id);
        assert!(rho.is_finite() && s.is_finite());
    }
}
