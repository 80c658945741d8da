//! The importer build (feature `onnx`, www/pkg-onnx) in headless Chrome: `Model.fromOnnx` loads
//! the PyTorch fixtures (one file; a model plus its `.onnx.data`) and gives PyTorch's logits and
//! vanilla gradient to 1e-5 through the same API as the shipped models, as does the Keras fixture
//! (tf2onnx) TensorFlow's; randomisation works on them; bad files are named.
#![cfg(all(target_arch = "wasm32", feature = "onnx"))]

use js_sys::{Float32Array, Object, Reflect};
use saliency::wasm::Model;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

const RESIDUAL: &[u8] = include_bytes!("fixtures/onnx/residual.onnx");
const RESIDUAL_REF: &str = include_str!("fixtures/onnx/residual.json");
const SMALL: &[u8] = include_bytes!("fixtures/onnx/small.onnx");
const SMALL_DATA: &[u8] = include_bytes!("fixtures/onnx/small.onnx.data");
const SMALL_REF: &str = include_str!("fixtures/onnx/small.json");
const KERAS: &[u8] = include_bytes!("fixtures/onnx/keras.onnx");
const KERAS_REF: &str = include_str!("fixtures/onnx/keras.json");

/// (input H x W x C, logits, target, vanilla H x W x C) of a fixture's reference.
fn reference(text: &str) -> (Vec<f32>, Vec<f32>, usize, Vec<f32>) {
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    let s: Vec<usize> = v["shape"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect();
    let (c, hw) = (s[0], s[1] * s[2]);
    let floats = |k: &str| v[k].as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect::<Vec<_>>();
    let hwc = |chw: Vec<f32>| (0..hw).flat_map(|p| (0..c).map(|k| chw[k * hw + p]).collect::<Vec<_>>()).collect();
    (hwc(floats("input_nchw")), floats("logits"), v["target"].as_u64().unwrap() as usize, hwc(floats("vanilla_nchw")))
}

fn close(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}");
    let scale = want.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-12);
    let d = got.iter().zip(want).fold(0f32, |m, (a, b)| m.max((a - b).abs()));
    assert!(d <= 1e-5 * scale, "{what}: {d} (scale {scale})");
}

fn message(e: wasm_bindgen::JsError) -> String {
    let v: JsValue = e.into();
    Reflect::get(&v, &"message".into()).ok().and_then(|m| m.as_string()).unwrap_or_default()
}

#[wasm_bindgen_test]
fn pytorch_exports_explain_as_pytorch_computes() {
    for (model, data, text) in
        [(RESIDUAL, None, RESIDUAL_REF), (SMALL, Some(SMALL_DATA.to_vec()), SMALL_REF), (KERAS, None, KERAS_REF)]
    {
        let (input, logits, target, vanilla) = reference(text);
        let m = Model::from_onnx(model, data, None).unwrap();
        close("logits", &m.logits(&input).unwrap(), &logits);
        close("vanilla", &m.gradient(&input, target as f64).unwrap(), &vanilla);
        let opts = Object::new();
        Reflect::set(&opts, &"method".into(), &"gradcam".into()).unwrap();
        let e = m.explain(&input, Some(opts.into())).unwrap();
        let raw = Float32Array::from(Reflect::get(&e, &"raw".into()).unwrap()).to_vec();
        assert!(raw.iter().all(|v| v.is_finite()) && raw.iter().any(|v| *v != 0.0));
        assert!(!m.layers().is_empty() && m.layers().contains(&m.default_layer()));
        assert_eq!(m.class_names().len(), logits.len());
        assert!(m.model_card().is_ok());
        // The randomisation re-draws its Conv and Gemm layers, each depth a different network.
        let layers = m.randomised_layers();
        assert!(!layers.is_empty());
        let deepest = m.randomized(layers.len() as f64, 0).unwrap();
        assert_ne!(deepest.logits(&input).unwrap(), m.logits(&input).unwrap());
        assert!(m.randomized(layers.len() as f64 + 1.0, 0).is_err());
        assert!(m.randomisation(0).is_ok());
    }
    assert_eq!(saliency::wasm::parse_labels(b"cat\ndog\n").unwrap(), ["cat", "dog"]);
    assert_eq!(saliency::wasm::parse_labels(br#"["a", "b"]"#).unwrap(), ["a", "b"]);
}

#[wasm_bindgen_test]
fn bad_files_and_options_are_named() {
    let e = message(Model::from_onnx(SMALL, None, None).err().unwrap());
    assert!(e.contains("small.onnx.data") && e.contains("not given"), "{e}");
    let e = message(Model::from_onnx(b"not a model at all", None, None).err().unwrap());
    assert!(e.contains("ONNX"), "{e}");
    let opts = Object::new();
    Reflect::set(&opts, &"classNames".into(), &js_sys::Array::of2(&"a".into(), &"b".into())).unwrap();
    let e = message(Model::from_onnx(RESIDUAL, None, Some(opts.into())).err().unwrap());
    assert!(e.contains("2 class names for a model with 5 outputs"), "{e}");
}
