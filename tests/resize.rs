//! The area resize that fits the bundled galleries to a model of another size: its definition on
//! small cases, and the very numbers the page's `resizeImage` (www/prepare.js) gives.
#![cfg(not(target_arch = "wasm32"))]
use saliency::input::resize_area;

#[test]
fn resizing_averages_areas_and_keeps_channels_apart() {
    let img: Vec<f32> = (0..7 * 5 * 3).map(|i| [0.2, 0.5, 0.9][i % 3]).collect();
    let out = resize_area(&img, (5, 7, 3), 9, 4);
    assert_eq!(out.len(), 9 * 4 * 3);
    assert!(out.iter().enumerate().all(|(i, v)| (v - [0.2, 0.5, 0.9][i % 3]).abs() < 1e-6));
    let noise: Vec<f32> = (0..36).map(|i| ((i * 53) % 97) as f32 / 97.0).collect();
    assert_eq!(resize_area(&noise, (6, 6, 1), 6, 6), noise);
    let half = resize_area(&noise, (6, 6, 1), 3, 3);
    assert!((half[0] - (noise[0] + noise[1] + noise[6] + noise[7]) / 4.0).abs() < 1e-6);
}

#[test]
fn the_page_resizes_alike() {
    // node: resizeImage(Float32Array.from({length: 105}, (_, i) => ((i * 37) % 101) / 100), 7, 5, 3, 4, 9)
    let page: Vec<f32> = serde_json::from_str(include_str!("fixtures/resize-page.json")).unwrap();
    let img: Vec<f32> = (0..105).map(|i| ((i * 37) % 101) as f32 / 100.0).collect();
    assert_eq!(resize_area(&img, (5, 7, 3), 9, 4), page);
}
