//! The attribution engine against hand-computed answers, finite differences and slow references.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use burn::tensor::module::max_pool2d;
use burn::tensor::{Tensor, TensorData};
use saliency::attribution::baseline::box_blur;
use saliency::attribution::{
    Attribution, Average, Baseline, GradCam, IntegratedGradients, METHODS, MethodOptions, Network, Occlusion, ReluRule,
    SmoothGrad, Vanilla, completeness_gap, input_gradient, registry, rule_backward, upsample_bilinear_aligned,
};
use saliency::explain::explain;
use saliency::model::{CONV2_OUT, DatasetKind, images_to_tensor, pool_options, tensor_to_hwc, to_vec};
use saliency::postprocess::keras_vis_map;
use saliency::rng::Rng;
use saliency::sanity::randomize_cascade;
use saliency::sanity::spearman;

fn tensor(kind: DatasetKind, hwc: &[f32], net: &Network) -> Tensor<4> {
    images_to_tensor(kind, hwc, &net.device()).unwrap()
}

/// The first `n` test images as one batch.
fn first_test_images(kind: DatasetKind, n: usize, net: &Network) -> Tensor<4> {
    let test = common::test_set(kind);
    tensor(kind, &(0..n).flat_map(|i| test.image_f32(i)).collect::<Vec<f32>>(), net)
}

/// A test image with a small dither, so no max-pool window holds a tie.
fn dithered(kind: DatasetKind, i: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    common::test_set(kind).image_f32(i).iter().map(|v| v * 0.8 + 0.1 * rng.uniform() as f32).collect()
}

fn hwc(t: Tensor<4>) -> Vec<f32> {
    tensor_to_hwc(t)
}

fn one_pixel(points: &[((usize, usize), f32)]) -> Vec<f32> {
    let mut v = vec![0f32; 784];
    for &((r, c), val) in points {
        v[r * 28 + c] = val;
    }
    v
}

fn nonzero(v: &[f32]) -> Vec<(usize, f32)> {
    v.iter().enumerate().filter(|(_, x)| x.abs() > 1e-7).map(|(i, &x)| (i, x)).collect()
}

#[test]
fn forward_pass_matches_an_independent_float64_reference() {
    for kind in DatasetKind::ALL {
        let net = common::pretrained_net(kind);
        let reference = common::Reference::new(&saliency::weights::WeightSet::from_model(net.cnn().unwrap()));
        let test = common::test_set(kind);
        for i in [0, 1, 2] {
            let img = test.image_f32(i);
            let ours = net.logits(&tensor(kind, &img, &net)).remove(0);
            let theirs = reference.logits(&img.iter().map(|&v| v as f64).collect::<Vec<_>>());
            for (a, b) in ours.iter().zip(&theirs) {
                assert!((*a as f64 - b).abs() < 1e-4 * b.abs().max(1.0), "{kind:?} image {i}: {ours:?} vs {theirs:?}");
            }
        }
    }
}

#[test]
fn vanilla_matches_central_finite_differences() {
    // Central differences of the float64 reference forward pass (h = 1e-5, so rounding is ~1e-11
    // and a ReLU kink or pooling switch falls inside the step only rarely) against burn's float32
    // autodiff gradient: every checked pixel within 1e-4 + 0.1 % of its gradient (float32 backward
    // precision), allowing 0.5 % of pixels for float32 near-ties. The input is dithered so no
    // pooling window ties exactly. All MNIST pixels; for CIFAR-10
    // the 150 largest gradients plus 250 random pixels.
    for kind in DatasetKind::ALL {
        let net = common::pretrained_net(kind);
        let reference = common::Reference::new(&saliency::weights::WeightSet::from_model(net.cnn().unwrap()));
        let x = dithered(kind, 3, 7);
        let target = 5;
        let g = hwc(input_gradient(&net, &tensor(kind, &x, &net), &[target]));
        let n = x.len();
        let mut pixels: Vec<usize> = (0..n).collect();
        if kind == DatasetKind::Cifar10 {
            pixels.sort_by(|&a, &b| g[b].abs().total_cmp(&g[a].abs()));
            let mut rng = Rng::new(5);
            let mut chosen: Vec<usize> = pixels[..150].to_vec();
            chosen.extend((0..250).map(|_| rng.below(n)));
            pixels = chosen;
        }
        let x64: Vec<f64> = x.iter().map(|&v| v as f64).collect();
        let h = 1e-5;
        let mut bad = Vec::new();
        for &i in &pixels {
            let (mut p, mut m) = (x64.clone(), x64.clone());
            p[i] += h;
            m[i] -= h;
            let fd = (reference.logits(&p)[target] - reference.logits(&m)[target]) / (2.0 * h);
            if (fd - g[i] as f64).abs() > 1e-4 + 1e-3 * fd.abs() {
                bad.push((i, g[i], fd));
            }
        }
        assert!(g.iter().any(|v| v.abs() > 1e-3), "{kind:?}: gradient is trivially zero");
        // A pooling window whose two largest entries differ by less than float32 rounding may pick
        // another maximum in float32 than in float64; that moves a few pixels, never more.
        assert!(
            bad.len() * 200 <= pixels.len(),
            "{kind:?}: {} of {} pixels disagree, e.g. {:?}",
            bad.len(),
            pixels.len(),
            &bad[..bad.len().min(5)]
        );
    }
}

#[test]
fn explicit_backward_with_the_plain_rule_equals_autodiff() {
    for kind in DatasetKind::ALL {
        let net = common::pretrained_net(kind);
        let xt = first_test_images(kind, 4, &net);
        let targets = [0, 3, 7, 9];
        let a = to_vec(input_gradient(&net, &xt, &targets));
        let b = to_vec(rule_backward(net.cnn().unwrap(), &xt, &targets, ReluRule::Gradient));
        let d = common::max_abs_diff(&a, &b);
        assert!(d < 1e-5, "{kind:?}: {d}");
    }
}

#[test]
fn explicit_backward_to_a_layer_equals_autodiff() {
    // What the CAM methods read for an input of another shape, and what filter dreams build on.
    use saliency::model::{Activation, CONV1_OUT, LAYERS};
    for kind in DatasetKind::ALL {
        let net = common::pretrained_net(kind);
        let xt = first_test_images(kind, 3, &net);
        let targets = [2, 5, 8];
        let seed = || saliency::attribution::one_hot(&targets, 10, &net.device());
        for at in [CONV1_OUT, CONV2_OUT] {
            let trace = net.cnn().unwrap().trace(xt.clone());
            let explicit = net.cnn().unwrap().backward_between(
                &trace,
                at..LAYERS.len(),
                Activation::Flat(seed()),
                ReluRule::Gradient,
            );
            let a = net.cnn().unwrap().features_at(xt.clone(), at).autodiff().require_grad();
            let grads = (net.frozen().unwrap().head_from(a.clone(), at) * seed().autodiff()).sum().backward();
            let reference = to_vec(a.grad(&grads).expect("gradient").inner());
            assert!(reference.iter().any(|&v| v != 0.0));
            let d = common::max_abs_diff(&to_vec(explicit.maps()), &reference);
            assert!(d < 1e-5, "{kind:?} at {at}: {d}");
        }
    }
}

#[test]
fn tiny_network_answers_match_the_hand_computation() {
    // x[4,4] = 0.3 alone: f0 = 0.3, so h0 = 0.3 (on), h1 = 0.2 (on), h2 = relu(-0.7) (off).
    // d logit/d f0: vanilla 1 + (-2)(-1) = 3; guided drops h1's negative gradient -> 1;
    // deconvnet passes h2's positive gradient despite its negative input -> 1 + 5 = 6.
    let net = common::tiny_net();
    let kind = DatasetKind::Mnist;
    let x = tensor(kind, &one_pixel(&[((4, 4), 0.3)]), &net);
    let logits = net.logits(&x);
    assert!((logits[0][0] - (0.3 - 0.4)).abs() < 1e-6);
    let at = 4 * 28 + 4;
    assert_eq!(nonzero(&hwc(input_gradient(&net, &x, &[0]))), vec![(at, 3.0)]);
    assert_eq!(nonzero(&hwc(rule_backward(net.cnn().unwrap(), &x, &[0], ReluRule::Gradient))), vec![(at, 3.0)]);
    assert_eq!(nonzero(&hwc(rule_backward(net.cnn().unwrap(), &x, &[0], ReluRule::Guided))), vec![(at, 1.0)]);
    assert_eq!(nonzero(&hwc(rule_backward(net.cnn().unwrap(), &x, &[0], ReluRule::Deconvnet))), vec![(at, 6.0)]);
}

#[test]
fn max_pool_ties_route_the_gradient_to_the_first_maximum() {
    let net = common::tiny_net();
    let kind = DatasetKind::Mnist;
    // Four equal values fill one conv1 pooling window (conv1 rows/cols 2..3 = pixels 3..4).
    let block = one_pixel(&[((3, 3), 0.3), ((3, 4), 0.3), ((4, 3), 0.3), ((4, 4), 0.3)]);
    let x = tensor(kind, &block, &net);
    let first = 3 * 28 + 3;
    assert_eq!(nonzero(&hwc(input_gradient(&net, &x, &[0]))), vec![(first, 3.0)]);
    for rule in [ReluRule::Gradient, ReluRule::Guided, ReluRule::Deconvnet] {
        let g = nonzero(&hwc(rule_backward(net.cnn().unwrap(), &x, &[0], rule)));
        assert_eq!(g.len(), 1, "{rule:?}: {g:?}");
        assert_eq!(g[0].0, first, "{rule:?}");
    }
    // A tie in conv2's pooling window: pool1 cells (1,1) and (1,2) both 0.3 -> the left one wins.
    let x = tensor(kind, &one_pixel(&[((4, 4), 0.3), ((4, 6), 0.3)]), &net);
    assert_eq!(nonzero(&hwc(input_gradient(&net, &x, &[0]))), vec![(4 * 28 + 4, 3.0)]);
    // On a blank image every window ties; the trained model still routes to a single first entry.
    let trained = common::pretrained_net(kind);
    let g = hwc(input_gradient(&trained, &tensor(kind, &vec![0.0; 784], &trained), &[3]));
    let r =
        hwc(rule_backward(trained.cnn().unwrap(), &tensor(kind, &vec![0.0; 784], &trained), &[3], ReluRule::Gradient));
    assert!(common::max_abs_diff(&g, &r) < 1e-5);
}

/// Guided / deconvnet rule applied on plain vectors, independently of the engine.
fn apply_rule(rule: ReluRule, pre: &[f32], g: &[f32]) -> Vec<f32> {
    pre.iter()
        .zip(g)
        .map(|(&p, &g)| match rule {
            ReluRule::Gradient => {
                if p > 0.0 {
                    g
                } else {
                    0.0
                }
            }
            ReluRule::Guided => {
                if p > 0.0 && g > 0.0 {
                    g
                } else {
                    0.0
                }
            }
            ReluRule::Deconvnet => g.max(0.0),
        })
        .collect()
}

/// The slow reference: vector-Jacobian products per segment between ReLUs with burn's public
/// autodiff, the ReLU rule applied by hand in between.
fn vjp_chain(net: &Network, x: &Tensor<4>, target: usize, rule: ReluRule) -> Vec<f32> {
    let m = &net.frozen().unwrap();
    let device = x.device();
    fn vjp<const D: usize, const E: usize>(
        f: impl Fn(Tensor<D>) -> Tensor<E>,
        at: Tensor<D>,
        seed: Tensor<E>,
    ) -> Tensor<D> {
        let a = at.autodiff().require_grad();
        let out = f(a.clone());
        let grads = (out * seed.autodiff()).sum().backward();
        a.grad(&grads).expect("gradient").inner()
    }
    let t = net.cnn().unwrap().trace(x.clone());
    let relu_out = |p: &Tensor<4>| p.clone().clamp_min(0.0);
    let mut seed = vec![0f32; 10];
    seed[target] = 1.0;
    let seed = Tensor::<2>::from_data(TensorData::new(seed, [1, 10]), &device);
    let r3 = t.fc1_pre().clamp_min(0.0);
    let g = vjp(|r| m.fc2.forward(r), r3, seed);
    let g =
        Tensor::<2>::from_data(TensorData::new(apply_rule(rule, &to_vec(t.fc1_pre()), &to_vec(g)), [1, 256]), &device);
    let g = vjp(|r| m.fc1.forward(max_pool2d(r, pool_options()).flatten(1, 3)), relu_out(&t.conv2_pre()), g);
    let dims = g.dims();
    let g =
        Tensor::<4>::from_data(TensorData::new(apply_rule(rule, &to_vec(t.conv2_pre()), &to_vec(g)), dims), &device);
    let g = vjp(|r| m.conv2.forward(max_pool2d(r, pool_options())), relu_out(&t.conv1_pre()), g);
    let dims = g.dims();
    let g =
        Tensor::<4>::from_data(TensorData::new(apply_rule(rule, &to_vec(t.conv1_pre()), &to_vec(g)), dims), &device);
    hwc(vjp(|x| m.conv1.forward(x), x.clone(), g))
}

#[test]
fn guided_and_deconvnet_match_the_vjp_chain_reference() {
    for kind in DatasetKind::ALL {
        let net = common::pretrained_net(kind);
        let test = common::test_set(kind);
        for i in [0, 12] {
            let x = tensor(kind, &test.image_f32(i), &net);
            let target = test.labels[i] as usize;
            for rule in [ReluRule::Gradient, ReluRule::Guided, ReluRule::Deconvnet] {
                let fast = hwc(rule_backward(net.cnn().unwrap(), &x, &[target], rule));
                let slow = vjp_chain(&net, &x, target, rule);
                let scale = slow.iter().fold(0f32, |m, v| m.max(v.abs()));
                assert!(scale > 1e-4, "{kind:?} {rule:?}: reference is zero");
                let d = common::max_abs_diff(&fast, &slow);
                assert!(d <= 1e-5 * scale.max(1.0), "{kind:?} image {i} {rule:?}: differs by {d}");
            }
            // Guided and deconvnet really differ from the gradient and from each other.
            let v = hwc(rule_backward(net.cnn().unwrap(), &x, &[target], ReluRule::Gradient));
            let gd = hwc(rule_backward(net.cnn().unwrap(), &x, &[target], ReluRule::Guided));
            let dc = hwc(rule_backward(net.cnn().unwrap(), &x, &[target], ReluRule::Deconvnet));
            assert!(common::max_abs_diff(&v, &gd) > 1e-3 && common::max_abs_diff(&gd, &dc) > 1e-3);
        }
    }
}

#[test]
fn integrated_gradients_is_complete_and_reduces_to_gradient_times_input() {
    let kind = DatasetKind::Mnist;
    let net = common::pretrained_net(kind);
    // A smooth input: a soft blob, no hard edges.
    let x: Vec<f32> = (0..784)
        .map(|i| {
            let (r, c) = ((i / 28) as f32 - 13.5, (i % 28) as f32 - 13.5);
            0.8 * (-(r * r + c * c) / 40.0).exp()
        })
        .collect();
    let xt = tensor(kind, &x, &net);
    let targets =
        [net.logits(&xt)[0].iter().enumerate().fold(0, |b, (i, v)| if *v > net.logits(&xt)[0][b] { i } else { b })];
    // Completeness within 1 % at 300 steps, from every baseline the page offers.
    for baseline in [Baseline::Black, Baseline::White, Baseline::Uniform { seed: 4 }, Baseline::Blur] {
        let ig = IntegratedGradients { baseline: baseline.clone(), steps: 300, batch_size: 100 };
        let attr = ig.attribute(&net, &xt, &targets).unwrap();
        let base = ig.baseline_tensor(&xt).unwrap();
        let gap = completeness_gap(&net, &xt, &base, &attr, &targets)[0];
        let delta = net.logits(&xt)[0][targets[0]] - net.logits(&base)[0][targets[0]];
        eprintln!("{baseline:?}: logit difference {delta:.3}, completeness gap {gap:.5}");
        assert!(delta.abs() > 0.1, "{baseline:?}: logit difference {delta} too small to test");
        assert!(gap.abs() <= 0.01 * delta.abs(), "{baseline:?}: completeness gap {gap} vs difference {delta}");
    }

    let black = Baseline::Black;
    let one = IntegratedGradients { baseline: black, steps: 1, batch_size: 10 }.attribute(&net, &xt, &[2]).unwrap();
    let gxi = input_gradient(&net, &xt, &[2]) * xt.clone();
    assert!(common::max_abs_diff(&to_vec(one), &to_vec(gxi)) < 1e-6);
}

#[test]
fn baselines_are_what_they_say() {
    // 5x5 box blur with edge replication: a constant plane stays constant; a corner pixel's
    // mean counts the replicated edge (corner 1 at (0,0) of a 3x3 plane: 9 of 25 taps see it).
    assert_eq!(box_blur(&[0.5; 12], 3, 2, 2, 2), vec![0.5; 12]);
    let mut plane = vec![0.0; 9];
    plane[0] = 1.0;
    let b = box_blur(&plane, 1, 3, 3, 2);
    assert!((b[0] - 9.0 / 25.0).abs() < 1e-7, "{}", b[0]);
    assert!((b[8] - 1.0 / 25.0).abs() < 1e-7, "{}", b[8]);
    let img = [0.2f32, 0.4, 0.6, 0.8];
    assert_eq!(Baseline::Black.for_image(&img, 1, 2, 2), vec![0.0; 4]);
    assert_eq!(Baseline::White.for_image(&img, 1, 2, 2), vec![1.0; 4]);
    let u = Baseline::Uniform { seed: 7 }.for_image(&img, 1, 2, 2);
    assert_eq!(u, Baseline::Uniform { seed: 7 }.for_image(&img, 1, 2, 2), "seeded");
    assert_ne!(u, Baseline::Uniform { seed: 8 }.for_image(&img, 1, 2, 2));
    assert!(u.iter().all(|v| (0.0..1.0).contains(v)));
    // An explicit image is H x W x C; the model's layout is C x H x W.
    assert_eq!(Baseline::Image(vec![1.0, 2.0, 3.0, 4.0]).for_image(&[0.0; 4], 2, 1, 2), vec![1.0, 3.0, 2.0, 4.0]);
}

#[test]
fn smoothgrad_is_deterministic_and_reduces_to_the_base_method() {
    let kind = DatasetKind::Mnist;
    let net = common::pretrained_net(kind);
    let xt = tensor(kind, &common::test_set(kind).image_f32(0), &net);
    let sg_batched = |samples, noise, seed, average, batch_size| {
        let m = SmoothGrad { base: Box::new(Vanilla), samples, noise, seed, batch_size, average };
        to_vec(m.attribute(&net, &xt, &[7]).unwrap())
    };
    let sg_with = |samples, noise, seed, average| sg_batched(samples, noise, seed, average, 16);
    let sg = |samples, noise, seed| sg_with(samples, noise, seed, Average::Abs);
    let a = sg(20, 0.2, 1);
    assert_eq!(a, sg(20, 0.2, 1), "same seed, same map");
    assert!(common::max_abs_diff(&a, &sg(20, 0.2, 2)) > 1e-4, "another seed, another map");
    let base: Vec<f32> = to_vec(input_gradient(&net, &xt, &[7])).iter().map(|v| v.abs()).collect();
    assert!(common::max_abs_diff(&sg(1, 0.0, 5), &base) < 1e-6, "N = 1, noise 0 is |vanilla|");
    assert!(common::max_abs_diff(&a, &base) > 1e-4);
    // The other averages (Captum's nt_type): with noise 0 every copy is the input itself, so
    // plain is the signed base method exactly, squared its square, and VarGrad zero.
    // (One image per batch: a batch of identical images can round differently in float32 GEMM.)
    let signed = to_vec(input_gradient(&net, &xt, &[7]));
    assert_eq!(sg_batched(5, 0.0, 3, Average::Plain, 1), signed, "plain, noise 0 = the base method, signed");
    let squared: Vec<f32> = signed.iter().map(|v| ((*v as f64) * (*v as f64)) as f32).collect();
    assert_eq!(sg_batched(5, 0.0, 3, Average::Squared, 1), squared, "squared, noise 0 = its square");
    assert!(sg_batched(5, 0.0, 3, Average::VarGrad, 1).iter().all(|v| *v == 0.0), "VarGrad of identical copies is 0");
    let batched = sg_with(5, 0.0, 3, Average::Plain);
    let scale = signed.iter().fold(0f32, |m, v| m.max(v.abs()));
    eprintln!(
        "plain SmoothGrad, noise 0, batches of 5: {} from the base method",
        common::max_abs_diff(&batched, &signed)
    );
    assert!(common::max_abs_diff(&batched, &signed) <= 1e-6 * scale);
    // With noise: plain keeps signs, VarGrad = E[a^2] - E[a]^2 of the same samples.
    let plain = sg_with(30, 0.3, 4, Average::Plain);
    assert!(plain.iter().any(|v| *v < 0.0) && plain.iter().any(|v| *v > 0.0), "plain SmoothGrad is signed");
    let sq = sg_with(30, 0.3, 4, Average::Squared);
    let var = sg_with(30, 0.3, 4, Average::VarGrad);
    let want: Vec<f32> = sq.iter().zip(&plain).map(|(s, p)| (s - p * p).max(0.0)).collect();
    let scale = sq.iter().fold(0f32, |m, v| m.max(*v));
    assert!(common::max_abs_diff(&var, &want) <= 1e-5 * scale, "VarGrad is the variance of the samples");
}

#[test]
fn aligned_corner_upsampling_matches_hand_values() {
    let up = upsample_bilinear_aligned(&[0.0, 1.0, 2.0, 3.0], 2, 2, 3, 3);
    assert_eq!(up, vec![0.0, 0.5, 1.0, 1.0, 1.5, 2.0, 2.0, 2.5, 3.0]);
    let up = upsample_bilinear_aligned(&[0.0, 3.0], 1, 2, 1, 4);
    assert_eq!(up, vec![0.0, 1.0, 2.0, 3.0]);
}

#[test]
fn gradcam_matches_the_hand_computation() {
    // Only conv2 channel 0 is alive: A0[0,0] = 0.3 (from x[4,4]), d logit/d A0[0,0] = 3 (the
    // pooling window's first max), all else 0. w0 = 3 / 121 (mean over all 11x11 positions),
    // cam = relu(w0 A0) = 0.9/121 at (0,0). Aligned corners: pixel i samples i*10/27.
    let net = common::tiny_net();
    let x = tensor(DatasetKind::Mnist, &one_pixel(&[((4, 4), 0.3)]), &net);
    let cam = to_vec(GradCam { at: CONV2_OUT }.attribute(&net, &x, &[0]).unwrap());
    assert_eq!(cam.len(), 784);
    let c = 0.9 / 121.0;
    let f = |i: usize| (1.0 - i as f32 * 10.0 / 27.0).max(0.0);
    for r in 0..28 {
        for col in 0..28 {
            let want = c * f(r) * f(col);
            assert!((cam[r * 28 + col] - want).abs() < 1e-7, "({r},{col}): {} vs {want}", cam[r * 28 + col]);
        }
    }
    // Class 1 has no weights: its cam is empty.
    assert!(to_vec(GradCam { at: CONV2_OUT }.attribute(&net, &x, &[1]).unwrap()).iter().all(|v| *v == 0.0));
}

#[test]
fn gradcam_plus_plus_and_scorecam_match_the_hand_computation() {
    use saliency::attribution::{GradCamPlusPlus, ScoreCam};
    // Same tiny network and input: A0[0,0] = 0.3 is the only live activation, g = dS/dA0[0,0] = 3,
    // S = logit0 = -0.1. Grad-CAM++: alpha = 9 e^S / (18 e^S + 27 e^S * 0.3) there, normalised to
    // 1 (0 wherever g = 0); w0 = ReLU(3 e^S) * 1; cam(0,0) = 0.3 * 3 e^S = 0.9 e^-0.1.
    // Score-CAM: A0's upsampled, normalised mask is 0 at x[4,4], so the masked input is blank:
    // logit0 = -2 * relu(0.5) = -1, the others 0; w0 = e^-1 / (e^-1 + 9); cam(0,0) = 0.3 w0.
    let net = common::tiny_net();
    let x = tensor(DatasetKind::Mnist, &one_pixel(&[((4, 4), 0.3)]), &net);
    let f = |i: usize| (1.0 - i as f64 * 10.0 / 27.0).max(0.0);
    let pp = (0.9 * (-0.1f64).exp(), to_vec(GradCamPlusPlus { at: CONV2_OUT }.attribute(&net, &x, &[0]).unwrap()));
    let e1 = (-1.0f64).exp();
    let sc =
        (0.3 * e1 / (e1 + 9.0), to_vec(ScoreCam { at: CONV2_OUT, batch_size: 7 }.attribute(&net, &x, &[0]).unwrap()));
    for (name, (c, cam)) in [("Grad-CAM++", pp), ("Score-CAM", sc)] {
        assert_eq!(cam.len(), 784);
        for r in 0..28 {
            for col in 0..28 {
                let want = c * f(r) * f(col);
                let got = cam[r * 28 + col] as f64;
                assert!((got - want).abs() < 1e-6, "{name} ({r},{col}): {got} vs {want}");
            }
        }
    }
}

#[test]
fn occlusion_records_the_logit_drop_per_patch() {
    // Occluding x[4,4] makes f0 = 0: logit goes from 0.3 - 0.4 = -0.1 to -2 * 0.5 = -1, a drop of 0.9.
    let net = common::tiny_net();
    let x = tensor(DatasetKind::Mnist, &one_pixel(&[((4, 4), 0.3)]), &net);
    let one = Occlusion { patch: 1, stride: 1, baseline_value: 0.0, batch_size: 100 };
    let a = nonzero(&hwc(one.attribute(&net, &x, &[0]).unwrap()));
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].0, 4 * 28 + 4);
    assert!((a[0].1 - 0.9).abs() < 1e-6);
    let two = Occlusion { patch: 2, stride: 2, baseline_value: 0.0, batch_size: 7 };
    let a = nonzero(&hwc(two.attribute(&net, &x, &[0]).unwrap()));
    let idx: Vec<usize> = a.iter().map(|p| p.0).collect();
    assert_eq!(idx, vec![4 * 28 + 4, 4 * 28 + 5, 5 * 28 + 4, 5 * 28 + 5]);
    // Overlapping patches average: patch 2 stride 1 covers x[4,4] four times, each a 0.9 drop.
    let over = Occlusion { patch: 2, stride: 1, baseline_value: 0.0, batch_size: 64 };
    let a = hwc(over.attribute(&net, &x, &[0]).unwrap());
    assert!((a[4 * 28 + 4] - 0.9).abs() < 1e-6);
    assert!((a[3 * 28 + 3] - 0.9 / 4.0).abs() < 1e-6, "{}", a[3 * 28 + 3]);
}

#[test]
fn cascading_randomization_changes_vanilla_far_more_than_guided() {
    // Measured on the shipped MNIST weights, fc2 + fc1 re-initialised (seed 3), mean Spearman
    // over the tutorial's 7 digits. Signed attributions (Adebayo et al. without absolute values):
    // vanilla ~0.04, guided ~0.71 -- the vanilla map no longer resembles the trained one, guided
    // backprop barely notices. On keras-vis maps (absolute values) both stay higher (vanilla
    // ~0.81, guided ~0.87: the unchanged conv layers still outline the digit) but guided still
    // changes less.
    let kind = DatasetKind::Mnist;
    let trained = common::pretrained(kind);
    let random = Network::new(randomize_cascade(&trained, 2, 3));
    let trained = Network::new(trained);
    let test = common::test_set(kind);
    let idx = [0, 12, 38, 83, 112, 74, 190];
    let mean_corr = |method: &str, absolute: bool| {
        idx.iter()
            .map(|&i| {
                let img = test.image_f32(i);
                let mut o = MethodOptions::new(method).unwrap();
                o.target = Some(test.labels[i] as usize);
                let a = explain(&trained, &img, &o).unwrap().raw;
                let b = explain(&random, &img, &o).unwrap().raw;
                if absolute { spearman(&keras_vis_map(&a, 1), &keras_vis_map(&b, 1)) } else { spearman(&a, &b) }
            })
            .sum::<f64>()
            / idx.len() as f64
    };
    let (vanilla, guided) = (mean_corr("vanilla", false), mean_corr("guided", false));
    eprintln!("signed: vanilla {vanilla:.3}, guided {guided:.3}");
    assert!(vanilla.abs() < 0.2 && guided > 0.5, "signed: vanilla {vanilla:.3}, guided {guided:.3}");
    let (vanilla, guided) = (mean_corr("vanilla", true), mean_corr("guided", true));
    eprintln!("keras-vis maps: vanilla {vanilla:.3}, guided {guided:.3}");
    assert!(guided > vanilla + 0.03 && vanilla < 0.9, "keras-vis maps: vanilla {vanilla:.3}, guided {guided:.3}");
}

#[test]
fn cascade_depths_nest_and_change_only_their_layers() {
    let m = common::pretrained(DatasetKind::Mnist);
    let one = saliency::weights::WeightSet::from_model(&randomize_cascade(&m, 1, 9));
    let two = saliency::weights::WeightSet::from_model(&randomize_cascade(&m, 2, 9));
    let orig = saliency::weights::WeightSet::from_model(&m);
    assert_eq!(one.tensors["fc2.weight"], two.tensors["fc2.weight"], "fc2 is re-drawn identically");
    assert_ne!(one.tensors["fc2.weight"], orig.tensors["fc2.weight"]);
    assert_eq!(one.tensors["fc1.weight"], orig.tensors["fc1.weight"]);
    assert_ne!(two.tensors["fc1.weight"], orig.tensors["fc1.weight"]);
    assert_eq!(two.tensors["conv2.weight"], orig.tensors["conv2.weight"]);
}

#[test]
fn every_method_runs_through_explain_with_sane_output() {
    for kind in DatasetKind::ALL {
        let net = common::pretrained_net(kind);
        let img = common::test_set(kind).image_f32(1);
        for method in METHODS {
            let opts = MethodOptions::new(method.id).unwrap().with("samples", 4).unwrap().with("steps", 8).unwrap();
            let e = explain(&net, &img, &opts).unwrap();
            let c = if method.single_channel { 1 } else { kind.channels() };
            assert_eq!(e.raw_channels, c, "{method:?}");
            assert_eq!(e.raw.len(), kind.side() * kind.side() * c, "{method:?}");
            assert!(e.raw.iter().any(|v| *v != 0.0), "{kind:?} {method:?} is blank");
            assert_eq!(e.target, e.predicted);
            assert_eq!(e.completeness_gap.is_some(), method.convergence.is_some(), "{method:?}");
        }
    }
}

#[test]
fn bad_options_are_errors_not_panics() {
    let net = common::pretrained_net(DatasetKind::Mnist);
    let img = vec![0.5f32; 784];
    let run = |o: MethodOptions| explain(&net, &img, &o).err().map(|e| e.to_string()).unwrap_or_default();
    let opts = |m: &str| MethodOptions::new(m).unwrap();
    let mut wrong_target = MethodOptions::default();
    wrong_target.target = Some(10);
    assert!(run(wrong_target).contains("target class 10"));
    // The options take any class; the network it runs on checks the range.
    assert!(run(opts("vanilla").with("target", 10).unwrap()).contains("target class 10 is out of range 0..9"));
    assert!(opts("vanilla").with("target", -1).unwrap_err().to_string().contains("target class"));
    assert!(opts("smoothgrad").with("samples", 0).unwrap_err().to_string().contains("samples"));
    assert!(run(opts("ig").with("baseline", vec![0.0; 3]).unwrap()).contains("baseline has 3 values"));
    assert!(run(opts("occlusion").with("patch", 30).unwrap()).contains("patch 30 is larger"));
    assert!(opts("smoothgrad").with("base", "smoothgrad").unwrap_err().to_string().contains("cannot be wrapped"));
    assert!(explain(&net, &img[..700], &MethodOptions::default()).is_err());
    assert_eq!(registry::find("rectified").unwrap().id, "deconvnet");
    assert_eq!(registry::find("Integrated_Gradients").unwrap().id, "ig");
    assert!(registry::find("nope").is_err());
}

#[test]
fn lrp_matches_the_hand_computation_and_conserves_relevance_without_biases() {
    // Tiny network, x[4,4] = 0.3: logit0 = h0 - 2 h1 = 0.3 - 0.4. The epsilon rule gives h0 0.3,
    // h1 -0.4; back through fc1, f0 gets 0.3 * (0.3 / 0.3) + (-0.3) * (-0.4 / 0.2) = 0.9 (h1's bias
    // 0.5 absorbs -1.0); z+ through both convolutions hands it to the one pixel unchanged.
    let net = common::tiny_net();
    let x = tensor(DatasetKind::Mnist, &one_pixel(&[((4, 4), 0.3)]), &net);
    let r = nonzero(&hwc(saliency::attribution::relevance(net.cnn().unwrap(), &x, &[0], 1e-6)));
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0].0, 4 * 28 + 4);
    assert!((r[0].1 - 0.9).abs() < 5e-5, "{r:?} (epsilon 1e-6 takes ~1e-5)");
    // With every bias zeroed, nothing is absorbed: the input relevance sums to the logit.
    for kind in DatasetKind::ALL {
        let mut set = saliency::weights::WeightSet::from_model(&common::pretrained(kind));
        for (name, v) in set.tensors.iter_mut() {
            if name.ends_with(".bias") {
                v.fill(0.0);
            }
        }
        let net = Network::new(set.to_model(&saliency::backend::default_device()));
        let test = common::test_set(kind);
        for i in [0, 1, 2, 3] {
            let img = test.image_f32(i);
            for target in [test.labels[i] as usize, (test.labels[i] as usize + 5) % 10] {
                let mut o = MethodOptions::new("lrp").unwrap();
                o.target = Some(target);
                let e = explain(&net, &img, &o).unwrap();
                let gap = e.completeness_gap.expect("LRP reports conservation");
                let logit = e.logits[target];
                eprintln!("{kind:?} image {i} target {target}: logit {logit:.4}, sum - logit {gap:.2e}");
                assert!(
                    gap.abs() <= 1e-4 * logit.abs().max(1.0),
                    "{kind:?} image {i}: conservation gap {gap} for logit {logit}"
                );
            }
        }
    }
}

#[test]
fn blur_ig_blurs_like_scipy_and_is_complete() {
    use saliency::attribution::{BlurIg, gaussian_blur};
    // scipy.ndimage.gaussian_filter of a unit impulse, sigma 1 (radius 4): the centre keeps
    // k0^2 with k0 = 1 / sum_{i=-4..4} exp(-i^2 / 2) = 0.3989423; outside is zero, so a plane of
    // ones loses mass at its corners.
    let mut impulse = vec![0f32; 81];
    impulse[40] = 1.0;
    let b = gaussian_blur(&impulse, 1, 9, 9, 1.0);
    let k0 = 1.0 / (-4..=4).map(|i: i32| (-0.5 * (i * i) as f64).exp()).sum::<f64>();
    assert!((b[40] as f64 - k0 * k0).abs() < 1e-7, "{} vs {}", b[40], k0 * k0);
    assert!((b.iter().map(|&v| v as f64).sum::<f64>() - 1.0).abs() < 1e-6);
    let ones = gaussian_blur(&[1.0; 81], 1, 9, 9, 1.0);
    assert!(ones[40] > 0.999 && ones[0] < 0.5, "{} {}", ones[40], ones[0]);
    assert_eq!(gaussian_blur(&impulse, 1, 9, 9, 0.0), impulse, "sigma 0 is the image");
    // Completeness within 1 % at 300 steps: the attributions add up to f(x) - f(blurred x).
    let kind = DatasetKind::Mnist;
    let net = common::pretrained_net(kind);
    let test = common::test_set(kind);
    for i in [0, 12] {
        let x = tensor(kind, &test.image_f32(i), &net);
        let t = [test.labels[i] as usize];
        let m = BlurIg { max_sigma: 10.0, steps: 300, batch_size: 64 };
        let attr = m.attribute(&net, &x, &t).unwrap();
        let gap = m.convergence(&net, &x, &attr, &t).unwrap().unwrap()[0];
        let delta = net.logits(&x)[0][t[0]] - net.logits(&m.blurred(&x))[0][t[0]];
        eprintln!("Blur IG image {i}: logit difference {delta:.3}, completeness gap {gap:.4}");
        assert!(delta.abs() > 1.0 && gap.abs() <= 0.01 * delta.abs(), "image {i}: gap {gap} vs difference {delta}");
    }
}

#[test]
fn expected_gradients_draw_from_the_gallery_and_are_complete_on_average() {
    use saliency::attribution::ExpectedGradients;
    let kind = DatasetKind::Mnist;
    let net = common::pretrained_net(kind);
    let test = common::test_set(kind);
    let refs: Vec<f32> = (100..130).flat_map(|i| test.image_f32(i)).collect();
    for i in [0, 12] {
        let x = tensor(kind, &test.image_f32(i), &net);
        let t = [test.labels[i] as usize];
        let m = ExpectedGradients { references: refs.clone(), samples: 300, seed: 1, batch_size: 64 };
        let attr = m.attribute(&net, &x, &t).unwrap();
        let gap = m.convergence(&net, &x, &attr, &t).unwrap().unwrap()[0];
        let sum: f32 = to_vec(attr.clone()).iter().sum();
        eprintln!("expected gradients image {i}: sum of attributions {sum:.3}, completeness gap {gap:.4}");
        assert!(gap.abs() <= 0.01 * (sum - gap).abs(), "image {i}: gap {gap} vs difference {}", sum - gap);
        // Seeded: the same draws give the same map.
        assert_eq!(to_vec(attr), to_vec(m.attribute(&net, &x, &t).unwrap()));
    }
    // Through the registry the CLI's build draws from the bundled gallery.
    let e = explain(&net, &test.image_f32(0), &MethodOptions::new("expected-gradients").unwrap()).unwrap();
    assert!(e.completeness_gap.is_some() && e.raw.iter().any(|v| *v != 0.0));
    let bad = MethodOptions::new("expected-gradients").unwrap().with("references", vec![0.5; 100]).unwrap();
    assert!(
        explain(&net, &test.image_f32(0), &bad)
            .unwrap_err()
            .to_string()
            .contains("whole number of 784-value (28x28x1) images")
    );
}
