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
        // A loaded model's layers are built field by field (not by their configs' init): the
        // same strides, kernels, dilations, groups and padding as burn's configured layers.
        for (a, b) in [(&m.conv1, &back.conv1), (&m.conv2, &back.conv2)] {
            assert_eq!(
                (a.stride, a.kernel_size, a.dilation, a.groups),
                (b.stride, b.kernel_size, b.dilation, b.groups)
            );
            assert_eq!(format!("{:?}", a.padding), format!("{:?}", b.padding));
        }
        assert_eq!(m.dropout.prob, back.dropout.prob);
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

/// The raw (int8 values, scales) of a quantised tensor in a file.
fn int8_tensor(bytes: &[u8], name: &str) -> (Vec<i8>, Vec<f32>) {
    let st = safetensors::SafeTensors::deserialize(bytes).unwrap();
    let q = st.tensor(name).unwrap();
    assert_eq!(q.dtype(), Dtype::I8, "{name}");
    let s = st.tensor(&format!("{name}.scale")).unwrap();
    assert_eq!(s.dtype(), Dtype::F32);
    let scales = s.data().chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    (q.data().iter().map(|b| *b as i8).collect(), scales)
}

#[test]
fn int8_storage_quantises_per_output_channel_and_is_exact_on_its_own_grid() {
    let kind = DatasetKind::Mnist;
    let mut s = common::zero_set(kind);
    let w = s.tensors.get_mut("fc2.weight").unwrap(); // [10, 256]
    // Channel 0: max 1, so the scale is the smallest 4-bit-mantissa value >= 1/127: 9/1024.
    w[..3].copy_from_slice(&[1.0, -0.5, 0.25]);
    // Channel 1 already lies on the grid of 1/128 (q = 113, -3): stored exactly, scale kept.
    w[256..258].copy_from_slice(&[113.0 / 128.0, -3.0 / 128.0]);
    s.tensors.get_mut("conv1.bias").unwrap()[0] = 0.1; // biases stay f32
    s.tensors.get_mut("conv1.weight").unwrap()[0] = 0.3; // and so does conv1
    let bytes = s.to_safetensors(StoreDtype::Int8).unwrap();
    let (q, scales) = int8_tensor(&bytes, "fc2.weight");
    assert_eq!(scales.len(), 10);
    assert_eq!(&q[..3], &[114, -57, 28]);
    assert_eq!(scales[0], 9.0 / 1024.0);
    assert_eq!(&q[256..258], &[113, -3]);
    assert_eq!(scales[1], 1.0 / 128.0);
    assert!(q[512..].iter().all(|v| *v == 0), "all-zero channels stay zero");
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    assert_eq!(st.tensor("conv1.weight").unwrap().dtype(), Dtype::F32);
    let back = weights::parse(&bytes, Some(kind)).unwrap();
    let bw = &back.tensors["fc2.weight"];
    assert_eq!(&bw[..3], &[114.0 * 9.0 / 1024.0, -57.0 * 9.0 / 1024.0, 28.0 * 9.0 / 1024.0]);
    assert_eq!(&bw[256..258], &[113.0 / 128.0, -3.0 / 128.0]);
    assert_eq!((back.tensors["conv1.bias"][0], back.tensors["conv1.weight"][0]), (0.1, 0.3));
    // Quantising what an int8 file decodes to changes nothing, and f16 holds its int8 values exactly.
    assert!(back.to_safetensors(StoreDtype::Int8).unwrap() == bytes);
    let f16 = weights::parse(&back.to_safetensors(StoreDtype::F16).unwrap(), Some(kind)).unwrap();
    assert_eq!(f16.tensors["fc2.weight"], back.tensors["fc2.weight"]);
}

#[test]
fn int8_round_trip_of_trained_sized_weights_is_stable_small_and_close() {
    for kind in DatasetKind::ALL {
        let m = random_model(kind);
        let f32_bytes = WeightSet::from_model(&m).to_safetensors(StoreDtype::F32).unwrap();
        let bytes = WeightSet::from_model(&m).to_safetensors(StoreDtype::Int8).unwrap();
        assert!(bytes.len() < f32_bytes.len() * 27 / 100, "{} vs {}", bytes.len(), f32_bytes.len());
        let set = weights::parse(&bytes, Some(kind)).unwrap();
        assert!(set.to_safetensors(StoreDtype::Int8).unwrap() == bytes, "{kind:?}: re-quantising moved a value");
        // The weights are exact in f16 (biases stay f32, and these random ones are not f16 values).
        let half = weights::parse(&set.to_safetensors(StoreDtype::F16).unwrap(), Some(kind)).unwrap();
        // Each weight moves by at most half a step of its channel's scale.
        let before = WeightSet::from_model(&m);
        for name in ["conv2.weight", "fc1.weight", "fc2.weight"] {
            assert!(half.tensors[name] == set.tensors[name], "{kind:?} {name}: not exact in f16");
            let (_, scales) = int8_tensor(&bytes, name);
            let per = before.tensors[name].len() / scales.len();
            for (i, (a, b)) in before.tensors[name].iter().zip(&set.tensors[name]).enumerate() {
                assert!((a - b).abs() <= scales[i / per] / 2.0, "{kind:?} {name}[{i}]: {a} -> {b}");
            }
        }
        let d = common::max_abs_diff(&logits(&m, kind), &logits(&set.to_model(&default_device()), kind));
        assert!(d > 0.0 && d < 2e-2, "{kind:?}: int8 logits differ by {d}");
    }
}

#[test]
fn broken_int8_files_name_the_problem() {
    let kind = DatasetKind::Mnist;
    let good = common::zero_set(kind).to_safetensors(StoreDtype::Int8).unwrap();
    assert!(weights::parse(&good, Some(kind)).is_ok());
    let st = safetensors::SafeTensors::deserialize(&good).unwrap();
    type Entry = (String, Dtype, Vec<usize>, Vec<u8>);
    let entries = || -> Vec<Entry> {
        st.tensors().into_iter().map(|(n, v)| (n, v.dtype(), v.shape().to_vec(), v.data().to_vec())).collect()
    };
    let with = |f: &dyn Fn(&mut Vec<Entry>)| {
        let mut e = entries();
        f(&mut e);
        let views: Vec<(String, TensorView)> =
            e.iter().map(|(n, d, s, b)| (n.clone(), TensorView::new(*d, s.clone(), b).unwrap())).collect();
        load_err(&safetensors::serialize(views, None::<HashMap<String, String>>).unwrap(), Some(kind))
    };
    let msg = with(&|e| e.retain(|t| t.0 != "fc1.weight.scale"));
    assert!(msg.contains("'fc1.weight' is int8 but 'fc1.weight.scale' is missing"), "{msg}");
    let msg = with(&|e| {
        let s = e.iter_mut().find(|t| t.0 == "conv2.weight.scale").unwrap();
        (s.2, s.3) = (vec![63], vec![0; 63 * 4]);
    });
    assert!(msg.contains("'conv2.weight.scale' has shape [63], expected [64]"), "{msg}");
    let msg = with(&|e| {
        e.iter_mut().find(|t| t.0 == "fc2.weight.scale").unwrap().3[4..8].copy_from_slice(&(-1f32).to_le_bytes())
    });
    assert!(msg.contains("'fc2.weight.scale' holds a negative scale at 1"), "{msg}");
    let msg = with(&|e| {
        e.iter_mut().find(|t| t.0 == "conv2.weight.scale").unwrap().3[..4].copy_from_slice(&f32::NAN.to_le_bytes())
    });
    assert!(msg.contains("'conv2.weight.scale' holds a non-finite value at 0"), "{msg}");
    let msg = with(&|e| e.push(("fc1.bias.scale".into(), Dtype::F32, vec![256], vec![0; 1024])));
    assert!(msg.contains("unexpected tensors [\"fc1.bias.scale\"]"), "{msg}");
    let msg = with(&|e| e.iter_mut().find(|t| t.0 == "fc2.weight.scale").unwrap().1 = Dtype::I32);
    assert!(msg.contains("'fc2.weight.scale' has dtype I32"), "{msg}");
}

#[test]
fn shipped_int8_and_f16_files_load_to_the_same_network() {
    for kind in DatasetKind::ALL {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("pretrained");
        let int8 = std::fs::read(dir.join(format!("{}.int8.safetensors", kind.id()))).unwrap();
        let f16 = std::fs::read(dir.join(format!("{}.safetensors", kind.id()))).unwrap();
        let exact = |b: &[u8]| weights::parse(b, Some(kind)).unwrap().to_safetensors(StoreDtype::F32).unwrap();
        assert!(exact(&int8) == exact(&f16), "{kind:?}: the two files hold different values");
        // The page's download is about half the f16 file.
        assert!(int8.len() * 100 < f16.len() * 51, "{kind:?}: {} vs {}", int8.len(), f16.len());
    }
}
