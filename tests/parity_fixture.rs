//! The native answers the WASM test (tests/wasm.rs) compares against, kept in
//! tests/fixtures/parity.safetensors. This test fails when the fixture no longer matches the
//! native engine and shipped weights; `SALIENCY_REGEN_FIXTURES=1 cargo test --test parity_fixture`
//! rewrites it.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::collections::HashMap;

use safetensors::{Dtype, SafeTensors, tensor::TensorView};
use saliency::attribution::{METHODS, MethodInfo, MethodOptions, input_gradient};
use saliency::dream::{DreamOptions, dream};
use saliency::evaluate::{EvalOptions, evaluate};
use saliency::explain::explain;
use saliency::model::{DatasetKind, images_to_tensor, tensor_to_hwc};
use saliency::postprocess::keras_vis_map;
use saliency::sanity::Randomisation;

/// The tutorial's MNIST indices plus one: the digits the WASM test classifies.
pub const MNIST_INDICES: [usize; 8] = [0, 12, 38, 83, 112, 74, 190, 1];
const CIFAR_INDEX: usize = 0;

pub fn fixture_options(method: &MethodInfo) -> MethodOptions {
    let o = MethodOptions::new(method.id).and_then(|o| o.with("samples", 8)?.with("steps", 16)?.with("seed", 3));
    o.expect("valid fixture options")
}

/// The dreams the WASM test repeats: (fixture name, layer whose filter is maximised).
pub const DREAMS: [(&str, Option<&str>); 2] = [("class", None), ("conv2", Some("conv2"))];

pub fn dream_options(layer: Option<&str>) -> DreamOptions {
    DreamOptions { class: 3, layer: layer.map(Into::into), filter: 7, steps: 20, seed: 1, ..DreamOptions::default() }
}

fn compute() -> (HashMap<String, Vec<f32>>, Vec<usize>) {
    let mut out = HashMap::new();
    let kind = DatasetKind::Mnist;
    let net = common::pretrained_net(kind);
    let test = common::test_set(kind);
    let images: Vec<f32> = MNIST_INDICES.iter().flat_map(|&i| test.image_f32(i)).collect();
    let labels: Vec<usize> = MNIST_INDICES.iter().map(|&i| test.labels[i] as usize).collect();
    let x = images_to_tensor(kind, &images, &net.device()).unwrap();
    out.insert("mnist/gradients".into(), tensor_to_hwc(input_gradient(&net, &x, &labels)));
    out.insert("mnist/images".into(), images);
    out.insert("mnist/labels".into(), labels.iter().map(|&l| l as f32).collect());
    for kind in DatasetKind::ALL {
        let net = common::pretrained_net(kind);
        let test = common::test_set(kind);
        let idx = if kind == DatasetKind::Mnist { MNIST_INDICES[0] } else { CIFAR_INDEX };
        let img = test.image_f32(idx);
        out.insert(format!("{}/image", kind.id()), img.clone());
        // Faithfulness and randomisation of the vanilla map, with default settings.
        let vanilla = MethodOptions::new("vanilla").unwrap();
        let ev = evaluate(&net, &img, &vanilla, &EvalOptions::default()).unwrap();
        let curves = [&ev.curves, ev.random.as_ref().expect("random order")];
        let all: Vec<f64> = curves
            .iter()
            .flat_map(|c| c.deletion_curve.iter().chain(&c.insertion_curve).chain(&c.lerf_curve).copied())
            .collect();
        out.insert(format!("{}/vanilla/evaluation", kind.id()), all.iter().map(|&v| v as f32).collect());
        let rc = Randomisation::new(&net, 0)
            .unwrap()
            .curve(&img, &vanilla, saliency::postprocess::SignView::Absolute, saliency::postprocess::ChannelReduce::Max)
            .unwrap();
        let sims = rc.cascading.iter().chain(&rc.independent).chain(std::iter::once(&rc.random_logit));
        out.insert(
            format!("{}/vanilla/randomisation", kind.id()),
            sims.flat_map(|s| [s.spearman as f32, s.ssim as f32]).chain([rc.random_logit_class as f32]).collect(),
        );
        // Inside the network: every node's output and guided gradient for class 3, in order;
        // conv2's channel weights (channel, weight, contribution) for the predicted class.
        let t = saliency::layers::layer_trace(&net, &img, Some(3), saliency::graph::ReluRule::Guided).unwrap();
        let all = t.nodes.iter().flat_map(|n| n.output.iter().chain(&n.gradient).copied()).collect();
        out.insert(format!("{}/layers/guided", kind.id()), all);
        let w = saliency::layers::channel_weights(&net, &img, None, "conv2").unwrap();
        let w = w.iter().flat_map(|c| [c.channel as f32, c.weight, c.contribution]).collect();
        out.insert(format!("{}/channels/conv2", kind.id()), w);
        // A class dream and a filter dream (the WASM's has no autodiff: the engine's passes).
        for (name, layer) in DREAMS {
            let (image, _) = dream(&net, &dream_options(layer)).unwrap();
            out.insert(format!("{}/dream/{name}", kind.id()), image);
        }
        for m in METHODS {
            let e = explain(&net, &img, &fixture_options(m)).unwrap();
            out.insert(format!("{}/{}/map", kind.id(), m.id), keras_vis_map(&e.raw, e.raw_channels));
            out.insert(format!("{}/{}/raw", kind.id(), m.id), e.raw);
        }
    }
    (out, labels)
}

fn path() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/parity.safetensors")
}

#[test]
fn parity_fixture_matches_the_native_engine() {
    let (now, labels) = compute();
    if std::env::var_os("SALIENCY_REGEN_FIXTURES").is_some() {
        let bytes: Vec<(String, Vec<u8>, usize)> =
            now.iter().map(|(k, v)| (k.clone(), v.iter().flat_map(|x| x.to_le_bytes()).collect(), v.len())).collect();
        let views: Vec<(String, TensorView)> =
            bytes.iter().map(|(k, b, n)| (k.clone(), TensorView::new(Dtype::F32, vec![*n], b).unwrap())).collect();
        std::fs::write(path(), safetensors::serialize(views, None::<HashMap<String, String>>).unwrap()).unwrap();
    }
    let bytes = std::fs::read(path()).expect("tests/fixtures/parity.safetensors (regenerate, see top of file)");
    let st = SafeTensors::deserialize(&bytes).unwrap();
    assert_eq!(st.len(), now.len(), "fixture has other entries than the engine computes");
    for (name, v) in &now {
        let t = st.tensor(name).unwrap_or_else(|_| panic!("fixture lacks {name}"));
        let stored: Vec<f32> = t.data().chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        let d = common::max_abs_diff(v, &stored);
        assert!(d <= 1e-5, "{name} differs from the fixture by {d}");
    }
    // The digits the WASM test classifies are classified correctly natively too.
    let net = common::pretrained_net(DatasetKind::Mnist);
    let images = &now["mnist/images"];
    for (k, img) in images.chunks(784).enumerate() {
        let (logits, _) = saliency::explain::classify(&net, img).unwrap();
        assert_eq!(saliency::model::argmax(&logits), labels[k]);
    }
}
