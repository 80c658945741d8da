//! Images from files, decoded from bytes (so the fuzz targets reach exactly what the CLI runs):
//! float32 `.npy` arrays and PNGs. Each returns H x W x C values in [0, 1] for the model, or an
//! error naming the problem; nothing here panics or allocates more than the header can justify.

use crate::spec::InputSpec;
use crate::{Error, Result, validate};

/// PNGs larger than this many pixels are refused before their pixels are decoded.
pub const MAX_PNG_PIXELS: u64 = 50_000_000;

/// The header of a `.npy` file must fit in the file: npyz allocates the header length it reads
/// (up to 4 GB in format versions 2 and 3) before reading it, so a lying header is refused here.
fn check_npy_header(bytes: &[u8]) -> Result<()> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(Error::Input("not a .npy file (no \\x93NUMPY magic)".into()));
    }
    let (len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12),
        v => return Err(Error::Input(format!("not a .npy file (format version {v})"))),
    };
    if len > bytes.len() - start {
        return Err(Error::Input(format!(
            "the .npy header claims {len} bytes but only {} follow (truncated file?)",
            bytes.len() - start
        )));
    }
    // A plain float32 array's header is one flat dict ({'descr': '<f4', 'fortran_order': False,
    // 'shape': (28, 28), }). npyz's header parser takes exponential time on nested brackets (a
    // 180-byte header kept it busy for over a minute), so anything else is refused first.
    let header = &bytes[start..start + len];
    let count = |c: u8| header.iter().filter(|&&b| b == c).count();
    if !header.is_ascii()
        || count(b'{') != 1
        || count(b'}') != 1
        || count(b'(') > 1
        || count(b')') > 1
        || count(b'[') > 0
    {
        return Err(Error::Input(
            "not a plain .npy array header (expected one dict of descr, fortran_order and shape)".into(),
        ));
    }
    Ok(())
}

/// A float32 `.npy` of shape (H, W, C), or (H, W) for a one-channel input, values in [0, 1].
pub fn npy_from_bytes(bytes: &[u8], spec: &InputSpec) -> Result<Vec<f32>> {
    check_npy_header(bytes)?;
    let npy = npyz::NpyFile::new(bytes).map_err(|e| Error::Input(format!("not a .npy file ({e})")))?;
    let shape: Vec<u64> = npy.shape().to_vec();
    let (h, w, c) = (spec.height as u64, spec.width as u64, spec.channels as u64);
    let ok = shape == [h, w, c] || (c == 1 && shape == [h, w]);
    if !ok {
        return Err(Error::Input(format!(
            "shape {shape:?}, expected ({h}, {w}, {c}){}",
            if c == 1 { format!(" or ({h}, {w})") } else { String::new() }
        )));
    }
    let dtype = npy.dtype().descr();
    // float32 of either byte order ('<f4', '>f4'); npyz converts on read.
    if !dtype.contains("f4") {
        return Err(Error::Input(format!("dtype {dtype}, expected float32 ('<f4')")));
    }
    let v: Vec<f32> = npy.into_vec().map_err(|e| Error::Input(format!("unreadable data ({e})")))?;
    if v.len() != spec.input_len() {
        return Err(Error::Input(format!("holds {} values, expected {}", v.len(), spec.input_len())));
    }
    validate::check_pixels(&v, "array")?;
    Ok(v)
}

/// Chunks the png crate (0.18.1) panics on instead of refusing: a palette whose length is not a
/// whole number of RGB entries (or holds more than 256), and a tRNS chunk with more entries than
/// the palette. Found by fuzzing; checked here by walking the chunks before decoding.
fn check_png_chunks(bytes: &[u8]) -> Result<()> {
    let mut at = 8;
    let mut palette_entries: Option<usize> = None;
    let mut trns_len = 0;
    while at + 8 <= bytes.len() {
        let len = u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize;
        let kind = &bytes[at + 4..at + 8];
        match kind {
            b"PLTE" if !len.is_multiple_of(3) || len > 768 => {
                return Err(Error::Input(format!("corrupt PNG: a {len}-byte palette is not 1 to 256 RGB entries")));
            }
            b"PLTE" => palette_entries = Some(palette_entries.map_or(len / 3, |p: usize| p.min(len / 3))),
            b"tRNS" => trns_len = trns_len.max(len),
            _ => {}
        }
        at = at.saturating_add(12).saturating_add(len);
    }
    if let Some(entries) = palette_entries
        && trns_len > entries
    {
        return Err(Error::Input(format!(
            "corrupt PNG: {trns_len} transparency entries for a {entries}-colour palette"
        )));
    }
    Ok(())
}

/// Decodes a PNG, centre-crops it to the input's aspect ratio and box-filters it to the input's
/// size (grey for a one-channel input). Transparent pixels count as black, the MNIST background.
pub fn png_from_bytes(bytes: &[u8], spec: &InputSpec) -> Result<Vec<f32>> {
    check_png_chunks(bytes)?;
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|e| Error::Input(format!("not a readable PNG ({e})")))?;
    let (w, h) = (reader.info().width as usize, reader.info().height as usize);
    if w == 0 || h == 0 || (w as u64) * (h as u64) > MAX_PNG_PIXELS {
        return Err(Error::Input(format!("{w}x{h} pixels: at most {MAX_PNG_PIXELS} pixels are accepted")));
    }
    let size = reader.output_buffer_size().ok_or_else(|| Error::Input(format!("{w}x{h} is too large to decode")))?;
    let mut buf = vec![0; size];
    let frame = reader.next_frame(&mut buf).map_err(|e| Error::Input(format!("corrupt PNG data ({e})")))?;
    let src_c = frame.color_type.samples();
    if frame.width as usize != w || frame.height as usize != h || buf.len() < w * h * src_c {
        return Err(Error::Input("the PNG's frame does not match its header".into()));
    }
    let px = |x: usize, y: usize| -> [f32; 3] {
        let p = &buf[(y * w + x) * src_c..];
        let (r, g, b, a) = match src_c {
            1 => (p[0], p[0], p[0], 255),
            2 => (p[0], p[0], p[0], p[1]),
            3 => (p[0], p[1], p[2], 255),
            _ => (p[0], p[1], p[2], p[3]),
        };
        let k = a as f32 / 255.0 / 255.0;
        [r as f32 * k, g as f32 * k, b as f32 * k]
    };
    // The largest centred crop of the input's aspect ratio (a square for the tutorial's inputs).
    let (out_h, out_w) = (spec.height, spec.width);
    let (crop_w, crop_h) =
        if w * out_h >= h * out_w { ((h * out_w / out_h).max(1), h) } else { (w, (w * out_h / out_w).max(1)) };
    let (ox, oy) = ((w - crop_w) / 2, (h - crop_h) / 2);
    let mut out = Vec::with_capacity(spec.input_len());
    // Window i of n over `len` source pixels covers [i * len / n, (i + 1) * len / n), at least one.
    let window = |i: usize, len: usize, n: usize| {
        let lo = i * len / n;
        (lo, ((i + 1) * len / n).max(lo + 1).min(len))
    };
    for oy_i in 0..out_h {
        let (y0, y1) = window(oy_i, crop_h, out_h);
        for ox_i in 0..out_w {
            let (x0, x1) = window(ox_i, crop_w, out_w);
            let mut acc = [0f32; 3];
            for y in y0..y1 {
                for x in x0..x1 {
                    let p = px(ox + x, oy + y);
                    (0..3).for_each(|k| acc[k] += p[k]);
                }
            }
            let n = ((y1 - y0) * (x1 - x0)).max(1) as f32;
            match spec.channels {
                1 => out.push(((0.299 * acc[0] + 0.587 * acc[1] + 0.114 * acc[2]) / n).clamp(0.0, 1.0)),
                _ => out.extend(acc.iter().map(|v| (v / n).clamp(0.0, 1.0))),
            }
        }
    }
    Ok(out)
}

/// An H x W x C image (channel last) resized to `out_h` x `out_w` by area averaging: output pixel
/// (i, j) is the mean of the source over [i·h/out_h, (i+1)·h/out_h) x [j·w/out_w, (j+1)·w/out_w),
/// partly covered pixels weighted by how much is covered. The page's `resizeImage` (www/prepare.js)
/// computes the same in the same order, so both resize the galleries alike.
pub fn resize_area(image: &[f32], (h, w, c): (usize, usize, usize), out_h: usize, out_w: usize) -> Vec<f32> {
    let unit = |v: f64| if v > 0.0 { if v < 1.0 { v } else { 1.0 } } else { 0.0 };
    let mut out = vec![0f32; out_h * out_w * c];
    if h == 0 || w == 0 || image.len() < h * w * c {
        return out;
    }
    for k in 0..c {
        for oy in 0..out_h {
            let y0 = (oy * h) as f64 / out_h as f64;
            let y1 = (((oy + 1) * h) as f64 / out_h as f64).min(h as f64);
            for ox in 0..out_w {
                let x0 = (ox * w) as f64 / out_w as f64;
                let x1 = (((ox + 1) * w) as f64 / out_w as f64).min(w as f64);
                let (mut acc, mut area) = (0f64, 0f64);
                for y in y0.floor() as usize..(y1.ceil() as usize).min(h) {
                    let wy = ((y + 1) as f64).min(y1) - (y as f64).max(y0);
                    for x in x0.floor() as usize..(x1.ceil() as usize).min(w) {
                        let wx = ((x + 1) as f64).min(x1) - (x as f64).max(x0);
                        acc += unit(image[(y * w + x) * c + k] as f64) * wx * wy;
                        area += wx * wy;
                    }
                }
                out[(oy * out_w + ox) * c + k] = if area > 0.0 { unit(acc / area) as f32 } else { 0.0 };
            }
        }
    }
    out
}
