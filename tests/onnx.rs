//! ONNX import against the exporters' own numbers: fixtures made by PyTorch's TorchScript
//! exporter (opset 17) and dynamo exporter (opset 18, weights in a `.data` file) by
//! `scripts/make-onnx-fixtures.py`, with PyTorch's logits and vanilla gradient stored beside them,
//! and a Keras model converted by tf2onnx (`scripts/make-keras-fixture.py`) with TensorFlow's.
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

/// A Keras model converted by tf2onnx: a channel-last input and a Transpose, BatchNorm folded into
/// the conv by the converter, a depthwise conv, 'same' padding, a residual Add.
#[test]
fn keras_export_through_tf2onnx_matches_tensorflow() {
    check("keras", "Softmax");
    assert!(load("keras").channels_last);
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
    // GELU, which the TorchScript exporter writes with an Erf: refused by the exporter's node name.
    let gelu = std::fs::read(format!("{DIR}/unsupported.onnx")).unwrap();
    let err = onnx::import(&gelu, None).unwrap_err().to_string();
    assert!(err.starts_with("model: node “/Erf” (Erf): this op is not supported; supported: Conv"), "{err}");
    // The limits, each refused with its numbers: over 2 GFLOP a pass (few weights, big maps),
    // over 100 MB a file (before it is parsed).
    let heavy = std::fs::read(format!("{DIR}/heavy.onnx")).unwrap();
    let err = onnx::import(&heavy, None).unwrap_err().to_string();
    assert!(err.contains("one forward pass is 20.28 GFLOP; models over 2 GFLOP are refused"), "{err}");
    let big = vec![0u8; onnx::MAX_BYTES + 1];
    let err = onnx::import(&big, None).unwrap_err().to_string();
    assert!(err.contains("the model is 100.0 MB; models over 100 MB are refused"), "{err}");
    // A NaN weight: refused at import instead of every map coming out NaN.
    let nan = std::fs::read(format!("{DIR}/nan.onnx")).unwrap();
    let err = onnx::import(&nan, None).unwrap_err().to_string();
    assert!(err.contains("node “/stem/Conv” (Conv): its input 1 (a constant) holds NaN at index 0"), "{err}");
}

/// The reference input as an H x W x C image (the layout every face of the tool takes).
fn hwc(r: &Reference, chw: &[f32]) -> Vec<f32> {
    let [c, h, w] = r.shape;
    (0..h * w).flat_map(|p| (0..c).map(move |k| chw[k * h * w + p])).collect()
}

#[test]
fn the_default_cam_layer_follows_the_last_conv_through_what_it_alone_feeds() {
    // residual: head Conv -> Relu_2 -> GlobalAveragePool; small: conv2d_2 -> Mul (a constant
    // scale) -> relu6 (Clip), which two nodes read, so the walk stops there.
    for (name, want) in [("residual", "/Relu_2"), ("small", "node_relu6")] {
        let net = load(name).into_network().unwrap();
        assert_eq!(net.default_layer(), want, "{name}");
        assert!(net.layer_names().contains(&want) && !net.layer_names().iter().any(|n| n.contains("Gemm")));
    }
    let names = load("residual").into_network().unwrap().layer_names().join(" ");
    assert!(names.starts_with("/Sub /Div /stem/Conv") && names.ends_with("/head/Conv /Relu_2"), "{names}");
}

#[test]
fn every_method_explains_an_imported_model() {
    use saliency::attribution::{METHODS, MethodOptions};
    use saliency::explain::explain;
    for name in ["residual", "small", "keras"] {
        let r = reference(name);
        let net = load(name).into_network().unwrap();
        let spec = net.spec().clone();
        assert_eq!(spec.class_names.len(), r.logits.len());
        assert_eq!(spec.class_names[0], "class 0", "no class names in the model: numbered");
        let image = hwc(&r, &r.input);
        let references: Vec<f32> = (0..3 * spec.input_len()).map(|i| ((i * 7919) % 1000) as f32 / 999.0).collect();
        for m in METHODS {
            let mut o = MethodOptions::new(m.id).unwrap().with("target", r.target).unwrap();
            if m.id == "expected-gradients" {
                o = o.with("references", references.clone()).unwrap();
            }
            let e = explain(&net, &image, &o).unwrap_or_else(|e| panic!("{name} {}: {e}", m.id));
            assert_eq!(e.target, r.target);
            assert_eq!(e.raw.len(), spec.pixels() * e.raw_channels, "{name} {}", m.id);
            assert!(e.raw.iter().all(|v| v.is_finite()) && e.raw.iter().any(|v| *v != 0.0), "{name} {}", m.id);
            close(&format!("{name} {} logits", m.id), &e.logits, &r.logits, 1e-5);
            if m.id == "vanilla" {
                close(&format!("{name} vanilla map"), &e.raw, &hwc(&r, &r.vanilla), 1e-5);
            }
        }
        // Expected gradients draws from the gallery of the input's channel count, resized to it;
        // references of the wrong size are refused with the size they need.
        let e = explain(&net, &image, &MethodOptions::new("eg").unwrap()).unwrap();
        assert!(e.completeness_gap.is_some_and(f32::is_finite), "{name}");
        let wrong = MethodOptions::new("eg").unwrap().with("references", vec![0.5f32; spec.input_len() + 1]).unwrap();
        let e = explain(&net, &image, &wrong).unwrap_err().to_string();
        assert!(e.contains(&spec.describe()), "{e}");
        let e = explain(&net, &image, &MethodOptions::new("vanilla").unwrap().with("target", 9).unwrap());
        let max = spec.classes() - 1;
        assert!(e.unwrap_err().to_string().contains(&format!("target class 9 is out of range 0..{max}")));
    }
}

#[test]
fn evaluation_dreams_and_layers_work_on_an_imported_model() {
    use saliency::attribution::MethodOptions;
    use saliency::dream::{DreamOptions, dream, filter_activation};
    use saliency::evaluate::{EvalOptions, evaluate};
    let r = reference("residual");
    let net = load("residual").into_network().unwrap();
    let image = hwc(&r, &r.input);
    let gradcam = |layer: &str| MethodOptions::new("gradcam").unwrap().with("layer", layer).unwrap();
    let at_stem = saliency::explain::explain(&net, &image, &gradcam("/Relu")).unwrap();
    let at_head = saliency::explain::explain(&net, &image, &gradcam("")).unwrap();
    assert_ne!(at_stem.raw, at_head.raw, "the layer option reaches the CAM");
    let e = evaluate(&net, &image, &MethodOptions::new("vanilla").unwrap(), &EvalOptions::default()).unwrap();
    assert_eq!(e.steps, 16, "one step per row");
    assert_eq!(e.curves.deletion_curve.len(), 17);
    // A class dream raises its logit; a filter dream its channel's mean activation.
    let (img, probs) = dream(&net, &DreamOptions { class: 2, steps: 40, ..Default::default() }).unwrap();
    assert_eq!((img.len(), probs.len()), (768, 5));
    let o = DreamOptions { layer: Some("/Relu".into()), filter: 1, steps: 40, ..Default::default() };
    let start = saliency::dream::Dream::new(&net, o.clone()).unwrap().image().to_vec();
    let (img, _) = dream(&net, &o).unwrap();
    let (before, after) =
        (filter_activation(&net, &start, "/Relu", 1).unwrap(), filter_activation(&net, &img, "/Relu", 1).unwrap());
    assert!(after > before, "{before} -> {after}");
    let e = dream(&net, &DreamOptions { layer: Some("/Relu".into()), filter: 8, ..Default::default() }).unwrap_err();
    assert!(e.to_string().contains("filter must be in 0..7"), "{e}");
    // The randomisation re-draws every Conv and Gemm, top first; BatchNorm keeps its statistics.
    let layers = saliency::sanity::cascade(&net);
    assert_eq!(layers, ["/fc/Gemm", "/head/Conv", "/b/Conv", "/a/Conv", "/dw/Conv", "/stem/Conv"]);
    let rc = saliency::sanity::Randomisation::new(&net, 0).unwrap();
    let vanilla = MethodOptions::new("vanilla").unwrap();
    let c = rc.curve(&image, &vanilla, saliency::postprocess::SignView::Absolute, Default::default()).unwrap();
    assert_eq!((c.layers.len(), c.cascading.len(), c.independent.len()), (6, 6, 6));
    assert!(c.cascading.iter().chain(&c.independent).all(|s| s.spearman.is_finite() && s.ssim.is_finite()));
    let trained = saliency::explain::explain(&net, &image, &vanilla).unwrap();
    for depth in 1..=6 {
        let random = saliency::sanity::randomized(&net, depth, 0);
        let e = saliency::explain::explain(&random, &image, &vanilla).unwrap();
        assert_ne!(e.logits, trained.logits, "depth {depth}");
    }
    // The top layer alone: only the head's logits change, the features stay the trained ones.
    let top = saliency::sanity::randomized(&net, 1, 0);
    let (a, b) = (net.trace(&image), top.trace(&image));
    let n = a.values.len();
    assert_eq!(a.values[n - 2].data, b.values[n - 2].data);
    assert_ne!(a.values[n - 1].data, b.values[n - 1].data);
}

#[test]
fn a_graph_must_fit_the_input_and_classes_it_is_described_with() {
    use saliency::attribution::Network;
    use saliency::spec::InputSpec;
    let e = Network::from_graph(load("residual").graph, InputSpec::numbered(28, 28, 1, 5)).unwrap_err().to_string();
    assert!(e.contains("takes 3×16×16") && e.contains("28x28x1"), "{e}");
    let e = Network::from_graph(load("residual").graph, InputSpec::numbered(16, 16, 3, 10)).unwrap_err().to_string();
    assert!(e.contains("outputs 5 values for 10 class names"), "{e}");
}

#[test]
fn a_users_mean_std_and_labels_wrap_the_graph() {
    use saliency::attribution::MethodOptions;
    use saliency::explain::explain;
    use saliency::onnx::{ModelOptions, parse_labels};
    let r = reference("residual");
    let [c, h, w] = r.shape;
    let (mean, std) = (vec![0.5, 0.4, 0.3], vec![0.25, 0.5, 2.0]);
    let labels = parse_labels(b"plane\ncar\nbird\r\ncat\ndeer\n\n").unwrap();
    assert_eq!(labels, ["plane", "car", "bird", "cat", "deer"]);
    assert_eq!(parse_labels(br#"["a", "b"]"#).unwrap(), ["a", "b"]);
    // Index-to-name objects, in any key order: plain, ImageNet's class index, Hugging Face's id2label.
    assert_eq!(parse_labels(br#"{"1": "dog", "0": "cat"}"#).unwrap(), ["cat", "dog"]);
    assert_eq!(
        parse_labels(br#"{"0": ["n01440764", "tench"], "1": ["n01443537", "goldfish"]}"#).unwrap(),
        ["tench", "goldfish"]
    );
    assert_eq!(parse_labels(br#"{"id2label": {"0": "a", "1": "b"}, "label2id": {}}"#).unwrap(), ["a", "b"]);
    // JSON that holds no class names is refused, not read as one class named after its first line.
    for bad in [
        &br#"[1, 2]"#[..],
        br#"{"model": "residual.onnx", "input": [0.5]}"#,
        br#"{"0": "a", "2": "c"}"#,
        b"{\"0\": \"a\"",
    ] {
        let err = parse_labels(bad).unwrap_err().to_string();
        assert!(err.contains("labels file"), "{err}");
        assert!(err.contains("no class names") || err.contains("not valid JSON"), "{err}");
    }
    let o = ModelOptions { class_names: Some(labels), mean: Some(mean.clone()), std: Some(std.clone()) };
    let net = load("residual").into_network_with(o).unwrap();
    assert_eq!(net.spec().class_names[3], "cat");
    assert_eq!(net.graph().nodes()[0].op.kind(), "Normalization");
    // The wrapped network on x is the bare graph on (x - mean) / std; its gradient is the bare
    // one divided by std, channel by channel.
    let image = hwc(&r, &r.input);
    let e = explain(&net, &image, &MethodOptions::new("vanilla").unwrap().with("target", 1).unwrap()).unwrap();
    let bare = load("residual").graph;
    let normalised: Vec<f32> =
        r.input.iter().enumerate().map(|(i, v)| (v - mean[i / (h * w)]) / std[i / (h * w)]).collect();
    let t = bare.forward(Maps::from_chw(&normalised, c, h, w));
    close("logits", &e.logits, &t.output().data, 1e-5);
    let g = bare.backward(&t, Maps::one_hot(5, 1), ReluRule::Gradient, 0).to_chw();
    let want: Vec<f32> = g.iter().enumerate().map(|(i, v)| v / std[i / (h * w)]).collect();
    close("vanilla through the normalisation", &e.raw, &hwc(&r, &want), 1e-5);
    let bad = |o: ModelOptions| load("residual").into_network_with(o).unwrap_err().to_string();
    assert!(
        bad(ModelOptions { mean: Some(vec![0.5, 0.5]), ..Default::default() }).contains("one value per channel (3)")
    );
    // One value stands for every channel.
    let one = ModelOptions { mean: Some(vec![0.5]), std: Some(vec![0.25]), ..Default::default() };
    let three = ModelOptions { mean: Some(vec![0.5; 3]), std: Some(vec![0.25; 3]), ..Default::default() };
    let (a, b) = (load("residual").into_network_with(one).unwrap(), load("residual").into_network_with(three).unwrap());
    let vanilla = MethodOptions::new("vanilla").unwrap();
    assert_eq!(explain(&a, &image, &vanilla).unwrap().raw, explain(&b, &image, &vanilla).unwrap().raw);
    assert!(bad(ModelOptions { std: Some(vec![1.0, 0.0, 1.0]), ..Default::default() }).contains("above 0"));
    let two = ModelOptions { class_names: Some(vec!["a".into(), "b".into()]), ..Default::default() };
    assert!(bad(two).contains("2 class names for a model with 5 outputs"));
}

/// `saliency export --onnx`: the shipped networks as ONNX; importing the file gives the built-in
/// network back, node for node, and every method's map bit for bit.
#[test]
fn the_exported_tutorial_imports_to_the_built_in_maps_bit_for_bit() {
    use saliency::DatasetKind;
    use saliency::attribution::{METHODS, MethodOptions, Network};
    use saliency::explain::explain;
    let data = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("pretrained");
    for kind in DatasetKind::ALL {
        let bytes = std::fs::read(data.join(format!("{}.safetensors", kind.id()))).unwrap();
        let model = saliency::weights::load_model(&bytes, Some(kind), &saliency::backend::default_device()).unwrap();
        let built_in = Network::new(model.clone());
        let imported = onnx::import(&onnx::export::tutorial(&model).unwrap(), None).unwrap();
        assert_eq!(imported.class_names.as_deref(), Some(&built_in.spec().class_names[..]));
        let net = imported.into_network().unwrap();
        let names = |n: &Network| n.graph().nodes().iter().map(|x| (x.name.clone(), x.op.kind())).collect::<Vec<_>>();
        assert_eq!(names(&net), names(&built_in));
        assert_eq!(net.default_layer(), "relu2");
        let image: Vec<f32> = (0..kind.input_len()).map(|i| ((i * 37) % 101) as f32 / 100.0).collect();
        for m in METHODS {
            let o = MethodOptions::new(m.id).unwrap();
            let (a, b) = (explain(&built_in, &image, &o).unwrap(), explain(&net, &image, &o).unwrap());
            assert_eq!(a.logits, b.logits, "{kind:?} {}", m.id);
            assert_eq!(a.raw, b.raw, "{kind:?} {}: the map", m.id);
        }
    }
}
