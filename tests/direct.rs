//! The direct one-image passes (`saliency::direct`) against burn: the same logits as burn's
//! forward pass, the same input gradient as burn's autodiff, the same guided and deconvnet maps
//! as burn's explicit backward pass, and the same Grad-CAM activations and gradients, on the
//! shipped weights for test images and odd inputs (blank, saturated, flat grey, noise, one dot).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use saliency::attribution::{Network, ReluRule, autodiff_gradient, rule_backward};
use saliency::model::{CONV1_OUT, CONV2_OUT, DatasetKind, LAYERS, images_to_tensor, to_vec};
use saliency::rng::Rng;

/// Test images 0..n and inputs a user can make that no test image resembles, as H×W×C values.
fn inputs(kind: DatasetKind, n: usize) -> Vec<Vec<f32>> {
    let test = common::test_set(kind);
    let len = kind.input_len();
    let mut rng = Rng::new(7);
    let mut dot = vec![0.0; len];
    dot[len / 2] = 1.0;
    let mut all: Vec<Vec<f32>> = (0..n).map(|i| test.image_f32(i)).collect();
    all.extend([vec![0.0; len], vec![1.0; len], vec![0.5; len], (0..len).map(|_| rng.uniform() as f32).collect(), dot]);
    all
}

/// |a - b| ≤ 1e-5 · max |b| (and a floor for maps that are zero).
fn assert_close(what: &str, a: &[f32], b: &[f32]) {
    let scale = b.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-3);
    let d = common::max_abs_diff(a, b);
    assert!(d <= 1e-5 * scale, "{what}: differs by {d} (scale {scale})");
}

#[test]
fn direct_logits_and_gradients_equal_burns() {
    for kind in DatasetKind::ALL {
        let net = common::pretrained_net(kind);
        let device = net.device();
        for (i, img) in inputs(kind, 40).iter().enumerate() {
            let x = images_to_tensor(kind, img, &device).unwrap();
            let burn_logits = to_vec(net.cnn().unwrap().forward(x.clone()));
            assert_close(&format!("{kind:?} input {i} logits"), &net.logits(&x)[0], &burn_logits);
            for target in [0, 3, 9] {
                let what = format!("{kind:?} input {i} target {target}");
                let reference = to_vec(autodiff_gradient(net.frozen().unwrap(), &x, &[target]));
                assert_close(&what, &to_vec(net.gradient(&x, &[target], ReluRule::Gradient)), &reference);
                for rule in [ReluRule::Guided, ReluRule::Deconvnet] {
                    let reference = to_vec(rule_backward(net.cnn().unwrap(), &x, &[target], rule));
                    assert_close(&format!("{what} {rule:?}"), &to_vec(net.gradient(&x, &[target], rule)), &reference);
                }
            }
        }
    }
}

#[test]
fn a_batch_is_its_images_one_by_one() {
    let kind = DatasetKind::Cifar10;
    let net = common::pretrained_net(kind);
    let imgs = inputs(kind, 3);
    let x = images_to_tensor(kind, &imgs.concat(), &net.device()).unwrap();
    let targets: Vec<usize> = (0..imgs.len()).map(|i| i % 10).collect();
    let batch = to_vec(net.gradient(&x, &targets, ReluRule::Gradient));
    let per = kind.input_len();
    for (i, img) in imgs.iter().enumerate() {
        let one = images_to_tensor(kind, img, &net.device()).unwrap();
        assert_eq!(&batch[i * per..(i + 1) * per], &to_vec(net.gradient(&one, &[targets[i]], ReluRule::Gradient))[..]);
    }
    assert_eq!(net.logits(&x).len(), imgs.len());
}

#[test]
fn direct_cam_activations_and_gradients_equal_burns() {
    use burn::tensor::Tensor;
    use saliency::attribution::one_hot;
    for kind in DatasetKind::ALL {
        let net: Network = common::pretrained_net(kind);
        for img in inputs(kind, 5) {
            let x = images_to_tensor(kind, &img, &net.device()).unwrap();
            let chw = to_vec(x.clone());
            let trace = net.trace(&chw);
            for at in [CONV1_OUT, CONV2_OUT] {
                let a = net.cnn().unwrap().features_at(x.clone(), at);
                let mut direct_a = Vec::new();
                trace.values[at].extend_chw(&mut direct_a);
                assert_close(&format!("{kind:?} A at {at}"), &direct_a, &to_vec(a.clone()));
                let aa: Tensor<4> = a.clone().autodiff().require_grad();
                let logits = net.frozen().unwrap().head_from(aa.clone(), at);
                let grads = (logits * one_hot(&[2], 10, &net.device()).autodiff()).sum().backward();
                let reference = to_vec(aa.grad(&grads).unwrap().inner());
                let mut direct_g = Vec::new();
                net.backward(&trace, 2, ReluRule::Gradient, at).extend_chw(&mut direct_g);
                assert_close(&format!("{kind:?} dA at {at}"), &direct_g, &reference);
            }
            assert_eq!(trace.values.len(), LAYERS.len() + 1, "the input and every layer's output");
        }
    }
}
