//! What callers hand in is checked before any work: option objects (unknown keys, types, ranges,
//! caps), pixels, raw attributions. The JS face uses exactly these paths (tests/wasm.rs checks
//! them through wasm-bindgen too).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use saliency::DatasetKind;
use saliency::attribution::MethodOptions;
use saliency::explain::explain;
use saliency::postprocess::{self, PostProcess};
use saliency::validate::{MAX_BATCH, options_from_json_text};

fn opts(json: &str) -> saliency::Result<MethodOptions> {
    options_from_json_text(json.as_bytes())
}

fn post(json: &str) -> saliency::Result<PostProcess> {
    options_from_json_text::<PostProcess>(json.as_bytes()).and_then(|p| p.check().map(|_| p))
}

#[test]
fn unknown_option_keys_are_named() {
    let e = opts(r#"{"methd":"ig"}"#).unwrap_err().to_string();
    assert!(e.contains("unknown option `methd`") && e.contains("method, target, batchSize"), "{e}");
    let e = post(r#"{"normalise":{"kind":"min-max"}}"#).unwrap_err().to_string();
    assert!(e.contains("unknown field `normalise`"), "{e}");
    let e = post(r#"{"normalize":{"kind":"percentile","p":99,"q":1}}"#).unwrap_err().to_string();
    assert!(e.contains("normalize") && e.contains("unknown field `q`"), "{e}");
}

#[test]
fn wrong_types_and_values_name_the_key() {
    let e = opts(r#"{"samples":"many"}"#).unwrap_err().to_string();
    assert!(e.starts_with("options: samples:"), "{e}");
    let e = opts(r#"{"samples":2.5}"#).unwrap_err().to_string();
    assert!(e.contains("samples"), "{e}");
    let e = opts(r#"{"target":-1}"#).unwrap_err().to_string();
    assert!(e.contains("target"), "{e}");
    let e = opts(r#"{"method":"nonsense"}"#).unwrap_err().to_string();
    assert!(e.contains("unknown method 'nonsense'"), "{e}");
    let e = post(r#"{"sign":"sideways"}"#).unwrap_err().to_string();
    assert!(e.contains("sign"), "{e}");
    assert!(opts("not json").unwrap_err().to_string().contains("not valid JSON"));
}

#[test]
fn percentile_must_be_in_0_100() {
    for p in ["500", "0", "-1", "100.5"] {
        let e = post(&format!(r#"{{"normalize":{{"kind":"percentile","p":{p}}}}}"#)).unwrap_err().to_string();
        assert!(e.contains("(0, 100]"), "p = {p}: {e}");
    }
    for p in ["100", "99", "0.5"] {
        assert!(post(&format!(r#"{{"normalize":{{"kind":"percentile","p":{p}}}}}"#)).is_ok(), "p = {p}");
    }
}

#[test]
fn non_finite_or_ragged_attributions_are_refused_by_post_processing() {
    let e = postprocess::check_raw(&[0.1, f32::NAN, 0.3], 1).unwrap_err().to_string();
    assert!(e.contains("value 1 is not finite"), "{e}");
    assert!(postprocess::check_raw(&[0.1, f32::INFINITY], 1).is_err());
    assert!(postprocess::check_raw(&[0.1; 5], 3).unwrap_err().to_string().contains("do not split into 3 channels"));
    assert!(postprocess::check_raw(&[], 1).unwrap_err().to_string().contains("empty"));
    assert!(postprocess::check_raw(&[0.1; 6], 3).is_ok());
}

#[test]
fn pixels_outside_0_1_are_refused_everywhere() {
    let net = common::pretrained_net(DatasetKind::Mnist);
    let mut img = vec![0.5f32; 784];
    img[100] = 255.0;
    let e = explain(&net, &img, &MethodOptions::default()).unwrap_err().to_string();
    assert!(e.contains("index 100") && e.contains("outside [0, 1]"), "{e}");
    img[100] = -0.5;
    assert!(explain(&net, &img, &MethodOptions::default()).is_err());
    img[100] = 1.0;
    let e = MethodOptions::new("ig").unwrap().with("baseline", vec![2.0; 784]).unwrap_err().to_string();
    assert!(e.contains("baseline") && e.contains("outside [0, 1]"), "{e}");
}

#[test]
fn huge_batch_sizes_are_capped_and_give_the_same_map() {
    let net = common::pretrained_net(DatasetKind::Mnist);
    let img = common::test_set(DatasetKind::Mnist).image_f32(0);
    let small = opts(r#"{"method":"smoothgrad","samples":70,"batchSize":7}"#).unwrap();
    let huge = opts(r#"{"method":"smoothgrad","samples":70,"batchSize":1000000000}"#).unwrap();
    assert_eq!(huge.effective_batch(), MAX_BATCH);
    let a = explain(&net, &img, &small).unwrap().raw;
    let b = explain(&net, &img, &huge).unwrap().raw;
    let d = common::max_abs_diff(&a, &b);
    let scale = a.iter().fold(0f32, |m, v| m.max(v.abs()));
    assert!(d <= 1e-5 * scale, "batching changed SmoothGrad by {d} (largest {scale})");
    let ig_small = explain(&net, &img, &opts(r#"{"method":"ig","steps":90,"batchSize":4}"#).unwrap()).unwrap();
    let ig_huge = explain(&net, &img, &opts(r#"{"method":"ig","steps":90,"batchSize":100000}"#).unwrap()).unwrap();
    let d = common::max_abs_diff(&ig_small.raw, &ig_huge.raw);
    assert!(d <= 1e-5, "batching changed IG by {d}");
}

#[test]
fn calls_needing_too_many_passes_are_refused_before_running() {
    let net = common::pretrained_net(DatasetKind::Mnist);
    let o = opts(r#"{"method":"smoothgrad","base":"ig","samples":10000,"steps":10000}"#).unwrap();
    // Returning at all proves the refusal came first: running would take days.
    let e = explain(&net, &[0.5; 784], &o).unwrap_err().to_string();
    assert!(e.contains("100000000 network passes"), "{e}");
    let e = opts(r#"{"samples":0}"#).unwrap_err().to_string();
    assert!(e.contains("samples: expected a whole number in 1..=10000, got 0"), "{e}");
}
