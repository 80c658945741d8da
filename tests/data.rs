//! MNIST and CIFAR-10 readers: real files, and broken ones that must give a clear error.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::path::Path;

use saliency::data::{self, Split, parse_cifar, parse_idx_images, parse_idx_labels};
use saliency::model::DatasetKind;

fn idx_images(n: u32) -> Vec<u8> {
    let mut b = Vec::new();
    for v in [2051u32, n, 28, 28] {
        b.extend(v.to_be_bytes());
    }
    b.extend((0..n as usize * 784).map(|i| (i % 251) as u8));
    b
}

fn idx_labels(labels: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend(2049u32.to_be_bytes());
    b.extend((labels.len() as u32).to_be_bytes());
    b.extend(labels);
    b
}

#[test]
fn real_mnist_and_cifar_load_with_official_counts() {
    let dir = common::data_dir();
    let train = data::load(DatasetKind::Mnist, &dir, Split::Train).unwrap();
    let test = data::load(DatasetKind::Mnist, &dir, Split::Test).unwrap();
    assert_eq!((train.len(), test.len()), (60_000, 10_000));
    assert_eq!(train.images.len(), 60_000 * 784);
    let mut counts = [0usize; 10];
    test.labels.iter().for_each(|&l| counts[l as usize] += 1);
    assert_eq!(counts, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    let mean = train.images.iter().map(|&p| p as f64).sum::<f64>() / train.images.len() as f64;
    assert!((mean - 33.318).abs() < 0.01, "mean pixel {mean}");
    // The tutorial's first test digit is a 7.
    assert_eq!(test.labels[0], 7);

    let ctest = data::load(DatasetKind::Cifar10, &dir, Split::Test).unwrap();
    assert_eq!(ctest.len(), 10_000);
    assert_eq!(ctest.images.len(), 10_000 * 3072);
    let mut counts = [0usize; 10];
    ctest.labels.iter().for_each(|&l| counts[l as usize] += 1);
    assert_eq!(counts, [1000; 10]);
}

#[test]
fn idx_parsers_accept_valid_and_reject_broken_files() {
    let p = Path::new("x.idx");
    let (px, n) = parse_idx_images(&idx_images(3), p).unwrap();
    assert_eq!((px.len(), n), (3 * 784, 3));
    assert_eq!(parse_idx_labels(&idx_labels(&[0, 9, 3]), p).unwrap(), vec![0, 9, 3]);

    let mut truncated = idx_images(3);
    truncated.pop();
    let e = parse_idx_images(&truncated, p).unwrap_err().to_string();
    assert!(e.contains("x.idx") && e.contains("truncated"), "{e}");
    let e = parse_idx_images(&idx_labels(&[1; 10]), p).unwrap_err().to_string();
    assert!(e.contains("magic"), "{e}");
    let e = parse_idx_labels(&idx_images(1), p).unwrap_err().to_string();
    assert!(e.contains("magic"), "{e}");
    let e = parse_idx_labels(&idx_labels(&[1, 10]), p).unwrap_err().to_string();
    assert!(e.contains("label 10") && e.contains("out of range"), "{e}");
    let e = parse_idx_images(&[0, 0], p).unwrap_err().to_string();
    assert!(e.contains("too short"), "{e}");
}

#[test]
fn cifar_parser_keeps_channels_and_rejects_broken_files() {
    let p = Path::new("batch.bin");
    let mut rec = vec![3u8];
    rec.extend(std::iter::repeat_n(10u8, 1024));
    rec.extend(std::iter::repeat_n(20u8, 1024));
    rec.extend(std::iter::repeat_n(30u8, 1024));
    let d = parse_cifar(&rec, p).unwrap();
    assert_eq!(d.labels, vec![3]);
    assert_eq!(&d.images[..6], &[10, 20, 30, 10, 20, 30], "planar RGB becomes interleaved HWC");
    let e = parse_cifar(&rec[..100], p).unwrap_err().to_string();
    assert!(e.contains("batch.bin") && e.contains("truncated"), "{e}");
    rec[0] = 12;
    let e = parse_cifar(&rec, p).unwrap_err().to_string();
    assert!(e.contains("label 12"), "{e}");
}

#[test]
fn gzip_and_missing_files_are_reported_with_their_names() {
    let dir = std::env::temp_dir().join(format!("saliency-data-test-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("mnist")).unwrap();
    let e = data::load(DatasetKind::Mnist, &dir, Split::Test).unwrap_err().to_string();
    assert!(e.contains("t10k-images-idx3-ubyte") && e.contains("missing"), "{e}");
    // A corrupt gzip file is named as such.
    std::fs::write(dir.join("mnist/t10k-images-idx3-ubyte.gz"), [0x1f, 0x8b, 0, 1, 2]).unwrap();
    std::fs::write(dir.join("mnist/t10k-labels-idx1-ubyte"), idx_labels(&[1])).unwrap();
    let e = data::load(DatasetKind::Mnist, &dir, Split::Test).unwrap_err().to_string();
    assert!(e.contains("gzip"), "{e}");
    let e = data::load(DatasetKind::Mnist, &dir.join("nope"), Split::Test).unwrap_err().to_string();
    assert!(e.contains("does not exist"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}

/// The Train view's reader: the official files picked in any order (MNIST's un-gzipped bytes
/// under either name), CIFAR-10 batches inside a tar, and refusals that name the file.
#[test]
fn picked_files_become_the_same_sets_the_cli_reads() {
    use saliency::data::{Split, file_names, from_files, load, read_maybe_gz};
    let dir = common::data_dir();
    let mnist: Vec<(String, Vec<u8>)> = [Split::Test, Split::Train]
        .into_iter()
        .flat_map(|s| file_names(DatasetKind::Mnist, s))
        .map(|n| (format!("{n}.gz"), read_maybe_gz(&dir.join("mnist").join(format!("{n}.gz"))).unwrap()))
        .collect();
    let picked = from_files(mnist.clone()).unwrap();
    assert_eq!(picked.kind, DatasetKind::Mnist);
    let (train, test) = (picked.train.unwrap(), picked.test.unwrap());
    let cli = load(DatasetKind::Mnist, &dir, Split::Train).unwrap();
    assert!(train.images == cli.images && train.labels == cli.labels);
    assert_eq!(test.len(), 10_000);

    // Only the test pair, under Kaggle's names: a test set and no training set.
    let kaggle: Vec<_> = mnist[..2]
        .iter()
        .map(|(n, b)| (n.replace("-idx", ".idx").trim_end_matches(".gz").to_string(), b.clone()))
        .collect();
    let only_test = from_files(kaggle).unwrap();
    assert!(only_test.train.is_none() && only_test.test.is_some());

    let err = |files: Vec<(String, Vec<u8>)>| from_files(files).err().expect("refused").to_string();
    let e = err(vec![mnist[2].clone()]);
    assert!(e.contains("train-labels-idx1-ubyte") && e.contains("missing"), "{e}");
    let e = err(vec![("cat.png".into(), vec![1, 2, 3])]);
    assert!(e.contains("“cat.png”") && e.contains("not one of the official"), "{e}");
    let e = err(vec![("t10k-labels-idx1-ubyte".into(), mnist[0].1.clone()), mnist[0].clone()]);
    assert!(e.contains("magic") || e.contains("twice"), "{e}");
    assert!(err(vec![]).contains("no data set files"));

    // CIFAR-10: two records of test_batch.bin inside a tar, with the folder's text file.
    let cifar = std::fs::read(dir.join("cifar-10-batches-bin/test_batch.bin")).unwrap();
    let records = cifar[..2 * 3073].to_vec();
    let mut tar = Vec::new();
    for (name, body) in [
        ("cifar-10-batches-bin/batches.meta.txt", b"airplane\n".to_vec()),
        ("cifar-10-batches-bin/test_batch.bin", records),
    ] {
        let mut h = vec![0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        let size = format!("{:011o}\0", body.len());
        h[124..136].copy_from_slice(size.as_bytes());
        h[156] = b'0';
        tar.extend(h);
        tar.extend(&body);
        tar.resize(tar.len().div_ceil(512) * 512, 0);
    }
    tar.extend([0u8; 1024]);
    let picked = from_files(vec![("cifar-10-binary.tar.gz".into(), tar.clone())]).unwrap();
    let t = picked.test.unwrap();
    assert_eq!((picked.kind, t.len()), (DatasetKind::Cifar10, 2));
    let full = load(DatasetKind::Cifar10, &dir, Split::Test).unwrap();
    assert!(t.images[..] == full.images[..2 * 3072] && t.labels[..] == full.labels[..2]);
    let e = err(vec![("cifar-10-binary.tar".into(), tar[..700].to_vec())]);
    assert!(e.contains("truncated"), "{e}");
    let e = err(vec![mnist[0].clone(), mnist[1].clone(), ("test_batch.bin".into(), cifar[..3073].to_vec())]);
    assert!(e.contains("both"), "{e}");
}
