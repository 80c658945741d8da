//! A 2-D convolution (ONNX Conv): any kernel, stride, zero padding and dilation; groups from 1
//! to depthwise. One general pass, and the fast pass of undilated one-group convolutions of any
//! kernel and stride (the tutorial's 3×3, and the padded and strided ones of VGG- and ResNet-like
//! models: padding is copied in, so the fast pass sees a valid convolution) over whole blocks of
//! channels; tests hold both to burn's autodiff.
//!
//! Values are channel last, so every inner loop is a run over contiguous channels that the
//! compiler turns into SIMD, and the passes skip the zeros that ReLU and max pooling leave
//! behind (skipping a zero term changes no sum).

use std::borrow::Cow;
use std::sync::Arc;

use super::{Init, Inputs, Op, ReluRule, axpy, draw, nonzero_runs, one};
use crate::graph::{Maps, Shape};
use crate::rng::Rng;

#[derive(Clone, Debug)]
pub struct Conv {
    cin: usize,
    cout: usize,
    kernel: [usize; 2],
    stride: [usize; 2],
    /// top, left, bottom, right.
    pads: [usize; 4],
    dilation: [usize; 2],
    groups: usize,
    /// [cout][cin / groups][kh][kw], as ONNX and burn store it (LRP's z⁺ rule re-reads it).
    weight: Vec<f32>,
    /// [k][cin / groups][cout]: the forward pass adds a run of output channels.
    forward: Vec<f32>,
    /// [k][cout][cin / groups]: the backward pass adds a run of input channels.
    backward: Vec<f32>,
    /// [cout][k][cin], each row padded to whole SIMD vectors: the fast backward pass for fewer
    /// than `FEW_INPUTS` input channels (empty otherwise).
    taps: Vec<f32>,
    bias: Vec<f32>,
    /// Whether the model has a bias (else `bias` is zeros and not a parameter).
    biased: bool,
    fast: bool,
}

/// The geometry of a convolution besides its channels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvGeometry {
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    pub pads: [usize; 4],
    pub dilation: [usize; 2],
    pub groups: usize,
}

impl ConvGeometry {
    /// k×k, stride 1, no padding (Keras' "valid"), one group.
    pub fn valid(k: usize) -> Self {
        ConvGeometry { kernel: [k, k], stride: [1, 1], pads: [0; 4], dilation: [1, 1], groups: 1 }
    }
}

/// Channels per block of the fast passes, widest first: a block's accumulators stay in SIMD
/// registers over the kh·kw·cin terms.
const BLOCKS: [usize; 3] = [32, 16, 8];

/// The widest block that divides `n` channels.
fn block_of(n: usize) -> Option<usize> {
    BLOCKS.into_iter().find(|&b| n.is_multiple_of(b))
}

/// Below this many input channels a run of them is too short for SIMD, and the fast backward
/// pass goes by taps instead (a first convolution: 1 or 3).
const FEW_INPUTS: usize = 8;

impl Conv {
    /// From a weight laid out [cout][cin / groups][kh][kw] and an optional bias.
    pub fn new(
        weight: Vec<f32>,
        bias: Option<Vec<f32>>,
        cin: usize,
        cout: usize,
        g: ConvGeometry,
    ) -> Result<Self, String> {
        let [kh, kw] = g.kernel;
        if g.groups == 0 || !cin.is_multiple_of(g.groups) || !cout.is_multiple_of(g.groups) {
            return Err(format!("{} groups do not divide {cin} input and {cout} output channels", g.groups));
        }
        if kh == 0 || kw == 0 || g.stride.contains(&0) || g.dilation.contains(&0) {
            return Err(format!(
                "kernel {:?}, stride {:?} and dilation {:?} must be positive",
                g.kernel, g.stride, g.dilation
            ));
        }
        let cg = cin / g.groups;
        let taps = kh * kw;
        if weight.len() != cout * cg * taps {
            return Err(format!(
                "weight has {} values, {cout}×{cg}×{kh}×{kw} needs {}",
                weight.len(),
                cout * cg * taps
            ));
        }
        let biased = bias.is_some();
        let bias = bias.unwrap_or_else(|| vec![0.0; cout]);
        if bias.len() != cout {
            return Err(format!("bias has {} values for {cout} output channels", bias.len()));
        }
        let at = |o: usize, i: usize, k: usize| weight[(o * cg + i) * taps + k];
        let mut forward = Vec::with_capacity(weight.len());
        let mut backward = Vec::with_capacity(weight.len());
        for k in 0..taps {
            forward.extend((0..cg * cout).map(|j| at(j % cout, j / cout, k)));
            backward.extend((0..cg * cout).map(|j| at(j / cg, j % cg, k)));
        }
        let fast = g.dilation == [1, 1]
            && g.groups == 1
            && block_of(cout).is_some()
            && (cin < FEW_INPUTS || block_of(cin).is_some());
        let mut by_taps = Vec::new();
        if fast && cin < FEW_INPUTS {
            let stride = (taps * cin).next_multiple_of(4);
            by_taps = vec![0.0; cout * stride];
            for (o, row) in by_taps.chunks_exact_mut(stride).enumerate() {
                for (j, t) in row[..taps * cin].iter_mut().enumerate() {
                    *t = at(o, j % cin, j / cin);
                }
            }
        }
        Ok(Conv {
            cin,
            cout,
            kernel: g.kernel,
            stride: g.stride,
            pads: g.pads,
            dilation: g.dilation,
            groups: g.groups,
            weight,
            forward,
            backward,
            taps: by_taps,
            bias,
            biased,
            fast,
        })
    }

    pub fn geometry(&self) -> ConvGeometry {
        ConvGeometry {
            kernel: self.kernel,
            stride: self.stride,
            pads: self.pads,
            dilation: self.dilation,
            groups: self.groups,
        }
    }

    pub fn out_channels(&self) -> usize {
        self.cout
    }

    fn out_side(&self, input: usize, axis: usize) -> Option<usize> {
        let padded = input + self.pads[axis] + self.pads[axis + 2];
        let span = self.dilation[axis] * (self.kernel[axis] - 1) + 1;
        padded.checked_sub(span).map(|d| d / self.stride[axis] + 1)
    }

    /// The input pixel tap `(ky, kx)` of output `(oy, ox)` reads, if inside the image.
    #[inline(always)]
    fn source(&self, x: Shape, oy: usize, ox: usize, ky: usize, kx: usize) -> Option<usize> {
        let y = (oy * self.stride[0] + ky * self.dilation[0]).checked_sub(self.pads[0]).filter(|&y| y < x.h)?;
        let xx = (ox * self.stride[1] + kx * self.dilation[1]).checked_sub(self.pads[1]).filter(|&v| v < x.w)?;
        Some(y * x.w + xx)
    }

    fn apply(&self, x: &Maps) -> Maps {
        let (Some(oh), Some(ow)) = (self.out_side(x.h, 0), self.out_side(x.w, 1)) else { return Maps::default() };
        let mut out = Maps::zeros(oh, ow, self.cout);
        if self.fast {
            let x = self.padded(x);
            match block_of(self.cout) {
                Some(32) => self.fast_forward::<32>(&x, &mut out),
                Some(16) => self.fast_forward::<16>(&x, &mut out),
                _ => self.fast_forward::<8>(&x, &mut out),
            }
        } else {
            self.general_forward(x, &mut out);
        }
        out
    }

    fn general_forward(&self, x: &Maps, out: &mut Maps) {
        let (cin, cout, ow) = (self.cin, self.cout, out.w);
        let (cg, og) = (cin / self.groups, cout / self.groups);
        let [kh, kw] = self.kernel;
        for (p, out) in out.data.chunks_exact_mut(cout).enumerate() {
            out.copy_from_slice(&self.bias);
            let (oy, ox) = (p / ow, p % ow);
            for k in 0..kh * kw {
                let Some(q) = self.source(x.shape(), oy, ox, k / kw, k % kw) else { continue };
                let pixel = &x.data[q * cin..][..cin];
                for g in 0..self.groups {
                    let acc = &mut out[g * og..][..og];
                    for (i, &v) in pixel[g * cg..][..cg].iter().enumerate() {
                        if v != 0.0 {
                            axpy(acc, v, &self.forward[(k * cg + i) * cout + g * og..][..og]);
                        }
                    }
                }
            }
        }
    }

    fn general_backward(&self, x: Shape, g: &Maps) -> Maps {
        let (cin, cout) = (self.cin, self.cout);
        let (cg, og) = (cin / self.groups, cout / self.groups);
        let [kh, kw] = self.kernel;
        let mut back = Maps::of_shape(x);
        for (p, gp) in g.data.chunks_exact(cout).enumerate() {
            let (oy, ox) = (p / g.w, p % g.w);
            for k in 0..kh * kw {
                let Some(q) = self.source(x, oy, ox, k / kw, k % kw) else { continue };
                let pixel = &mut back.data[q * cin..][..cin];
                for (o, &v) in gp.iter().enumerate() {
                    if v != 0.0 {
                        let group = o / og;
                        axpy(&mut pixel[group * cg..][..cg], v, &self.backward[(k * cout + o) * cg..][..cg]);
                    }
                }
            }
        }
        back
    }

    /// `x` inside its zero padding (borrowed when there is none): the fast passes then see a
    /// valid convolution, and skip the padding's zeros like any others.
    fn padded<'a>(&self, x: &'a Maps) -> Cow<'a, Maps> {
        let [top, left, bottom, right] = self.pads;
        if self.pads == [0; 4] {
            return Cow::Borrowed(x);
        }
        let mut p = Maps::zeros(x.h + top + bottom, x.w + left + right, x.c);
        let run = x.w * x.c;
        for (y, row) in x.data.chunks_exact(run).enumerate() {
            p.data[((y + top) * p.w + left) * x.c..][..run].copy_from_slice(row);
        }
        Cow::Owned(p)
    }

    /// The gradient at the unpadded input from one at the padded input.
    fn cropped(&self, g: Maps, x: Shape) -> Maps {
        let [top, left, ..] = self.pads;
        if self.pads == [0; 4] {
            return g;
        }
        let run = x.w * x.c;
        let mut out = Maps::of_shape(x);
        for (y, row) in out.data.chunks_exact_mut(run).enumerate() {
            row.copy_from_slice(&g.data[((y + top) * g.w + left) * x.c..][..run]);
        }
        out
    }

    /// The fast forward pass: each pixel's nonzero channels listed once (each is read by up to
    /// kh·kw output positions), then blocks of `B` output channels small enough to stay in SIMD
    /// registers over the kh·kw·cin terms.
    fn fast_forward<const B: usize>(&self, x: &Maps, out: &mut Maps) {
        let (ow, cin, cout) = (out.w, self.cin, self.cout);
        let ([kh, kw], [sy, sx]) = (self.kernel, self.stride);
        let (nonzero, starts) = nonzero_runs(&x.data, x.c);
        for (p, out) in out.data.chunks_exact_mut(cout).enumerate() {
            let (y, xx) = (p / ow * sy, p % ow * sx);
            for (b, out) in out.chunks_exact_mut(B).enumerate() {
                let mut acc = [0f32; B];
                acc.copy_from_slice(&self.bias[b * B..][..B]);
                for k in 0..kh * kw {
                    let q = (y + k / kw) * x.w + xx + k % kw;
                    let weights = &self.forward[k * cin * cout + b * B..];
                    for &(i, v) in &nonzero[starts[q]..starts[q + 1]] {
                        axpy(&mut acc, v, &weights[i as usize * cout..][..B]);
                    }
                }
                out.copy_from_slice(&acc);
            }
        }
    }

    /// Many input channels: each input pixel gathers, from the nonzero gradient values of the
    /// output positions it feeds, runs of input channels into SIMD registers. The terms are added
    /// in the order a scatter from the output positions (row-major, then channel) would add them:
    /// the taps run backwards.
    fn backward_by_channels<const B: usize>(&self, g: &Maps, h: usize, w: usize) -> Maps {
        let (cin, cout) = (self.cin, self.cout);
        let ([kh, kw], [sy, sx]) = (self.kernel, self.stride);
        let (nonzero, starts) = nonzero_runs(&g.data, g.c);
        let mut out = Maps::zeros(h, w, cin);
        for (p, out) in out.data.chunks_exact_mut(cin).enumerate() {
            let (y, x) = (p / w, p % w);
            for (b, out) in out.chunks_exact_mut(B).enumerate() {
                let mut acc = [0f32; B];
                for k in (0..kh * kw).rev() {
                    // The output position whose tap k reads this pixel, if the stride lands on one.
                    let (Some(dy), Some(dx)) = (y.checked_sub(k / kw), x.checked_sub(k % kw)) else { continue };
                    let (gy, gx) = (dy / sy, dx / sx);
                    if dy % sy != 0 || dx % sx != 0 || gy >= g.h || gx >= g.w {
                        continue;
                    }
                    let q = gy * g.w + gx;
                    let weights = &self.backward[k * cout * cin + b * B..];
                    for &(o, v) in &nonzero[starts[q]..starts[q + 1]] {
                        axpy(&mut acc, v, &weights[o as usize * cin..][..B]);
                    }
                }
                out.copy_from_slice(&acc);
            }
        }
        out
    }

    /// Few input channels (where a run of input channels is 1 or 3 long): each output position's
    /// gradient, a run of channels, times the `[cout][kh·kw·cin]` weights gives its kh·kw·cin
    /// terms at once, one run of SIMD lanes per channel. Pooling passes a gradient to one pixel of each
    /// window per channel, so zero channels (most of a blank background) are skipped.
    fn backward_by_taps(&self, g: &Maps, h: usize, w: usize) -> Maps {
        let (cin, stride) = (self.cin, self.taps.len() / self.cout);
        let ([kh, kw], [sy, sx]) = (self.kernel, self.stride);
        let (nonzero, starts) = nonzero_runs(&g.data, g.c);
        let mut out = Maps::zeros(h, w, cin);
        let mut acc = vec![0f32; stride];
        for (p, ends) in starts.windows(2).enumerate() {
            let gp = &nonzero[ends[0]..ends[1]];
            if gp.is_empty() {
                continue;
            }
            acc.fill(0.0);
            for &(o, v) in gp {
                axpy(&mut acc, v, &self.taps[o as usize * stride..][..stride]);
            }
            let (y, xx) = (p / g.w * sy, p % g.w * sx);
            for (k, terms) in acc.chunks_exact(cin).take(kh * kw).enumerate() {
                let pixel = ((y + k / kw) * w + xx + k % kw) * cin;
                for (o, &t) in out.data[pixel..pixel + cin].iter_mut().zip(terms) {
                    *o += t;
                }
            }
        }
        out
    }

    fn back(&self, x: Shape, g: &Maps) -> Maps {
        if !self.fast {
            return self.general_backward(x, g);
        }
        let [top, left, bottom, right] = self.pads;
        let (h, w) = (x.h + top + bottom, x.w + left + right);
        let padded = match (self.cin < FEW_INPUTS, block_of(self.cin)) {
            (true, _) => self.backward_by_taps(g, h, w),
            (false, Some(32)) => self.backward_by_channels::<32>(g, h, w),
            (false, Some(16)) => self.backward_by_channels::<16>(g, h, w),
            (false, _) => self.backward_by_channels::<8>(g, h, w),
        };
        self.cropped(padded, x)
    }
}

impl Op for Conv {
    fn kind(&self) -> &'static str {
        "Conv"
    }
    fn shape(&self, inputs: &[Shape]) -> Result<Shape, String> {
        let s = one(inputs)?;
        if s.c != self.cin {
            return Err(format!("takes {} channels, its input has {} ({s})", self.cin, s.c));
        }
        match (self.out_side(s.h, 0), self.out_side(s.w, 1)) {
            (Some(h), Some(w)) => Ok(Shape::new(self.cout, h, w)),
            _ => Err(format!("a {:?} kernel (dilation {:?}) does not fit its {s} input", self.kernel, self.dilation)),
        }
    }
    fn forward(&self, x: &Inputs) -> Maps {
        self.apply(x[0])
    }
    fn backward(&self, x: &Inputs, _: &Maps, g: &Maps, _: ReluRule) -> Vec<Maps> {
        vec![self.back(x[0].shape(), g)]
    }
    /// z⁺ rule (α = 1, β = 0): R_in = a · (W⁺ᵀ (R / z⁺)), z⁺ = a ∗ W⁺ without bias; where z⁺ = 0
    /// nothing flows.
    fn lrp(&self, x: &Inputs, _: &Maps, r: &Maps, _: f32) -> Vec<Maps> {
        let plus = self.weight.iter().map(|&w| w.max(0.0)).collect();
        // Same geometry and sizes as `self`, which was built from them: cannot fail.
        let Ok(plus) = Conv::new(plus, None, self.cin, self.cout, self.geometry()) else {
            return vec![Maps::of_shape(x[0].shape())];
        };
        let z = plus.apply(x[0]);
        let s =
            Maps { data: r.data.iter().zip(&z.data).map(|(&r, &z)| if z > 0.0 { r / z } else { 0.0 }).collect(), ..z };
        let back = plus.back(x[0].shape(), &s);
        vec![Maps { data: back.data.iter().zip(&x[0].data).map(|(&g, &a)| a * g).collect(), ..back }]
    }
    fn flops(&self, _: &[Shape], out: Shape) -> u64 {
        (2 * out.len() * (self.cin / self.groups) * self.kernel[0] * self.kernel[1]) as u64
    }
    fn parameters(&self) -> usize {
        self.weight.len() + if self.biased { self.cout } else { 0 }
    }
    fn reinitialized(&self, rng: &mut Rng, init: Init) -> Option<Arc<dyn Op>> {
        let fan_in = self.weight.len() / self.cout;
        let fan_out = self.cout * self.kernel[0] * self.kernel[1];
        let (weight, bias) = draw(rng, init, self.weight.len(), self.biased.then_some(self.cout), fan_in, fan_out);
        Some(Arc::new(Conv::new(weight, bias, self.cin, self.cout, self.geometry()).ok()?))
    }
    fn parameter_values(&self) -> Vec<f32> {
        let bias = if self.biased { &self.bias[..] } else { &[] };
        [&self.weight[..], bias].concat()
    }
    fn with_parameter_values(&self, values: &[f32]) -> Option<Arc<dyn Op>> {
        let (weight, bias) = values.split_at_checked(self.weight.len())?;
        let bias = self.biased.then(|| bias.to_vec());
        Some(Arc::new(Conv::new(weight.to_vec(), bias, self.cin, self.cout, self.geometry()).ok()?))
    }
    /// ∂/∂W[o][i][k] = Σ over output positions of g[o] · the input tap k reads there. Gathered
    /// from the nonzero gradient values only (after ReLU and max pooling, most are zero), each
    /// adding a run of input channels into the backward layout ([k][o][i]: SIMD over inputs).
    fn parameter_gradient(&self, x: &Inputs, g: &Maps) -> Vec<f32> {
        let (x, cin, cout, taps) = (x[0], self.cin, self.cout, self.kernel[0] * self.kernel[1]);
        let (cg, og) = (cin / self.groups, cout / self.groups);
        let mut by_tap = vec![0f32; self.backward.len()];
        let mut bias = vec![0f32; cout];
        let (nonzero, starts) = nonzero_runs(&g.data, cout);
        for (p, ends) in starts.windows(2).enumerate() {
            let (oy, ox) = (p / g.w, p % g.w);
            for k in 0..taps {
                let Some(q) = self.source(x.shape(), oy, ox, k / self.kernel[1], k % self.kernel[1]) else { continue };
                let pixel = &x.data[q * cin..][..cin];
                for &(o, v) in &nonzero[ends[0]..ends[1]] {
                    let o = o as usize;
                    axpy(&mut by_tap[(k * cout + o) * cg..][..cg], v, &pixel[(o / og) * cg..][..cg]);
                }
            }
            for &(o, v) in &nonzero[ends[0]..ends[1]] {
                bias[o as usize] += v;
            }
        }
        let mut grad: Vec<f32> = (0..self.weight.len())
            .map(|j| by_tap[((j % taps) * cout + j / (taps * cg)) * cg + (j / taps) % cg])
            .collect();
        if self.biased {
            grad.extend(bias);
        }
        grad
    }
}
