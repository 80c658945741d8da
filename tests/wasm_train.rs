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
        let Err(e) = r else { panic!("accepted") };
        let e: JsValue = e.into();
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

/// The page's pool: two Trainings share each step's chunks in contiguous halves, each sends its
/// share's tree nodes, both apply all of them: the same weights as a third stepping alone.
#[wasm_bindgen_test]
fn shares_summed_by_two_trainings_give_the_weights_of_one() {
    let (pixels, labels) = bars(300, 4);
    let opts = || Some(options(&[("batchSize", 35.0), ("seed", 3.0)]));
    let mut alone = Training::new("mnist", pixels.clone(), labels.clone(), opts()).unwrap();
    let mut pair = [
        Training::new("mnist", pixels.clone(), labels.clone(), opts()).unwrap(),
        Training::new("mnist", pixels, labels, opts()).unwrap(),
    ];
    for _ in 0..8 {
        let log = alone.step().unwrap();
        let n = pair[0].chunks();
        assert!(pair[0].share_sums(0, n + 1).is_err(), "no chunk past the last");
        let parts = js_sys::Array::new();
        for (k, (lo, hi)) in [(0, n / 2), (n / 2, n)].into_iter().enumerate() {
            for p in js_sys::Array::from(&pair[k].share_sums(lo, hi).unwrap()).iter() {
                parts.push(&p);
            }
        }
        for t in &mut pair {
            let shared = t.apply_parts(parts.clone().into()).unwrap();
            assert_eq!(get(&shared, "loss"), get(&log, "loss"));
        }
    }
    let bytes = alone.weights().unwrap();
    assert!(pair.iter().all(|t| t.weights().unwrap() == bytes), "shared chunks, the same weights");
    let message = |r: Result<JsValue, wasm_bindgen::JsError>| {
        let e: JsValue = r.expect_err("refused").into();
        js_sys::Error::from(e).message().as_string().unwrap()
    };
    let part = js_sys::Array::from(&pair[0].share_sums(0, 1).unwrap()).get(0);
    let msg = message(pair[0].apply_parts(js_sys::Array::of1(&part).into()));
    assert!(msg.contains("do not cover"), "{msg}");
    Reflect::set(&part, &"gradient".into(), &js_sys::Float32Array::new_with_length(3).into()).unwrap();
    let msg = message(pair[0].apply_parts(js_sys::Array::of1(&part).into()));
    assert!(msg.contains("parameters"), "{msg}");
    Reflect::set(&part, &"count".into(), &0.5.into()).unwrap();
    let msg = message(pair[0].apply_parts(js_sys::Array::of1(&part).into()));
    assert!(msg.contains("whole number"), "{msg}");
}

/// The Train view's reader: MNIST IDX pairs (here made up, 3 images) become labelled images;
/// anything else is refused by name.
#[wasm_bindgen_test]
fn training_files_are_read_and_others_refused_by_name() {
    use js_sys::{Array, Object, Uint8Array};
    let idx = |magic: u32, dims: &[u32], body: &[u8]| {
        let mut b: Vec<u8> = magic.to_be_bytes().to_vec();
        dims.iter().for_each(|d| b.extend(d.to_be_bytes()));
        b.extend(body);
        b
    };
    let file = |name: &str, bytes: &[u8]| {
        let o = Object::new();
        Reflect::set(&o, &"name".into(), &name.into()).unwrap();
        Reflect::set(&o, &"bytes".into(), &Uint8Array::from(bytes).into()).unwrap();
        JsValue::from(o)
    };
    let images = idx(2051, &[3, 28, 28], &vec![7u8; 3 * 784]);
    let labels = idx(2049, &[3], &[1, 2, 3]);
    let files = Array::of2(&file("train-images-idx3-ubyte", &images), &file("train-labels-idx1-ubyte", &labels));
    let found = saliency::wasm::read_training_files(files.into()).unwrap();
    assert_eq!(Reflect::get(&found, &"dataset".into()).unwrap().as_string().unwrap(), "mnist");
    let train = Reflect::get(&found, &"train".into()).unwrap();
    assert_eq!(Uint8Array::from(Reflect::get(&train, &"labels".into()).unwrap()).to_vec(), vec![1, 2, 3]);
    assert_eq!(Uint8Array::from(Reflect::get(&train, &"pixels".into()).unwrap()).length(), 3 * 784);
    assert!(Reflect::get(&found, &"test".into()).unwrap().is_undefined());
    let refused = |files: Array| {
        let e: JsValue = saliency::wasm::read_training_files(files.into()).expect_err("refused").into();
        js_sys::Error::from(e).message().as_string().unwrap()
    };
    let msg = refused(Array::of1(&file("holiday.jpg", &[1, 2, 3])));
    assert!(msg.contains("“holiday.jpg”"), "{msg}");
    let msg =
        refused(Array::of2(&file("train-images-idx3-ubyte", &images), &file("train-labels-idx1-ubyte", &labels[..9])));
    assert!(msg.contains("train-labels-idx1-ubyte") && msg.contains("bytes"), "{msg}");
}
