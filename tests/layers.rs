//! Inside the network: the layer trace is the engine's own forward pass and, at every node, the
//! explicit backward pass stopped there; channel weights are Grad-CAM's.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use saliency::DatasetKind;
use saliency::attribution::{Network, ReluRule};
use saliency::graph::Maps;
use saliency::layers::{channel_weights, layer_trace};

/// The trace against a second forward pass and one backward pass per node.
fn check_trace(net: &Network, image: &[f32], target: usize) {
    for rule in [ReluRule::Gradient, ReluRule::Guided, ReluRule::Deconvnet] {
        let t = layer_trace(net, image, Some(target), rule).unwrap();
        assert_eq!(t.target, target);
        let graph = net.graph();
        assert_eq!(t.nodes.len(), graph.nodes().len(), "every node, in order");
        let s = graph.input_shape();
        let chw: Vec<f32> = (0..s.c).flat_map(|k| (0..s.h * s.w).map(move |p| image[p * s.c + k])).collect();
        let trace = graph.forward(Maps::from_chw(&chw, s.c, s.h, s.w));
        for (i, n) in t.nodes.iter().enumerate() {
            assert_eq!(n.name, graph.nodes()[i].name);
            assert_eq!(n.shape.iter().product::<usize>(), n.output.len());
            assert_eq!(n.output, trace.values[i + 1].to_chw(), "{} output", n.name);
            let want = net.backward(&trace, target, rule, i + 1).to_chw();
            let scale = want.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-12);
            let diff = common::max_abs_diff(&n.gradient, &want);
            // Sums of the same terms; only the order at a residual join may differ.
            assert!(diff <= 1e-6 * scale, "{} gradient ({rule:?}): {diff} (scale {scale})", n.name);
        }
        // The last node's gradient is the seed: one at the target logit.
        let last = t.nodes.last().unwrap();
        assert_eq!(last.gradient.iter().position(|&v| v == 1.0), Some(target));
    }
}

#[test]
fn the_trace_is_the_engines_forward_and_backward_at_every_node() {
    for kind in DatasetKind::ALL {
        let net = common::pretrained_net(kind);
        let test = common::test_set(kind);
        for i in [0, 12] {
            check_trace(&net, &test.image_f32(i), i % 10);
        }
        let t = layer_trace(&net, &test.image_f32(0), None, ReluRule::Gradient).unwrap();
        let shapes: Vec<Vec<usize>> = t.nodes.iter().map(|n| n.shape.clone()).collect();
        let side = if kind == DatasetKind::Mnist { 26 } else { 30 };
        assert_eq!(shapes[0], vec![32, side, side]);
        assert_eq!(shapes.last().unwrap(), &vec![10]);
    }
}

#[cfg(feature = "onnx")]
#[test]
fn the_trace_follows_a_residual_model_through_its_branches() {
    let net = saliency::onnx::read_file(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/onnx/residual.onnx"
    )))
    .unwrap()
    .into_network()
    .unwrap();
    let image: Vec<f32> = (0..net.spec().input_len()).map(|i| ((i * 37) % 101) as f32 / 100.0).collect();
    for target in 0..5 {
        check_trace(&net, &image, target);
    }
}

#[test]
fn channel_weights_are_grad_cams_and_sum_as_its_map() {
    let kind = DatasetKind::Mnist;
    let net = common::pretrained_net(kind);
    let test = common::test_set(kind);
    for i in [0, 12, 38] {
        let image = test.image_f32(i);
        for layer in ["conv1", "conv2", "pool1"] {
            let w = channel_weights(&net, &image, None, layer).unwrap();
            let at = net.layer_value(layer).unwrap();
            let s = net.graph().shape(at);
            assert_eq!(w.len(), s.c);
            assert!(w.windows(2).all(|p| p[0].contribution >= p[1].contribution), "sorted");
            // Σₖ wₖAₖ at each position from these weights, against Grad-CAM's own low-res map.
            let x = saliency::explain::image_tensor(&net, &image).unwrap();
            let logits = &net.logits(&x)[0];
            let target = saliency::model::argmax(logits);
            let cam = saliency::model::to_vec(saliency::attribution::cam_low_res(&net, &x, &[target], at));
            let a = net.activations(&x, at);
            let a = saliency::model::to_vec(a);
            let mut by_channel = vec![0f64; s.c];
            for c in &w {
                by_channel[c.channel] = c.weight as f64;
            }
            let hw = s.h * s.w;
            let mut mean = 0f64;
            for p in 0..hw {
                let sum: f64 = (0..s.c).map(|k| by_channel[k] * a[k * hw + p] as f64).sum();
                mean += sum / hw as f64;
                assert!((sum.max(0.0) - cam[p] as f64).abs() <= 1e-4 * (1.0 + sum.abs()), "{layer} position {p}");
            }
            let total: f64 = w.iter().map(|c| c.contribution as f64).sum();
            assert!((total - mean).abs() <= 1e-4 * (1.0 + mean.abs()), "{layer}: {total} vs {mean}");
        }
    }
    let e = channel_weights(&net, &test.image_f32(0), None, "fc1").unwrap_err().to_string();
    assert!(e.contains("not maps"), "{e}");
}
