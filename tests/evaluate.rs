//! Deletion / insertion / LeRF curves: hand cases for the order, the ties, floor(k H W / K), the
//! trapezoid and the softmax of the target; and on the shipped MNIST weights, occlusion and
//! gradient x input beat the random order; the one-call evaluation; agreement between methods.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use saliency::DatasetKind;
use saliency::agreement::{AgreementOptions, agreement, top_k, top_k_iou};
use saliency::attribution::MethodOptions;
use saliency::evaluate::{EvalOptions, RemovalBaseline, auc, curves, evaluate, order, random_map};
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

#[test]
fn the_one_call_scores_the_reduced_map_and_a_seeded_random_one() {
    let kind = DatasetKind::Mnist;
    let net = common::pretrained_net(kind);
    let img = common::test_set(kind).image_f32(0);
    let o = MethodOptions::new("gradxinput").unwrap();
    let eval = EvalOptions { seed: 7, ..EvalOptions::default() };
    let ev = evaluate(&net, &img, &o, &eval).unwrap();
    let e = explain(&net, &img, &o).unwrap();
    let map = reduce(&e.raw, e.raw_channels, SignView::Absolute, ChannelReduce::Max);
    let by_hand = curves(&net, &img, &map, e.target, 28, RemovalBaseline::Zero).unwrap();
    assert_eq!((ev.target, ev.steps, ev.method), (e.target, 28, "gradxinput"));
    assert_eq!(ev.curves.deletion_curve, by_hand.deletion_curve);
    assert_eq!(ev.curves.insertion_curve, by_hand.insertion_curve);
    assert_eq!(ev.curves.lerf_curve, by_hand.lerf_curve);
    let random = curves(&net, &img, &random_map(784, 7), e.target, 28, RemovalBaseline::Zero).unwrap();
    assert_eq!(ev.random.as_ref().map(|r| &r.deletion_curve), Some(&random.deletion_curve));
    let without = evaluate(&net, &img, &o, &EvalOptions { random: false, ..eval.clone() }).unwrap();
    assert!(without.random.is_none());
    assert_eq!(without.curves.lerf_curve, ev.curves.lerf_curve);
    // A map given by the caller is scored as is; the class is the options' target.
    let given = EvalOptions { map: Some(map.clone()), steps: Some(4), ..EvalOptions::default() };
    let mut o3 = o.clone();
    o3.target = Some(3);
    let ev3 = evaluate(&net, &img, &o3, &given).unwrap();
    assert_eq!(ev3.target, 3);
    assert_eq!(
        ev3.curves.deletion_curve,
        curves(&net, &img, &map, 3, 4, RemovalBaseline::Zero).unwrap().deletion_curve
    );
    let short = EvalOptions { map: Some(map[..100].to_vec()), ..EvalOptions::default() };
    assert!(evaluate(&net, &img, &o, &short).is_err(), "a map of the wrong size is refused");
}

#[test]
fn agreement_is_symmetric_with_ones_on_the_diagonal_and_minus_one_for_a_negation() {
    let kind = DatasetKind::Mnist;
    let net = common::pretrained_net(kind);
    let img = common::test_set(kind).image_f32(1);
    let signed = |m: &str| {
        let e = explain(&net, &img, &MethodOptions::new(m).unwrap()).unwrap();
        reduce(&e.raw, e.raw_channels, SignView::Signed, ChannelReduce::Max)
    };
    let v = signed("vanilla");
    let neg: Vec<f32> = v.iter().map(|x| -x).collect();
    let maps = vec![v.clone(), signed("gradxinput"), signed("occlusion"), neg];
    let a = agreement(&maps, AgreementOptions::default()).unwrap();
    assert_eq!(a.k, 78, "floor(10 % of 784)");
    for i in 0..4 {
        assert_eq!((a.spearman[i][i], a.iou[i][i]), (1.0, 1.0));
        for j in 0..4 {
            assert_eq!(a.spearman[i][j], a.spearman[j][i]);
            assert_eq!(a.iou[i][j], a.iou[j][i]);
            assert!((-1.0..=1.0).contains(&a.spearman[i][j]) && (0.0..=1.0).contains(&a.iou[i][j]));
        }
    }
    assert!((a.spearman[0][3] + 1.0).abs() < 1e-12, "Spearman with the negation: {}", a.spearman[0][3]);
    // Top-k by hand: ties go to the lower index, as in the deletion order.
    assert_eq!(top_k(&[0.0, 2.0, 2.0, 1.0, 2.0], 2), vec![false, true, true, false, false]);
    let (x, y) = ([4.0, 3.0, 2.0, 1.0, 0.0], [0.0, 3.0, 2.0, 1.0, 4.0]);
    assert!((top_k_iou(&x, &y, 2) - 1.0 / 3.0).abs() < 1e-12, "{{0,1}} vs {{4,1}}: 1 / 3");
    assert_eq!(agreement(&[x.to_vec(), y.to_vec()], AgreementOptions { top_percent: 40.0 }).unwrap().k, 2);
    assert!(agreement(&[x.to_vec(), y[..4].to_vec()], AgreementOptions::default()).is_err());
    assert!(agreement(&[x.to_vec(), vec![f32::NAN; 5]], AgreementOptions::default()).is_err());
    assert!(agreement(&[x.to_vec()], AgreementOptions { top_percent: 0.0 }).is_err());
}
