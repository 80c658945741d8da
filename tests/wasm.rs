//! Runs in headless Chrome via `wasm-pack test --headless --chrome`: the WASM face loads the
//! shipped weights, classifies bundled MNIST test digits, and gives the native answers (stored by
//! tests/parity_fixture.rs) to 1e-5, through the same wasm-bindgen API the page uses.
#![cfg(target_arch = "wasm32")]

use js_sys::{Float32Array, Object, Reflect};
use safetensors::SafeTensors;
use saliency::wasm::{Model, methods, to_map};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

const MNIST: &[u8] = include_bytes!("../pretrained/mnist.safetensors");
const CIFAR: &[u8] = include_bytes!("../pretrained/cifar10.safetensors");
const FIXTURE: &[u8] = include_bytes!("fixtures/parity.safetensors");

fn fixture(name: &str) -> Vec<f32> {
    let st = SafeTensors::deserialize(FIXTURE).expect("fixture");
    let t = st.tensor(name).unwrap_or_else(|_| panic!("fixture lacks {name}"));
    t.data().chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

fn argmax(v: &[f32]) -> usize {
    (0..v.len()).fold(0, |b, i| if v[i] > v[b] { i } else { b })
}

#[wasm_bindgen_test]
fn classifies_bundled_digits_and_matches_native_gradients() {
    let model = Model::new(MNIST, Some("mnist".into())).expect("weights load");
    assert_eq!(model.dataset(), "mnist");
    let images = fixture("mnist/images");
    let labels = fixture("mnist/labels");
    let grads = fixture("mnist/gradients");
    for (k, img) in images.chunks(784).enumerate() {
        let label = labels[k] as usize;
        let p = model.predict(img).expect("predict");
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        assert_eq!(argmax(&p), label, "digit {k}");
        let g = model.gradient(img, label).expect("gradient");
        let d = max_abs_diff(&g, &grads[k * 784..(k + 1) * 784]);
        assert!(d <= 1e-5, "digit {k}: gradient differs from native by {d}");
    }
}

fn options(method: &str) -> JsValue {
    // Same options as tests/parity_fixture.rs::fixture_options.
    let o = Object::new();
    for (k, v) in [("method", JsValue::from(method)), ("samples", 8.into()), ("steps", 16.into()), ("seed", 3.into())] {
        Reflect::set(&o, &k.into(), &v).unwrap();
    }
    o.into()
}

/// Maps agree to 1e-5 except where float32 rounding, which differs between native and WASM SIMD
/// kernels, is amplified: occlusion maps divide logit drops (rounding ~1e-7) by a small range, and
/// IG on a photo integrates gradients at dimmed copies where identical 3x3 neighbourhoods make
/// exact max-pool ties that an ulp of rounding can route differently.
fn map_tolerance(dataset: &str, method: &str) -> f32 {
    match (dataset, method) {
        ("cifar10", "occlusion") => 1e-4,
        ("cifar10", "ig") => 1e-2,
        _ => 1e-5,
    }
}

#[wasm_bindgen_test]
fn every_method_gives_the_native_maps() {
    let mut failures = Vec::new();
    for (bytes, id) in [(MNIST, "mnist"), (CIFAR, "cifar10")] {
        let model = Model::new(bytes, None).expect("weights load");
        assert_eq!(model.dataset(), id);
        let img = fixture(&format!("{id}/image"));
        for m in methods() {
            let out = model.explain(&img, options(&m)).expect("explain");
            let raw = Float32Array::from(Reflect::get(&out, &"raw".into()).unwrap()).to_vec();
            let channels = Reflect::get(&out, &"rawChannels".into()).unwrap().as_f64().unwrap() as usize;
            let want_raw = fixture(&format!("{id}/{m}/raw"));
            let scale = want_raw.iter().fold(1f32, |a, v| a.max(v.abs()));
            // Raw values are compared relative to their largest magnitude (float32 sums run in
            // another order under WASM SIMD); the maps, which users see, to 1e-5 absolute.
            let d = max_abs_diff(&raw, &want_raw);
            let map = to_map(&raw, channels, JsValue::UNDEFINED).expect("map");
            let dm = max_abs_diff(&map, &fixture(&format!("{id}/{m}/map")));
            web_sys::console::log_1(&format!("{id} {m}: raw differs by {d} (largest {scale}), map by {dm}").into());
            if d > 1e-4 * scale || dm > map_tolerance(id, &m) {
                failures.push(format!("{id} {m}: raw differs by {d} (largest value {scale}), map by {dm}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[wasm_bindgen_test]
fn bad_input_is_a_js_error_not_a_trap() {
    assert!(Model::new(b"not weights", None).is_err());
    assert!(Model::new(MNIST, Some("cifar10".into())).is_err());
    let model = Model::new(MNIST, None).unwrap();
    assert!(model.predict(&[0.0; 10]).is_err());
    let mut nan = vec![0.0f32; 784];
    nan[3] = f32::NAN;
    assert!(model.predict(&nan).is_err());
    assert!(model.gradient(&[0.0; 784], 12).is_err());
    assert!(model.explain(&[0.0; 784], options("nonsense")).is_err());
    // Still works afterwards.
    assert_eq!(model.predict(&[0.0; 784]).unwrap().len(), 10);
}
