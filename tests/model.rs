//! The network itself: shapes, training, the shipped weights, and the ndarray backend.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use burn::tensor::Tensor;
use saliency::Cnn;
use saliency::backend::default_device;
use saliency::data::{self, Split};
use saliency::model::{DatasetKind, images_to_tensor, to_vec};
use saliency::train::{self, TrainConfig};

#[test]
fn output_and_stage_shapes_for_both_datasets() {
    for (kind, a_side, flat) in [(DatasetKind::Mnist, 11, 1600), (DatasetKind::Cifar10, 13, 2304)] {
        let m = Cnn::new(kind, &default_device());
        let x = Tensor::<4>::zeros([3, kind.channels(), kind.side(), kind.side()], &default_device());
        assert_eq!(m.forward(x.clone()).dims(), [3, 10]);
        let t = m.trace(x);
        assert_eq!(t.conv1_pre().dims(), [3, 32, kind.side() - 2, kind.side() - 2]);
        assert_eq!(t.conv2().dims(), [3, 64, a_side, a_side]);
        assert_eq!(t.fc1_pre().dims(), [3, 256]);
        assert_eq!(t.logits.dims(), [3, 10]);
        assert_eq!(kind.flat_features(), flat);
        assert_eq!(kind.conv2_side(), a_side);
    }
}

#[test]
fn wrong_sized_or_nan_input_is_rejected() {
    let d = default_device();
    let e = images_to_tensor(DatasetKind::Mnist, &[0.0; 783], &d).unwrap_err().to_string();
    assert!(e.contains("784"), "{e}");
    let mut v = vec![0.0; 784];
    v[5] = f32::NAN;
    let e = images_to_tensor(DatasetKind::Mnist, &v, &d).unwrap_err().to_string();
    assert!(e.contains("index 5 is not finite"), "{e}");
    v[5] = 1.5;
    let e = images_to_tensor(DatasetKind::Mnist, &v, &d).unwrap_err().to_string();
    assert!(e.contains("index 5 is outside [0, 1]"), "{e}");
    v[5] = -0.001;
    assert!(images_to_tensor(DatasetKind::Mnist, &v, &d).is_err());
    v[5] = 1.0;
    assert!(images_to_tensor(DatasetKind::Mnist, &v, &d).is_ok());
}

#[test]
fn short_training_run_lowers_the_loss() {
    let dir = common::data_dir();
    let all = data::load(DatasetKind::Mnist, &dir, Split::Train).unwrap();
    let small = all.subset(&(0..2500).collect::<Vec<_>>());
    let (tr, va) = train::split_validation(&small, 0.2);
    assert_eq!((tr.len(), va.len()), (2000, 500));
    let before = train::evaluate(&Cnn::new(DatasetKind::Mnist, &default_device()), &va, 250);
    let cfg = TrainConfig { epochs: 2, ..TrainConfig::tutorial() };
    let (model, logs) = train::train(DatasetKind::Mnist, &tr, &va, &cfg, &default_device(), |_| {});
    let after = train::evaluate(&model, &va, 250);
    assert_eq!(logs.len(), 2);
    assert!(after.loss < before.loss * 0.6, "loss {} -> {}", before.loss, after.loss);
    assert!(after.accuracy > 0.7, "accuracy {}", after.accuracy);
}

#[test]
fn training_is_deterministic_for_a_seed() {
    let all = data::load(DatasetKind::Mnist, &common::data_dir(), Split::Test).unwrap();
    let small = all.subset(&(0..600).collect::<Vec<_>>());
    let (tr, va) = train::split_validation(&small, 0.2);
    let cfg = TrainConfig { epochs: 1, ..TrainConfig::tutorial() };
    let run = || {
        let (m, _) = train::train(DatasetKind::Mnist, &tr, &va, &cfg, &default_device(), |_| {});
        to_vec(m.fc2.weight.val())
    };
    let alone = run();
    // burn's random stream is one per process: fresh networks built on another thread meanwhile
    // (as other tests do) must not shift the seeded run's draws.
    let done = std::sync::atomic::AtomicBool::new(false);
    let beside = std::thread::scope(|s| {
        s.spawn(|| {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let _ = to_vec(Cnn::new(DatasetKind::Mnist, &default_device()).fc2.weight.val());
            }
        });
        let r = run();
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        r
    });
    assert_eq!(alone, beside);
}

#[test]
fn shipped_weights_reach_the_tutorial_accuracy_on_the_full_test_sets() {
    for (kind, floor) in [(DatasetKind::Mnist, 0.9912), (DatasetKind::Cifar10, 0.7184)] {
        let m = train::evaluate(&common::pretrained(kind), &common::test_set(kind), 500);
        assert_eq!(m.n, 10_000);
        assert!(m.accuracy >= floor, "{kind:?}: {} < {floor}", m.accuracy);
    }
}

#[cfg(feature = "ndarray")]
#[test]
fn ndarray_backend_agrees_with_flex() {
    use saliency::attribution::{Network, autodiff_gradient};
    use saliency::backend::BackendKind;
    use saliency::weights::WeightSet;
    for kind in DatasetKind::ALL {
        let set = WeightSet::from_model(&common::pretrained(kind));
        let test = common::test_set(kind);
        let x: Vec<f32> = (0..4).flat_map(|i| test.image_f32(i)).collect();
        let targets: Vec<usize> = (0..4).map(|i| test.labels[i] as usize).collect();
        let mut out = Vec::new();
        for backend in [BackendKind::Flex, BackendKind::NdArray] {
            let device = backend.device();
            let net = Network::new(set.to_model(&device));
            let xt = images_to_tensor(kind, &x, &device).unwrap();
            let logits = to_vec(net.cnn().unwrap().forward(xt.clone()));
            let grad = to_vec(autodiff_gradient(net.frozen().unwrap(), &xt, &targets));
            out.push((logits, grad));
        }
        let dl = common::max_abs_diff(&out[0].0, &out[1].0);
        let dg = common::max_abs_diff(&out[0].1, &out[1].1);
        assert!(dl < 1e-5 && dg < 1e-5, "{kind:?}: logits differ by {dl}, gradients by {dg}");
        assert!(out[0].1.iter().any(|v| v.abs() > 1e-3), "gradient is not trivially zero");
    }
}
