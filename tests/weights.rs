//! The safetensors exchange format: round trips, and every kind of broken file.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::collections::HashMap;

use safetensors::{Dtype, tensor::TensorView};
use saliency::Cnn;
use saliency::backend::default_device;
use saliency::model::{DatasetKind, images_to_tensor, to_vec};
use saliency::weights::{self, StoreDtype, WeightSet, expected_shapes};

fn random_model(kind: DatasetKind) -> Cnn {
    Cnn::new(kind, &default_device())
}

fn logits(m: &Cnn, kind: DatasetKind) -> Vec<f32> {
    let x: Vec<f32> = (0..kind.input_len() * 2).map(|i| (i % 17) as f32 / 16.0).collect();
    to_vec(m.forward(images_to_tensor(kind, &x, &default_device()).unwrap()))
}

/// Serialises arbitrary (name, dtype, shape, bytes) entries.
fn raw_file(entries: Vec<(&str, Dtype, Vec<usize>, Vec<u8>)>) -> Vec<u8> {
    let views: Vec<(String, TensorView)> =
        entries.iter().map(|(n, d, s, b)| (n.to_string(), TensorView::new(*d, s.clone(), b).unwrap())).collect();
    safetensors::serialize(views, None::<HashMap<String, String>>).unwrap()
}

fn valid_entries(kind: DatasetKind) -> Vec<(&'static str, Dtype, Vec<usize>, Vec<u8>)> {
    expected_shapes(kind)
        .into_iter()
        .map(|(n, s)| (n, Dtype::F32, s.clone(), vec![0u8; 4 * s.iter().product::<usize>()]))
        .collect()
}

fn load_err(bytes: &[u8], expected: Option<DatasetKind>) -> String {
    weights::parse(bytes, expected).err().map(|e| e.to_string()).unwrap_or_else(|| "loaded".into())
}

#[test]
fn export_then_load_gives_identical_logits() {
    for kind in DatasetKind::ALL {
        let m = random_model(kind);
        let bytes = WeightSet::from_model(&m).to_safetensors(StoreDtype::F32).unwrap();
        let back = weights::load_model(&bytes, Some(kind), &default_device()).unwrap();
        assert_eq!(logits(&m, kind), logits(&back, kind), "{kind:?}");
        // Re-exporting is byte-identical: the layout is stable.
        assert_eq!(WeightSet::from_model(&back).to_safetensors(StoreDtype::F32).unwrap(), bytes);
        // f16 storage halves the tensor bytes and stays close.
        let half = WeightSet::from_model(&m).to_safetensors(StoreDtype::F16).unwrap();
        assert!(half.len() < bytes.len() * 52 / 100, "{} vs {}", half.len(), bytes.len());
        let hm = weights::load_model(&half, Some(kind), &default_device()).unwrap();
        let d = common::max_abs_diff(&logits(&m, kind), &logits(&hm, kind));
        assert!(d > 0.0 && d < 1e-2, "f16 logits differ by {d}");
    }
}

#[test]
fn exchange_layout_is_pytorch_style() {
    // fc1.weight is [out, in] with `in` in C,H,W order: feature (c=1, h=0, w=0) of hidden unit 0
    // is entry 25 (MNIST: 5x5 positions per channel).
    let mut s = common::zero_set(DatasetKind::Mnist);
    s.tensors.get_mut("fc1.weight").unwrap()[25] = 1.0;
    s.tensors.get_mut("fc2.weight").unwrap()[0] = 1.0; // logit 0 <- h0
    s.tensors.get_mut("conv1.bias").unwrap()[0] = 1.0; // conv1 channel 0 is constantly 1
    // conv2.weight [64,32,3,3]: out channel 1 <- in channel 0, tap (0,0), index 1*32*9 = 288.
    s.tensors.get_mut("conv2.weight").unwrap()[288] = 1.0;
    let m = s.to_model(&default_device());
    let l = logits(&m, DatasetKind::Mnist);
    assert!((l[0] - 1.0).abs() < 1e-6, "logit0 {}", l[0]);
    assert_eq!(l[1], 0.0);
}

#[test]
fn broken_weight_files_name_the_problem() {
    let kind = DatasetKind::Mnist;
    let good = raw_file(valid_entries(kind));
    assert!(weights::parse(&good, Some(kind)).is_ok());

    assert!(load_err(&good[..good.len() - 10], None).contains("not a readable safetensors"));
    assert!(load_err(b"hello", None).contains("not a readable safetensors"));
    assert!(load_err(&good, Some(DatasetKind::Cifar10)).contains("for MNIST but CIFAR10"));

    let mut e = valid_entries(kind);
    e[2].0 = "conv2.kernel";
    let msg = load_err(&raw_file(e), None);
    assert!(msg.contains("missing tensor 'conv2.weight'"), "{msg}");

    let mut e = valid_entries(kind);
    e[4].2 = vec![1600, 256];
    let msg = load_err(&raw_file(e), None);
    assert!(msg.contains("'fc1.weight' has shape [1600, 256], expected [256, 1600]"), "{msg}");

    let mut e = valid_entries(kind);
    e[7] = ("fc2.bias", Dtype::I32, vec![10], vec![0; 40]);
    let msg = load_err(&raw_file(e), None);
    assert!(msg.contains("'fc2.bias' has dtype I32"), "{msg}");

    let mut e = valid_entries(kind);
    e.push(("fc3.weight", Dtype::F32, vec![1], vec![0; 4]));
    let msg = load_err(&raw_file(e), None);
    assert!(msg.contains("fc3.weight"), "{msg}");

    let mut e = valid_entries(kind);
    e[1].3 = f32::NAN.to_le_bytes().repeat(32);
    let msg = load_err(&raw_file(e), None);
    assert!(msg.contains("'conv1.bias' holds a non-finite value"), "{msg}");
}
