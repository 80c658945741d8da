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
