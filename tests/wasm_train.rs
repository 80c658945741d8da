//! Training in the tab (feature `train`, `wasm::Training`) in headless Chrome: steps lower the
//! loss on a learnable task, a seed repeats exactly, the weights it writes load as a `Model`
//! that answers as the trainer measured, and bad input is refused by name.
#![cfg(all(target_arch = "wasm32", feature = "train"))]

use js_sys::{Object, Reflect};
use saliency::rng::Rng;
use saliency::wasm::{Model, Training};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

/// `n` 28×28 images whose class k is a bright bar across rows 2k+3..2k+5, on noise.
fn bars(n: usize, seed: u64) -> (Vec<u8>, Vec<u8>) {
    let mut rng = Rng::new(seed);
    let mut pixels = Vec::with_capacity(n * 784);
    let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
    for &k in &labels {
        for y in 0..28 {
            for _ in 0..28 {
                let bar = (2 * k as usize + 3..2 * k as usize + 5).contains(&y);
                pixels.push(if bar { 200 + rng.below(56) as u8 } else { rng.below(60) as u8 });
            }
        }
    }
    (pixels, labels)
}

fn options(pairs: &[(&str, f64)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &(*k).into(), &(*v).into()).unwrap();
    }
    o.into()
}

fn get(v: &JsValue, k: &str) -> f64 {
    Reflect::get(v, &k.into()).unwrap().as_f64().unwrap()
}

#[wasm_bindgen_test]
fn training_steps_learn_repeat_for_a_seed_and_write_loadable_weights() {
    let (pixels, labels) = bars(500, 1);
    let opts = || Some(options(&[("batchSize", 50.0), ("seed", 7.0)]));
    let mut t = Training::new("mnist", pixels.clone(), labels.clone(), opts()).unwrap();
    assert_eq!(t.steps_per_epoch(), 8, "400 of 500 train, in batches of 50");
    let losses: Vec<f64> = (0..12).map(|_| get(&t.step().unwrap(), "loss")).collect();
    assert!(losses[11] < losses[0] * 0.5, "the loss falls: {losses:?}");
    assert_eq!((t.steps(), t.epoch()), (12.0, 1));
    let (test_pixels, test_labels) = bars(100, 2);
    let m = t.evaluate(&test_pixels, &test_labels).unwrap();
    assert!(get(&m, "accuracy") > 0.5, "above chance on new images: {}", get(&m, "accuracy"));

    let mut again = Training::new("mnist", pixels.clone(), labels.clone(), opts()).unwrap();
    (0..12).for_each(|_| drop(again.step().unwrap()));
    let bytes = t.weights().unwrap();
    assert!(again.weights().unwrap() == bytes, "the same seed gives the same weights");

    let model = Model::new(&bytes, Some("mnist".into())).unwrap();
    let right = (0..100)
        .filter(|&i| {
            let image: Vec<f32> = test_pixels[i * 784..][..784].iter().map(|&p| f32::from(p) / 255.0).collect();
            let p = model.predict(&image).unwrap();
            let best = p.iter().enumerate().fold(0, |b, (j, &v)| if v > p[b] { j } else { b });
            best == test_labels[i] as usize
        })
        .count();
    assert_eq!(right as f64 / 100.0, get(&m, "accuracy"), "the loaded weights answer as the trainer measured");
}

#[wasm_bindgen_test]
fn bad_training_input_is_refused_by_name() {
    let (pixels, labels) = bars(20, 1);
    let err = |r: Result<Training, wasm_bindgen::JsError>| {
        let e: JsValue = r.err().expect("refused").into();
        js_sys::Error::from(e).message().as_string().unwrap()
    };
    let msg = err(Training::new("mnist", pixels[..700].to_vec(), labels.clone(), None));
    assert!(msg.contains("not 20 images"), "{msg}");
    let msg = err(Training::new("mnist", pixels.clone(), labels.clone(), Some(options(&[("learningRate", -1.0)]))));
    assert!(msg.contains("learning rate"), "{msg}");
    let msg = err(Training::new("mnist", pixels.clone(), labels.clone(), Some(options(&[("batchsize", 5.0)]))));
    assert!(msg.contains("batchsize"), "{msg}");
    let msg = err(Training::new("svhn", pixels, labels, None));
    assert!(msg.contains("svhn"), "{msg}");
    let (pixels, labels) = bars(30, 3);
    let mut t =
        Training::new("mnist", pixels, labels, Some(options(&[("learningRate", 1e9), ("batchSize", 8.0)]))).unwrap();
    let stopped = (0..30).find_map(|_| t.step().err());
    let e: JsValue = stopped.expect("lr 1e9 blows up").into();
    let msg = js_sys::Error::from(e).message().as_string().unwrap();
    assert!(msg.contains("too high"), "{msg}");
}
