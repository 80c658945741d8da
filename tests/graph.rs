//! The graph engine (`saliency::graph`) on a network unlike the tutorial's — odd sizes, strided
//! and asymmetrically padded, dilated and depthwise convolutions, a residual Add, padded max
//! pooling with unequal windows — held to the same network written with burn's tensor ops: its
//! logits, and burn autodiff's gradient at the input and at an inner value. And the tutorial graph's
//! LRP, walked op by op, against the burn implementation. And every other op alone (activations,
//! BatchNorm's affine, average pooling both ways, global pooling, Concat, Transpose) against the
//! same op in burn: its value and autodiff's vector-Jacobian product for a random cotangent.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use burn::tensor::module::{conv2d, max_pool2d};
use burn::tensor::ops::{ConvOptions, MaxPoolOptions};
use burn::tensor::{Tensor, TensorData, activation::relu};
use saliency::graph::ops::{Add, Conv, ConvGeometry, Dense, Flatten, MaxPool, Relu};
use saliency::graph::{Graph, Maps, Node, ReluRule, Shape};
use saliency::model::{DatasetKind, images_to_tensor, to_vec};
use saliency::rng::Rng;

fn normals(rng: &mut Rng, n: usize, scale: f64) -> Vec<f32> {
    (0..n).map(|_| (rng.normal() * scale) as f32).collect()
}

struct Params {
    a: (Vec<f32>, Vec<f32>),
    depthwise: (Vec<f32>, Vec<f32>),
    c: (Vec<f32>, Vec<f32>),
    fc1: (Vec<f32>, Vec<f32>),
    fc2: (Vec<f32>, Vec<f32>),
}

const INPUT: Shape = Shape::new(3, 13, 11);
const A: ConvGeometry =
    ConvGeometry { kernel: [3, 3], stride: [2, 2], pads: [1, 0, 2, 1], dilation: [1, 1], groups: 1 };
const DW: ConvGeometry =
    ConvGeometry { kernel: [3, 3], stride: [1, 1], pads: [1, 1, 1, 1], dilation: [1, 1], groups: 8 };
const C: ConvGeometry = ConvGeometry { kernel: [2, 2], stride: [1, 1], pads: [0; 4], dilation: [2, 2], groups: 1 };
const POOL: MaxPool = MaxPool { kernel: [3, 2], stride: [2, 1], pads: [1, 0, 1, 1] };

fn params(seed: u64) -> Params {
    let mut rng = Rng::new(seed);
    let mut layer = |w: usize, b: usize, scale: f64| (normals(&mut rng, w, scale), normals(&mut rng, b, 0.1));
    Params {
        a: layer(8 * 3 * 9, 8, 0.3),
        depthwise: layer(8 * 9, 8, 0.4),
        c: layer(16 * 8 * 4, 16, 0.2),
        fc1: layer(144 * 12, 12, 0.1),
        fc2: layer(12 * 5, 5, 0.3),
    }
}

/// values: 0 input, 1 conv a, 2 relu, 3 depthwise, 4 add (residual), 5 relu, 6 conv c (dilated),
/// 7 pool, 8 flatten, 9 fc1, 10 relu, 11 fc2.
fn graph(p: &Params) -> Graph {
    let conv =
        |(w, b): &(Vec<f32>, Vec<f32>), cin, cout, g| Conv::new(w.clone(), Some(b.clone()), cin, cout, g).unwrap();
    let dense = |(w, b): &(Vec<f32>, Vec<f32>), i, o| Dense::new(w.clone(), Some(b.clone()), i, o).unwrap();
    let nodes = vec![
        Node::new("a", conv(&p.a, 3, 8, A), vec![0]),
        Node::new("a_relu", Relu, vec![1]),
        Node::new("depthwise", conv(&p.depthwise, 8, 8, DW), vec![2]),
        Node::new("residual", Add, vec![3, 2]),
        Node::new("relu", Relu, vec![4]),
        Node::new("c", conv(&p.c, 8, 16, C), vec![5]),
        Node::new("pool", POOL, vec![6]),
        Node::new("flatten", Flatten, vec![7]),
        Node::new("fc1", dense(&p.fc1, 144, 12), vec![8]),
        Node::new("fc1_relu", Relu, vec![9]),
        Node::new("fc2", dense(&p.fc2, 12, 5), vec![10]),
    ];
    Graph::new(INPUT, nodes).unwrap()
}

fn t4(v: &[f32], dims: [usize; 4], dev: &burn::tensor::Device) -> Tensor<4> {
    Tensor::from_data(TensorData::new(v.to_vec(), dims), dev)
}
fn t1(v: &[f32], dev: &burn::tensor::Device) -> Tensor<1> {
    Tensor::from_data(TensorData::new(v.to_vec(), [v.len()]), dev)
}

fn options(g: ConvGeometry) -> ConvOptions<2> {
    let [t, l, b, r] = g.pads;
    ConvOptions::new_with_padding(g.stride, [(t, b), (l, r)], g.dilation, g.groups)
}

/// The same network in burn: from the input, or from value 4 (the residual sum) on.
fn burn_net(p: &Params, x: Tensor<4>, from_sum: bool) -> Tensor<2> {
    let dev = x.device();
    let conv = |x: Tensor<4>, (w, b): &(Vec<f32>, Vec<f32>), cout: usize, cin_g: usize, k: [usize; 2], g| {
        conv2d(x, t4(w, [cout, cin_g, k[0], k[1]], &dev), Some(t1(b, &dev)), options(g))
    };
    let sum = if from_sum {
        x
    } else {
        let a = relu(conv(x, &p.a, 8, 3, [3, 3], A));
        conv(a.clone(), &p.depthwise, 8, 1, [3, 3], DW) + a
    };
    let c = conv(relu(sum), &p.c, 16, 8, [2, 2], C);
    let [t, l, b, r] = POOL.pads;
    let pooled =
        max_pool2d(c, MaxPoolOptions::new(POOL.kernel).with_stride(POOL.stride).with_padding_pairs([(t, b), (l, r)]));
    let dense = |x: Tensor<2>, (w, b): &(Vec<f32>, Vec<f32>), i: usize, o: usize| {
        x.matmul(Tensor::from_data(TensorData::new(w.clone(), [i, o]), &dev)) + t1(b, &dev).unsqueeze()
    };
    dense(relu(dense(pooled.flatten(1, 3), &p.fc1, 144, 12)), &p.fc2, 12, 5)
}

/// |a - b| ≤ 1e-5 · max |b| (and a floor for values that are zero).
fn assert_close(what: &str, a: &[f32], b: &[f32]) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let scale = b.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-3);
    let d = common::max_abs_diff(a, b);
    assert!(d <= 1e-5 * scale, "{what}: differs by {d} (scale {scale})");
}

/// d logit[target] / d value, by burn's autodiff, with the value as a leaf.
fn burn_gradient(p: &Params, leaf: Tensor<4>, from_sum: bool, target: usize) -> Vec<f32> {
    let x = leaf.autodiff().require_grad();
    let logits = burn_net(p, x.clone(), from_sum);
    let grads = logits.slice([0..1, target..target + 1]).sum().backward();
    to_vec(x.grad(&grads).expect("the leaf's gradient").inner())
}

#[test]
fn any_graph_matches_burn_forward_and_autodiff() {
    let dev = saliency::backend::default_device();
    for seed in 0..4 {
        let p = params(seed);
        let g = graph(&p);
        assert_eq!(g.output_shape(), Shape::vector(5));
        assert_eq!(g.shape(7), Shape::new(16, 3, 3), "padded, unequal pooling windows");
        let mut rng = Rng::new(100 + seed);
        let chw: Vec<f32> = (0..INPUT.len()).map(|_| rng.uniform() as f32).collect();
        let x = t4(&chw, [1, 3, 13, 11], &dev);
        let trace = g.forward(Maps::from_chw(&chw, 3, 13, 11));
        let want = to_vec(burn_net(&p, x.clone(), false));
        assert_close(&format!("seed {seed} logits"), &trace.output().data, &want);
        for target in [0, 3] {
            let seed_grad = Maps::one_hot(5, target);
            let ours = g.backward(&trace, seed_grad.clone(), ReluRule::Gradient, 0).to_chw();
            assert_close(&format!("seed {seed} input gradient"), &ours, &burn_gradient(&p, x.clone(), false, target));
            // At the residual sum: gradients from both of its readers meet there.
            let s = g.shape(4);
            let sum = t4(&trace.values[4].to_chw(), [1, s.c, s.h, s.w], &dev);
            let ours = g.backward(&trace, seed_grad, ReluRule::Gradient, 4).to_chw();
            assert_close(&format!("seed {seed} gradient at the sum"), &ours, &burn_gradient(&p, sum, true, target));
        }
    }
}

#[test]
fn a_graph_counts_its_cost_and_refuses_what_does_not_fit_by_node() {
    let p = params(0);
    let g = graph(&p);
    // conv a: 8·7·5 outputs × 3·9 terms; depthwise: 8·7·5 × 9; c: 16·5·3 × 8·4; the dense layers.
    let macs = 8 * 7 * 5 * 27 + 8 * 7 * 5 * 9 + 16 * 5 * 3 * 32 + 144 * 12 + 12 * 5;
    let elementwise = 8 * 7 * 5 * 3 + 16 * 3 * 3 * 6 + 12;
    assert_eq!(g.flops(), 2 * macs as u64 + elementwise as u64);
    assert_eq!(
        g.parameters(),
        [&p.a, &p.depthwise, &p.c, &p.fc1, &p.fc2].iter().map(|(w, b)| w.len() + b.len()).sum::<usize>()
    );

    let dense = Dense::new(vec![0.0; 20], None, 4, 5).unwrap();
    let err = Graph::new(INPUT, vec![Node::new("head", dense.clone(), vec![0])]).unwrap_err().to_string();
    assert!(err.contains("node “head” (Gemm)") && err.contains("takes 4 features, its input has 429"), "{err}");
    let err = Graph::new(INPUT, vec![Node::new("r", Relu, vec![1])]).unwrap_err().to_string();
    assert!(err.contains("node “r” (Relu): reads value 1, which is not computed before it"), "{err}");
    let err =
        Graph::new(INPUT, vec![Node::new("r", Relu, vec![0]), Node::new("r", Relu, vec![1])]).unwrap_err().to_string();
    assert!(err.contains("a second node has this name"), "{err}");
    let err =
        Graph::new(INPUT, vec![Node::new("r", Relu, vec![0]), Node::new("s", Add, vec![0])]).unwrap_err().to_string();
    assert!(err.contains("node “s” (Add): takes two inputs"), "{err}");
    let big = MaxPool::square(20);
    let err = Graph::new(INPUT, vec![Node::new("p", big, vec![0])]).unwrap_err().to_string();
    assert!(err.contains("does not fit its 3×13×11 input"), "{err}");
    assert!(Conv::new(vec![0.0; 10], None, 3, 8, A).unwrap_err().contains("needs 216"));
    assert!(Conv::new(vec![0.0; 8 * 9], None, 8, 8, ConvGeometry { groups: 3, ..DW }).unwrap_err().contains("groups"));
}

#[test]
fn the_tutorial_graphs_lrp_equals_the_burn_rules() {
    for kind in DatasetKind::ALL {
        let net = common::pretrained_net(kind);
        let test = common::test_set(kind);
        for i in 0..3 {
            let x = images_to_tensor(kind, &test.image_f32(i), &net.device()).unwrap();
            let graph = net.graph();
            let trace = net.trace(&to_vec(x.clone()));
            let logits = trace.output().data.clone();
            let target = i % 10;
            let mut seed = Maps::one_hot(10, target);
            seed.data[target] = logits[target];
            let ours = graph.lrp(&trace, seed, 1e-6, 0).to_chw();
            let want = to_vec(saliency::attribution::relevance(net.cnn().unwrap(), &x, &[target], 1e-6));
            assert_close(&format!("{kind:?} image {i} relevance"), &ours, &want);
        }
    }
}

/// A graph of `nodes` (each reading the values it names; 0 is the input) against `burn_op` on the
/// same C x H x W input in [-2, 2): the last value, and the gradient at the input of its dot
/// product with a random cotangent, to 1e-5 of burn's autodiff.
fn op_matches_burn(what: &str, input: Shape, nodes: Vec<Node>, burn_op: impl Fn(Tensor<4>) -> Tensor<4>) {
    let dev = saliency::backend::default_device();
    let g = Graph::new(input, nodes).unwrap_or_else(|e| panic!("{what}: {e}"));
    let mut rng = Rng::new(what.len() as u64 * 7919);
    let chw: Vec<f32> = (0..input.len()).map(|_| (rng.uniform() * 4.0 - 2.0) as f32).collect();
    let t = g.forward(Maps::from_chw(&chw, input.c, input.h, input.w));
    let out = g.output_shape();
    let cot: Vec<f32> = (0..out.len()).map(|_| (rng.uniform() * 2.0 - 1.0) as f32).collect();
    let ours = g.backward(&t, Maps::from_chw(&cot, out.c, out.h, out.w), ReluRule::Gradient, 0).to_chw();
    let x = t4(&chw, [1, input.c, input.h, input.w], &dev).autodiff().require_grad();
    let y = burn_op(x.clone());
    assert_eq!(y.dims(), [1, out.c, out.h, out.w], "{what}: shapes");
    assert_close(&format!("{what}: value"), &t.output().to_chw(), &to_vec(y.clone().inner()));
    let grads = (y * t4(&cot, [1, out.c, out.h, out.w], &dev).autodiff()).sum().backward();
    assert_close(&format!("{what}: gradient"), &ours, &to_vec(x.grad(&grads).expect("the input's gradient").inner()));
}

#[test]
fn every_op_alone_matches_burn_forward_and_autodiff() {
    use burn::tensor::activation::{elu, hard_sigmoid, hard_swish, leaky_relu, sigmoid, tanh};
    use burn::tensor::module::avg_pool2d;
    use burn::tensor::ops::AvgPoolOptions;
    use saliency::graph::ops::{Activation, Affine, AvgPool, Concat, Transpose};
    let s = Shape::new(3, 7, 6);
    let one = |op: Node| vec![op];
    let act = |a: Activation| Node::new("op", a, vec![0]);
    op_matches_burn("LeakyRelu", s, one(act(Activation::LeakyRelu { alpha: 0.1 })), |x| leaky_relu(x, 0.1));
    op_matches_burn("Elu", s, one(act(Activation::Elu { alpha: 0.7 })), |x| elu(x, 0.7));
    op_matches_burn("Sigmoid", s, one(act(Activation::Sigmoid)), sigmoid);
    op_matches_burn("Tanh", s, one(act(Activation::Tanh)), tanh);
    op_matches_burn("Clip", s, one(act(Activation::Clip { lo: -0.5, hi: 0.8 })), |x| x.clamp(-0.5, 0.8));
    op_matches_burn("HardSigmoid", s, one(act(Activation::HardSigmoid { alpha: 0.2, beta: 0.5 })), |x| {
        hard_sigmoid(x, 0.2, 0.5)
    });
    op_matches_burn("HardSwish", s, one(act(Activation::HardSwish)), hard_swish);
    let (scale, shift) = (vec![1.5f32, -0.5, 0.25], vec![0.1f32, 0.0, -2.0]);
    op_matches_burn(
        "BatchNormalization",
        s,
        one(Node::new("bn", Affine::new("BatchNormalization", scale.clone(), shift.clone()).unwrap(), vec![0])),
        |x| {
            let dev = x.device();
            let per = |v: &[f32]| Tensor::<4>::from_data(TensorData::new(v.to_vec(), [1, 3, 1, 1]), &dev).autodiff();
            x * per(&scale) + per(&shift)
        },
    );
    for include in [false, true] {
        let pool =
            AvgPool { kernel: [3, 2], stride: [2, 1], pads: [1, 0, 1, 1], count_include_pad: include, global: false };
        let options = AvgPoolOptions::new([3, 2])
            .with_stride([2, 1])
            .with_padding_pairs([(1, 1), (0, 1)])
            .with_count_include_pad(include);
        op_matches_burn(
            &format!("AveragePool count_include_pad={include}"),
            s,
            one(Node::new("avg", pool, vec![0])),
            move |x| avg_pool2d(x, options.clone()),
        );
    }
    op_matches_burn("GlobalAveragePool", s, one(Node::new("gap", AvgPool::global(), vec![0])), |x| {
        x.mean_dim(2).mean_dim(3)
    });
    op_matches_burn(
        "GlobalMaxPool",
        s,
        one(Node::new("gmp", MaxPool { kernel: [7, 6], stride: [1, 1], pads: [0; 4] }, vec![0])),
        |x| max_pool2d(x, MaxPoolOptions::new([7, 6]).with_stride([1, 1])),
    );
    op_matches_burn(
        "Transpose (C, H, W) -> (H, W, C)",
        s,
        one(Node::new("t", Transpose { perm: [1, 2, 0] }, vec![0])),
        |x| x.permute([0, 2, 3, 1]),
    );
    op_matches_burn(
        "Concat of two values",
        s,
        vec![act(Activation::Tanh), Node::new("b", Activation::Sigmoid, vec![0]), Node::new("cat", Concat, vec![1, 2])],
        |x| Tensor::cat(vec![tanh(x.clone()), sigmoid(x)], 1),
    );
}

/// Undilated one-group convolutions take the fast passes, padding copied in, at each block width
/// (8, 16, 32 channels), with few inputs, strided and of other kernels (a ResNet's 7×7 stride-2
/// stem, its 1×1 stride-2 shortcut); held to burn like the general pass.
#[test]
fn padded_fast_convolutions_match_burn() {
    let dev = saliency::backend::default_device();
    let geometry = |kernel: [usize; 2], stride: [usize; 2], pads: [usize; 4]| ConvGeometry {
        kernel,
        stride,
        pads,
        ..ConvGeometry::valid(1)
    };
    for (cin, cout, g) in [
        (3, 16, geometry([3, 3], [1, 1], [1, 1, 1, 1])),
        (16, 8, geometry([3, 3], [1, 1], [1, 0, 2, 1])),
        (8, 24, geometry([3, 3], [1, 1], [1; 4])),
        (32, 32, geometry([3, 3], [1, 1], [0, 1, 0, 1])),
        (3, 16, geometry([3, 3], [2, 2], [1; 4])),
        (16, 32, geometry([3, 3], [2, 2], [1, 1, 0, 0])),
        (16, 32, geometry([1, 1], [2, 2], [0; 4])),
        (3, 8, geometry([7, 7], [2, 2], [3; 4])),
        (8, 16, geometry([2, 3], [1, 2], [0, 1, 1, 0])),
        // 12 channels are no block width: the general pass, strided.
        (3, 12, geometry([3, 3], [2, 2], [1; 4])),
    ] {
        let what = format!("Conv {cin}→{cout} {g:?}");
        let [kh, kw] = g.kernel;
        let mut rng = Rng::new((cin * 100 + cout + kh * 7 + g.stride[0]) as u64);
        let (w, b) = (normals(&mut rng, cout * cin * kh * kw, 0.2), normals(&mut rng, cout, 0.1));
        let conv = Conv::new(w.clone(), Some(b.clone()), cin, cout, g).unwrap();
        let (wt, bt) = (t4(&w, [cout, cin, kh, kw], &dev).autodiff(), t1(&b, &dev).autodiff());
        op_matches_burn(&what, Shape::new(cin, 9, 7), vec![Node::new("conv", conv, vec![0])], move |x| {
            burn::tensor::module::conv2d(x, wt.clone(), Some(bt.clone()), options(g))
        });
    }
}

/// The weight and bias gradients of a lone conv (of ⟨cotangent, output⟩, on a half-zero input as
/// ReLU leaves) against burn's autodiff, for every geometry the general and fast passes take.
#[test]
fn conv_and_dense_parameter_gradients_match_burn() {
    let dev = saliency::backend::default_device();
    let cases = [
        (3, 8, A),
        (8, 8, DW),
        (8, 16, C),
        (3, 16, ConvGeometry { pads: [1; 4], ..ConvGeometry::valid(3) }),
        (16, 32, ConvGeometry::valid(3)),
    ];
    for (cin, cout, g) in cases {
        let what = format!("Conv {cin}→{cout} {g:?}");
        let mut rng = Rng::new((cin * 31 + cout) as u64);
        let (cg, [kh, kw]) = (cin / g.groups, g.kernel);
        let (w, b) = (normals(&mut rng, cout * cg * kh * kw, 0.3), normals(&mut rng, cout, 0.1));
        let input = Shape::new(cin, 9, 8);
        let x: Vec<f32> = (0..input.len()).map(|_| (rng.uniform() * 2.0 - 1.0).max(0.0) as f32).collect();
        let conv = Conv::new(w.clone(), Some(b.clone()), cin, cout, g).unwrap();
        let graph = Graph::new(input, vec![Node::new("conv", conv, vec![0])]).unwrap();
        let trace = graph.forward(Maps::from_chw(&x, cin, 9, 8));
        let out = graph.output_shape();
        let cot: Vec<f32> = (0..out.len()).map(|_| (rng.uniform() * 2.0 - 1.0).max(-0.2) as f32).collect();
        let ours = graph.parameter_gradients(&trace, Maps::from_chw(&cot, out.c, out.h, out.w)).remove(0);
        let (wt, bt) =
            (t4(&w, [cout, cg, kh, kw], &dev).autodiff().require_grad(), t1(&b, &dev).autodiff().require_grad());
        let y = conv2d(t4(&x, [1, cin, 9, 8], &dev).autodiff(), wt.clone(), Some(bt.clone()), options(g));
        let grads = (y * t4(&cot, [1, out.c, out.h, out.w], &dev).autodiff()).sum().backward();
        let want = [to_vec(wt.grad(&grads).unwrap()), to_vec(bt.grad(&grads).unwrap())].concat();
        assert_close(&what, &ours, &want);
    }
    let (i, o) = (12, 5);
    let mut rng = Rng::new(9);
    let (w, b) = (normals(&mut rng, i * o, 0.3), normals(&mut rng, o, 0.1));
    let x: Vec<f32> = (0..i).map(|_| (rng.uniform() * 2.0 - 1.0).max(0.0) as f32).collect();
    let graph = Graph::new(
        Shape::vector(i),
        vec![Node::new("fc", Dense::new(w.clone(), Some(b.clone()), i, o).unwrap(), vec![0])],
    )
    .unwrap();
    let trace = graph.forward(Maps { data: x.clone(), h: 1, w: 1, c: i });
    let cot: Vec<f32> = (0..o).map(|_| (rng.uniform() * 2.0 - 1.0) as f32).collect();
    let ours = graph.parameter_gradients(&trace, Maps { data: cot.clone(), h: 1, w: 1, c: o }).remove(0);
    let wt = Tensor::<2>::from_data(TensorData::new(w, [i, o]), &dev).autodiff().require_grad();
    let bt = t1(&b, &dev).autodiff().require_grad();
    let xt = Tensor::<2>::from_data(TensorData::new(x, [1, i]), &dev).autodiff();
    let y = xt.matmul(wt.clone()) + bt.clone().unsqueeze();
    let grads = (y * Tensor::<2>::from_data(TensorData::new(cot, [1, o]), &dev).autodiff()).sum().backward();
    assert_close("Gemm", &ours, &[to_vec(wt.grad(&grads).unwrap()), to_vec(bt.grad(&grads).unwrap())].concat());
}
