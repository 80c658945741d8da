//! Reference images for path methods (IG) and for deletion curves: the "absence of signal" an
//! attribution is measured against (Sturmfels et al. 2020, Visualizing the Impact of Feature
//! Attribution Baselines).

use crate::rng::Rng;

#[derive(Clone, Debug, PartialEq)]
pub enum Baseline {
    /// All zeros.
    Black,
    /// All ones.
    White,
    /// Independent U(0, 1) values, seeded.
    Uniform { seed: u64 },
    /// The image itself after a 5x5 box blur with edge replication, channel by channel.
    Blur,
    /// An explicit H x W x C image in [0, 1].
    Image(Vec<f32>),
}

impl Baseline {
    /// Names that need no array, in the order the page lists them.
    pub const NAMES: [&'static str; 4] = ["black", "white", "uniform", "blur"];

    pub fn named(name: &str, seed: u64) -> Option<Self> {
        match name {
            "black" => Some(Baseline::Black),
            "white" => Some(Baseline::White),
            "uniform" => Some(Baseline::Uniform { seed }),
            "blur" => Some(Baseline::Blur),
            _ => None,
        }
    }

    /// The baseline for one image given as C x H x W values (the model's layout).
    pub fn for_image(&self, chw: &[f32], c: usize, h: usize, w: usize) -> Vec<f32> {
        match self {
            Baseline::Black => vec![0.0; chw.len()],
            Baseline::White => vec![1.0; chw.len()],
            Baseline::Uniform { seed } => {
                let mut rng = Rng::new(*seed);
                (0..chw.len()).map(|_| rng.uniform() as f32).collect()
            }
            Baseline::Blur => box_blur(chw, c, h, w, 2),
            // Stored H x W x C (the JS and npy layout): to C x H x W.
            Baseline::Image(hwc) => (0..c).flat_map(|ch| (0..h * w).map(move |p| hwc[p * c + ch])).collect(),
        }
    }
}

/// Mean over the (2r+1) x (2r+1) neighbourhood, coordinates clamped to the image (edge
/// replication), each of the C planes on its own.
pub fn box_blur(chw: &[f32], c: usize, h: usize, w: usize, r: usize) -> Vec<f32> {
    let mut out = vec![0f32; chw.len()];
    let n = ((2 * r + 1) * (2 * r + 1)) as f64;
    for ch in 0..c {
        let plane = &chw[ch * h * w..(ch + 1) * h * w];
        for y in 0..h {
            for x in 0..w {
                let mut acc = 0f64;
                for dy in 0..=2 * r {
                    let yy = (y + dy).saturating_sub(r).min(h - 1);
                    for dx in 0..=2 * r {
                        let xx = (x + dx).saturating_sub(r).min(w - 1);
                        acc += plane[yy * w + xx] as f64;
                    }
                }
                out[ch * h * w + y * w + x] = (acc / n) as f32;
            }
        }
    }
    out
}
