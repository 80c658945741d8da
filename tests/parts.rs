//! A worker pool splits SmoothGrad's samples, IG's steps and occlusion's patches into parts: the
//! parts' contributions sum to the whole map, the same for any number of parts; methods that do not
//! split say so; bad parts are refused.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use saliency::DatasetKind;
use saliency::attribution::{MethodOptions, Part};
use saliency::explain::{explain, explain_part, explain_parts};

fn options(method: &str, pairs: &[(&str, i64)]) -> MethodOptions {
    let mut o = MethodOptions::new(method).unwrap();
    for &(k, v) in pairs {
        o = o.with(k, v).unwrap();
    }
    o
}

#[test]
fn parts_sum_to_the_whole_map_for_any_number_of_parts() {
    for kind in DatasetKind::ALL {
        let net = common::pretrained_net(kind);
        let img = common::test_set(kind).image_f32(3);
        for (method, pairs) in
            [("smoothgrad", vec![("samples", 10), ("seed", 4)]), ("ig", vec![("steps", 12)]), ("occlusion", vec![])]
        {
            let mut o = options(method, &pairs);
            if method == "smoothgrad" {
                for average in ["abs", "plain", "squared"] {
                    o = o.with("average", average).unwrap();
                    check(&net, &img, &o, &format!("{kind:?} {method} {average}"));
                }
            } else {
                check(&net, &img, &o, &format!("{kind:?} {method}"));
            }
        }
    }
}

fn check(net: &saliency::attribution::Network, img: &[f32], o: &MethodOptions, what: &str) {
    let whole = explain(net, img, o).unwrap();
    let scale = whole.raw.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-12);
    for count in [1, 2, 3, 5] {
        let parts: Vec<Vec<f32>> = (0..count)
            .map(|index| explain_part(net, img, o, Part { index, count }).unwrap().expect("splits"))
            .collect();
        let e = explain_parts(net, img, o, &parts).unwrap();
        let d = common::max_abs_diff(&e.raw, &whole.raw) / scale;
        assert!(d < 1e-5, "{what}, {count} parts: relative difference {d}");
        assert_eq!((e.target, e.predicted, e.raw_channels), (whole.target, whole.predicted, whole.raw_channels));
        assert_eq!(e.completeness_gap.is_some(), whole.completeness_gap.is_some(), "{what}");
        // A part is the same whoever computes it, so the same parts give the same map bit for bit.
        let again = explain_part(net, img, o, Part { index: count - 1, count }).unwrap().unwrap();
        assert_eq!(&again, &parts[count - 1]);
    }
}

#[test]
fn methods_that_do_not_split_say_so_and_bad_parts_are_refused() {
    let net = common::pretrained_net(DatasetKind::Mnist);
    let img = common::test_set(DatasetKind::Mnist).image_f32(0);
    let half = Part { index: 0, count: 2 };
    for m in ["vanilla", "gradcam", "scorecam", "lrp"] {
        assert!(explain_part(&net, &img, &options(m, &[]), half).unwrap().is_none(), "{m}");
    }
    let vargrad = options("smoothgrad", &[("samples", 4)]).with("average", "vargrad").unwrap();
    assert!(explain_part(&net, &img, &vargrad, half).unwrap().is_none(), "VarGrad's variance does not split");
    for (index, count) in [(0, 0), (2, 2), (0, 5000)] {
        let e = explain_part(&net, &img, &options("ig", &[]), Part { index, count }).unwrap_err();
        assert!(e.to_string().contains("count must be in 1..=1024"), "{e}");
    }
    let o = options("ig", &[("steps", 4)]);
    assert!(explain_parts(&net, &img, &o, &[]).is_err());
    assert!(explain_parts(&net, &img, &o, &[vec![0.0; 10]]).is_err());
    assert!(explain_parts(&net, &img, &o, &[vec![f32::NAN; 784]]).is_err());
    // More parts than units: the empty parts contribute nothing.
    let parts: Vec<Vec<f32>> =
        (0..7).map(|index| explain_part(&net, &img, &o, Part { index, count: 7 }).unwrap().unwrap()).collect();
    let whole = explain(&net, &img, &o).unwrap();
    assert!(common::max_abs_diff(&explain_parts(&net, &img, &o, &parts).unwrap().raw, &whole.raw) < 1e-5);
}
