//! ONNX import against the exporters' own numbers: fixtures made by PyTorch's TorchScript
//! exporter (opset 17) and dynamo exporter (opset 18, weights in a `.data` file) by
//! `scripts/make-onnx-fixtures.py`, with PyTorch's logits and vanilla gradient stored beside them.
#![cfg(all(not(target_arch = "wasm32"), feature = "onnx"))]

use saliency::graph::{Maps, ReluRule};
use saliency::onnx::{self, Imported};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/onnx");

struct Reference {
    shape: [usize; 3],
    input: Vec<f32>,
    logits: Vec<f32>,
    target: usize,
    vanilla: Vec<f32>,
}

fn reference(name: &str) -> Reference {
    let text = std::fs::read_to_string(format!("{DIR}/{name}.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let floats = |k: &str| v[k].as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect::<Vec<_>>();
    let s: Vec<usize> = v["shape"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect();
    Reference {
        shape: [s[0], s[1], s[2]],
        input: floats("input_nchw"),
        logits: floats("logits"),
        target: v["target"].as_u64().unwrap() as usize,
        vanilla: floats("vanilla_nchw"),
    }
}

fn load(name: &str) -> Imported {
    let model = std::fs::read(format!("{DIR}/{name}.onnx")).unwrap();
    let data = std::fs::read(format!("{DIR}/{name}.onnx.data")).ok();
    onnx::import(&model, data.as_deref()).unwrap()
}

fn close(what: &str, got: &[f32], want: &[f32], tol: f32) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let scale = want.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-12);
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= tol * scale, "{what}[{i}]: {g} vs PyTorch {w} (max |·| {scale})");
    }
}

fn check(name: &str, head: &str) {
    let m = load(name);
    let r = reference(name);
    let [c, h, w] = r.shape;
    assert_eq!(m.graph.input_shape(), saliency::graph::Shape::new(c, h, w));
    assert_eq!(m.removed_head, Some(head));
    let t = m.graph.forward(Maps::from_chw(&r.input, c, h, w));
    close(&format!("{name} logits"), &t.output().data, &r.logits, 1e-5);
    let seed = Maps::one_hot(r.logits.len(), r.target);
    let g = m.graph.backward(&t, seed, ReluRule::Gradient, 0).to_chw();
    close(&format!("{name} vanilla gradient"), &g, &r.vanilla, 1e-5);
}

#[test]
fn torchscript_export_matches_pytorch() {
    check("residual", "Softmax");
}

#[test]
fn dynamo_export_with_external_data_matches_pytorch() {
    check("small", "LogSoftmax");
}

#[test]
fn nodes_keep_the_exporters_names_and_batch_norm_stays_a_node() {
    let m = load("residual");
    let names: Vec<(&str, &str)> = m.graph.nodes().iter().map(|n| (n.name.as_str(), n.op.kind())).collect();
    assert!(names.contains(&("/stem/Conv", "Conv")), "{names:?}");
    assert!(names.contains(&("/bn1/BatchNormalization", "BatchNormalization")), "{names:?}");
    assert!(names.iter().any(|&(_, k)| k == "Concat") && names.iter().any(|&(_, k)| k == "AveragePool"));
    assert!(m.graph.parameters() > 0 && m.graph.flops() > 0);
}

#[test]
fn bad_files_are_refused_by_what_is_wrong() {
    let model = std::fs::read(format!("{DIR}/small.onnx")).unwrap();
    let err = onnx::import(&model, None).unwrap_err().to_string();
    assert!(err.contains("small.onnx.data") && err.contains("not given"), "{err}");
    assert_eq!(onnx::external_data_names(&model).unwrap(), ["small.onnx.data"]);
    let data = std::fs::read(format!("{DIR}/small.onnx.data")).unwrap();
    let err = onnx::import(&model, Some(&data[..100])).unwrap_err().to_string();
    assert!(err.contains("which has 100 bytes"), "{err}");
    let whole = std::fs::read(format!("{DIR}/residual.onnx")).unwrap();
    assert!(onnx::import(&whole[..whole.len() / 2], None).is_err(), "a truncated model");
    let err = onnx::import(b"these are my notes, not a model", None).unwrap_err().to_string();
    assert!(err.contains("not an ONNX model") || err.contains("not a model"), "{err}");
}
