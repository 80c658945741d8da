//! Deletion / insertion / LeRF curves: hand cases for the order, the ties, floor(k H W / K), the
//! trapezoid and the softmax of the target; and on the shipped MNIST weights, occlusion and
//! gradient x input beat the random order.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use saliency::DatasetKind;
use saliency::attribution::MethodOptions;
use saliency::evaluate::{RemovalBaseline, auc, curves, order, random_map};
use saliency::explain::explain;
use saliency::postprocess::{ChannelReduce, SignView, reduce};

#[test]
fn orders_break_ties_by_ascending_index_and_the_trapezoid_is_exact() {
    let m = [1.0, 3.0, 3.0, 0.0, 1.0];
    assert_eq!(order(&m, true), vec![1, 2, 0, 4, 3]);
    assert_eq!(order(&m, false), vec![3, 0, 4, 1, 2]);
    assert_eq!(auc(&[1.0, 0.0]), 0.5, "K = 1: the two-point trapezoid");
    assert!((auc(&[0.2, 0.4, 0.6]) - 0.4).abs() < 1e-12);
    assert_eq!(random_map(10, 3), random_map(10, 3), "seeded");
    assert_ne!(random_map(10, 3), random_map(10, 4));
}

#[test]
fn curves_of_the_tiny_network_are_the_hand_computed_ones() {
    // Only x[4,4] = 0.3 matters: with it logit0 = -0.1, without it -1; the other logits are 0.
    let net = common::tiny_net();
    let mut img = vec![0f32; 784];
    img[4 * 28 + 4] = 0.3;
    let mut map = vec![0f32; 784];
    map[4 * 28 + 4] = 5.0;
    let p = |l: f64| l.exp() / (l.exp() + 9.0);
    let (a, b) = (p(-0.1), p(-1.0));
    for k in [1usize, 2, 28] {
        let c = curves(&net, &img, &map, 0, k, RemovalBaseline::Zero).unwrap();
        let close = |x: &[f64], y: &[f64]| x.iter().zip(y).all(|(u, v)| (u - v).abs() < 1e-6);
        // Deletion: MoRF removes x[4,4] first. Insertion: from black, it comes back first.
        let mut want_del = vec![b; k + 1];
        want_del[0] = a;
        let want_ins: Vec<f64> = want_del.iter().map(|&v| if v == a { b } else { a }).collect();
        // LeRF: x[4,4] (highest) goes only when all floor(k 784 / K) = 784 positions go, at k = K.
        let mut want_lerf = vec![a; k + 1];
        want_lerf[k] = b;
        assert!(close(&c.deletion_curve, &want_del), "K = {k}: {:?}", c.deletion_curve);
        assert!(close(&c.insertion_curve, &want_ins), "K = {k}: {:?}", c.insertion_curve);
        assert!(close(&c.lerf_curve, &want_lerf), "K = {k}: {:?}", c.lerf_curve);
        let trapezoid = |v: &[f64]| v.windows(2).map(|w| (w[0] + w[1]) / 2.0).sum::<f64>() / k as f64;
        assert!((c.deletion - trapezoid(&want_del)).abs() < 1e-6);
        assert!((c.srg - (c.lerf - c.deletion)).abs() < 1e-12);
    }
    // A map that ties everywhere removes in index order: x[4,4] is position 116, so with K = 784
    // (one position a step) it goes at step 117.
    let c = curves(&net, &img, &vec![1.0; 784], 0, 784, RemovalBaseline::Zero).unwrap();
    assert!((c.deletion_curve[116] - a).abs() < 1e-6 && (c.deletion_curve[117] - b).abs() < 1e-6);
    assert!(curves(&net, &img, &map[..10], 0, 28, RemovalBaseline::Zero).is_err());
    assert!(curves(&net, &img, &map, 0, 0, RemovalBaseline::Zero).is_err());
}

#[test]
fn occlusion_and_gradient_x_input_beat_the_random_order_on_mnist() {
    let kind = DatasetKind::Mnist;
    let net = common::pretrained_net(kind);
    let test = common::test_set(kind);
    let n = 100;
    let mean = |method: Option<&str>| {
        let (mut del, mut srg) = (0.0, 0.0);
        for i in 0..n {
            let img = test.image_f32(i);
            let o = MethodOptions::new(method.unwrap_or("vanilla")).unwrap();
            let e = explain(&net, &img, &o).unwrap();
            let map = match method {
                Some(_) => reduce(&e.raw, e.raw_channels, SignView::Absolute, ChannelReduce::Max),
                None => random_map(784, i as u64),
            };
            let c = curves(&net, &img, &map, e.target, 28, RemovalBaseline::Zero).unwrap();
            del += c.deletion;
            srg += c.srg;
        }
        (del / n as f64, srg / n as f64)
    };
    let random = mean(None);
    for method in ["occlusion", "gradxinput"] {
        let m = mean(Some(method));
        eprintln!(
            "{method}: deletion AUC {:.4} vs random {:.4} (margin {:.4}); SRG {:.4} vs random {:.4} (margin {:.4})",
            m.0,
            random.0,
            random.0 - m.0,
            m.1,
            random.1,
            m.1 - random.1
        );
        assert!(m.0 < random.0 && m.1 > random.1, "{method}: {m:?} vs random {random:?}");
    }
}
