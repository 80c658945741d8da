//! PNG in and out for the CLI: reading a user's image into the model's input, and drawing the
//! tutorial's figure (original and saliency map side by side under a title).

use std::path::Path;

use saliency::spec::InputSpec;
use saliency::{Error, Result};

const COLORMAPS: &str = include_str!("../../www/colormaps.json");

/// Linear interpolation over evenly spaced colour stops, t in [0,1].
fn colormap(name: &str) -> Result<impl Fn(f32) -> [u8; 3]> {
    let all: serde_json::Value = serde_json::from_str(COLORMAPS).map_err(|e| Error::Options(e.to_string()))?;
    let stops: Vec<[f32; 3]> = all[name]
        .as_array()
        .ok_or_else(|| Error::Options(format!("no colormap '{name}'")))?
        .iter()
        .filter_map(|v| v.as_str())
        .map(|h| {
            let c = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).unwrap_or(0) as f32;
            [c(1), c(3), c(5)]
        })
        .collect();
    Ok(move |t: f32| {
        let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
        let pos = t * (stops.len() - 1) as f32;
        let i = (pos.floor() as usize).min(stops.len() - 2);
        let f = pos - i as f32;
        let mix = |k: usize| (stops[i][k] * (1.0 - f) + stops[i + 1][k] * f).round() as u8;
        [mix(0), mix(1), mix(2)]
    })
}

/// A PNG file as the model's input (see `saliency::input::png_from_bytes`).
pub fn read_png(path: &Path, spec: &InputSpec) -> Result<Vec<f32>> {
    let bytes = std::fs::read(path).map_err(|e| Error::file(path, e))?;
    saliency::input::png_from_bytes(&bytes, spec).map_err(|e| Error::file(path, e.detail()))
}

struct Canvas {
    w: usize,
    h: usize,
    rgb: Vec<u8>,
}

impl Canvas {
    fn new(w: usize, h: usize) -> Self {
        Canvas { w, h, rgb: vec![255; w * h * 3] }
    }
    fn fill(&mut self, x: usize, y: usize, size: usize, c: [u8; 3]) {
        for yy in y..(y + size).min(self.h) {
            for xx in x..(x + size).min(self.w) {
                self.rgb[(yy * self.w + xx) * 3..][..3].copy_from_slice(&c);
            }
        }
    }
    fn text(&mut self, s: &str, cx: usize, y: usize, scale: usize) {
        let x0 = cx.saturating_sub(s.len() * 8 * scale / 2);
        for (i, ch) in s.chars().enumerate() {
            let glyph = font8x8::legacy::BASIC_LEGACY[(ch as usize).min(127)];
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..8 {
                    if bits >> col & 1 == 1 {
                        self.fill(x0 + (i * 8 + col) * scale, y + row * scale, scale, [0, 0, 0]);
                    }
                }
            }
        }
    }
    fn image(&mut self, x: usize, y: usize, (h, w): (usize, usize), scale: usize, color: impl Fn(usize) -> [u8; 3]) {
        for r in 0..h {
            for c in 0..w {
                self.fill(x + c * scale, y + r * scale, scale, color(r * w + c));
            }
        }
    }
}

/// The tutorial's figure: "Original image" | "Saliency map" under e.g. "MNIST target = 7".
pub fn write_figure(path: &Path, spec: &InputSpec, image: &[f32], map: &[f32], title: &str) -> Result<()> {
    let viridis = colormap("viridis")?;
    let (ih, iw) = (spec.height, spec.width);
    let scale = (224 / ih.max(iw)).max(1);
    let panel = ih.max(iw) * scale;
    let margin = 16;
    let (w, h) = (3 * margin + 2 * panel, margin + 24 + 16 + panel + margin);
    let mut cv = Canvas::new(w, h);
    cv.text(title, w / 2, margin, 2);
    let top = margin + 24 + 16;
    cv.text("Original image", margin + panel / 2, top - 12, 1);
    cv.text("Saliency map", 2 * margin + panel + panel / 2, top - 12, 1);
    let c = spec.channels;
    // As matplotlib's imshow: a grey image gets the default colour map, an RGB one its colours.
    cv.image(margin, top, (ih, iw), scale, |i| {
        if c == 1 {
            let (lo, hi) = image.iter().fold((f32::MAX, f32::MIN), |(a, b), &v| (a.min(v), b.max(v)));
            viridis(if hi > lo { (image[i] - lo) / (hi - lo) } else { 0.0 })
        } else {
            let p = &image[i * 3..i * 3 + 3];
            [(p[0] * 255.0).round() as u8, (p[1] * 255.0).round() as u8, (p[2] * 255.0).round() as u8]
        }
    });
    cv.image(2 * margin + panel, top, (ih, iw), scale, |i| viridis(map[i]));
    save(path, &cv)
}

/// One image under a title, as seen (grey or RGB, no colour map): the dream's figure.
pub fn write_image(path: &Path, spec: &InputSpec, image: &[f32], title: &str) -> Result<()> {
    let (h, w, c) = (spec.height, spec.width, spec.channels);
    let side = h.max(w);
    let scale = (224 / side).max(1);
    let margin = 16;
    let width = (2 * margin + side * scale).max(title.len() * 16 + 2 * margin);
    let mut cv = Canvas::new(width, margin + 24 + 8 + side * scale + margin);
    cv.text(title, width / 2, margin, 2);
    let byte = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    cv.image((width - w * scale) / 2, margin + 32, (h, w), scale, |i| {
        if c == 1 { [byte(image[i]); 3] } else { [byte(image[i * 3]), byte(image[i * 3 + 1]), byte(image[i * 3 + 2])] }
    });
    save(path, &cv)
}

/// The layer strip as a figure: one row per node, its output on the left and the gradient of
/// the target logit arriving at it on the right; maps as channel grids (each channel on its own
/// scale: viridis for outputs, the diverging map symmetric about 0 for gradients), vectors as bars.
pub fn write_strip(path: &Path, trace: &saliency::layers::LayerTrace, title: &str) -> Result<()> {
    const PANEL: usize = 560;
    const MARGIN: usize = 16;
    const LABEL: usize = 14;
    let (viridis, diverging) = (colormap("viridis")?, colormap("diverging")?);
    // (cols, zoom, height) of each node's block.
    let blocks: Vec<(usize, usize, usize)> = trace
        .nodes
        .iter()
        .map(|n| match n.shape[..] {
            [c, h, w] => {
                let cols = c.clamp(1, 16);
                let zoom = (48 / h.max(w)).min(PANEL / cols / (w + 1)).max(1);
                (cols, zoom, c.div_ceil(cols) * (h * zoom + 2))
            }
            _ => (0, 1, 40),
        })
        .collect();
    let width = 3 * MARGIN + 2 * PANEL;
    let height = MARGIN + 24 + 12 + blocks.iter().map(|b| LABEL + b.2 + 8).sum::<usize>() + MARGIN;
    let mut cv = Canvas::new(width, height);
    cv.text(title, width / 2, MARGIN, 2);
    let left = |s: &str, x: usize| x + s.len() * 4; // `text` centres its string on x
    cv.text("output", left("output", MARGIN), MARGIN + 28, 1);
    cv.text("gradient of the target logit", left("gradient of the target logit", 2 * MARGIN + PANEL), MARGIN + 28, 1);
    let mut y = MARGIN + 24 + 8 + 12;
    for (n, &(cols, zoom, block)) in trace.nodes.iter().zip(&blocks) {
        let label =
            format!("{} {} {}", n.name, n.op, n.shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("x"));
        cv.text(&label, left(&label, MARGIN), y, 1);
        y += LABEL;
        for (panel, values, signed) in [(0, &n.output, false), (1, &n.gradient, true)] {
            let x0 = MARGIN + panel * (PANEL + MARGIN);
            let color = |t: f32| if signed { diverging(t) } else { viridis(t) };
            match n.shape[..] {
                [c, h, w] => {
                    for k in 0..c {
                        let ch = &values[k * h * w..(k + 1) * h * w];
                        let (lo, hi) = ch.iter().fold((f32::MAX, f32::MIN), |(a, b), &v| (a.min(v), b.max(v)));
                        let m = lo.abs().max(hi.abs());
                        let t = |v: f32| match (signed, hi > lo) {
                            (true, _) if m > 0.0 => 0.5 + v / (2.0 * m),
                            (false, true) => (v - lo) / (hi - lo),
                            _ => 0.5,
                        };
                        let (cx, cy) = (x0 + (k % cols) * (w * zoom + 2), y + (k / cols) * (h * zoom + 2));
                        cv.image(cx, cy, (h, w), zoom, |i| color(t(ch[i])));
                    }
                }
                _ => {
                    let bars = values.len().min(PANEL);
                    let bw = (PANEL / bars.max(1)).clamp(1, 8);
                    let m = values.iter().fold(0f32, |a, &v| a.max(v.abs())).max(1e-12);
                    let mid = y + 20;
                    for b in 0..bars {
                        let v = values[b * values.len() / bars];
                        let len = ((v.abs() / m) * 19.0).round() as usize;
                        let top = if v >= 0.0 { mid - len } else { mid };
                        for yy in top..top + len.max(1) {
                            cv.fill(x0 + b * bw, yy, bw.max(1), if v >= 0.0 { [78, 121, 167] } else { [225, 87, 89] });
                        }
                    }
                    cv.fill(x0, mid, 1, [136, 136, 136]);
                    for x in x0..x0 + bars * bw {
                        cv.fill(x, mid, 1, [136, 136, 136]);
                    }
                }
            }
        }
        y += block + 8;
    }
    save(path, &cv)
}

fn save(path: &Path, cv: &Canvas) -> Result<()> {
    let file = std::fs::File::create(path).map_err(|e| Error::file(path, e))?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), cv.w as u32, cv.h as u32);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().map_err(|e| Error::file(path, e))?;
    writer.write_image_data(&cv.rgb).map_err(|e| Error::file(path, e))?;
    writer.finish().map_err(|e| Error::file(path, e))
}
