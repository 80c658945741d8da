//! The network's forward and backward pass for one image at a time, on plain f32 slices.
//!
//! At batch 1, burn's generic kernels spend more time on dispatch, im2col, autodiff bookkeeping
//! and allocation than on this network's ~3 M multiply-adds (profile in the README's
//! "Performance"). Here the 3×3 convolutions run directly over a channel-last layout, so every
//! inner loop is a run over contiguous channels that the compiler turns into SIMD, and the
//! passes skip the zeros that ReLU and max pooling leave behind (skipping a zero term changes no
//! sum). The weights are burn's, read once from `Cnn`; the walk is the same `LAYERS` list with the
//! same rules (first maximum of a pool window in row-major order, ReLU rules of `ReluRule`), and
//! the tests hold it to burn's forward pass and autodiff gradient.

use std::borrow::Cow;

use crate::model::{
    CONV1_CHANNELS, CONV2_CHANNELS, Cnn, DatasetKind, HIDDEN, LAYERS, Layer, NUM_CLASSES, ReluRule, to_vec,
};

/// An activation for one image: `h × w × c`, channel last. After Flatten `h = w = 1` and the
/// channel index is burn's (C, H, W) flattening order.
#[derive(Clone, Debug, Default)]
pub struct Maps {
    pub data: Vec<f32>,
    pub h: usize,
    pub w: usize,
    pub c: usize,
}

impl Maps {
    fn zeros(h: usize, w: usize, c: usize) -> Self {
        Maps { data: vec![0.0; h * w * c], h, w, c }
    }
    /// From one image in (C, H, W) order.
    pub fn from_chw(chw: &[f32], c: usize, h: usize, w: usize) -> Self {
        let mut m = Maps::zeros(h, w, c);
        for (ch, plane) in chw.chunks_exact(h * w).enumerate() {
            for (p, &v) in plane.iter().enumerate() {
                m.data[p * c + ch] = v;
            }
        }
        m
    }
    /// Appends the values in (C, H, W) order to `out`.
    pub fn extend_chw(&self, out: &mut Vec<f32>) {
        let plane = self.h * self.w;
        out.extend((0..self.c * plane).map(|i| self.data[(i % plane) * self.c + i / plane]));
    }
}

/// A valid 3×3 convolution, stride 1, with its weights laid out for both passes.
#[derive(Clone, Debug)]
struct Conv {
    cin: usize,
    cout: usize,
    /// [ky][kx][cin][cout]: the forward pass adds a run of output channels.
    forward: Vec<f32>,
    /// [ky][kx][cout][cin]: the backward pass adds a run of input channels.
    backward: Vec<f32>,
    /// [cout][ky][kx][cin], each row padded to whole SIMD vectors: the backward pass for fewer
    /// than `FEW_INPUTS` input channels (empty otherwise).
    taps: Vec<f32>,
    bias: Vec<f32>,
}

/// A dense layer with its weight in both orders.
#[derive(Clone, Debug)]
struct Dense {
    outputs: usize,
    /// [in][out] (burn's layout).
    forward: Vec<f32>,
    /// [out][in].
    backward: Vec<f32>,
    bias: Vec<f32>,
}

/// Output channels per block of a convolution's forward pass.
const BLOCK: usize = 32;
const _: () = assert!(
    CONV1_CHANNELS.is_multiple_of(BLOCK) && CONV2_CHANNELS.is_multiple_of(BLOCK),
    "blocks must tile the channels"
);

/// Below this many input channels a run of them is too short for SIMD, and a convolution's
/// backward pass goes by taps instead (conv1: 1 or 3).
const FEW_INPUTS: usize = 8;

/// Each pixel's nonzero channels as (channel, value), and where each pixel's list starts (one
/// more entry for the end). A loop over these runs without a data-dependent branch: after ReLU
/// and pooling, whether a value is zero is a coin flip the branch predictor loses.
fn nonzero_channels(m: &Maps) -> (Vec<(u32, f32)>, Vec<usize>) {
    nonzero_runs(&m.data, m.c)
}

/// `nonzero_channels` for `data` cut into runs of `run` values.
fn nonzero_runs(data: &[f32], run: usize) -> (Vec<(u32, f32)>, Vec<usize>) {
    // Every value is written, and the end moves past it only if it is nonzero: no branch.
    let mut nonzero = vec![(0, 0.0); data.len()];
    let run = run.max(1);
    let mut starts = Vec::with_capacity(data.len() / run + 1);
    let mut end = 0;
    for px in data.chunks_exact(run) {
        starts.push(end);
        for (i, &v) in px.iter().enumerate() {
            nonzero[end] = (i as u32, v);
            end += usize::from(v != 0.0);
        }
    }
    starts.push(end);
    nonzero.truncate(end);
    (nonzero, starts)
}

/// max(v, 0) as a select, which WASM SIMD does four at a time (`f32x4.pmax`); `f32::max` must
/// also map NaN to the other operand, and that compiles to a scalar loop.
#[inline(always)]
fn positive(v: f32) -> f32 {
    if v > 0.0 { v } else { 0.0 }
}

/// `acc += v · row`, the one inner loop every layer runs.
#[inline(always)]
fn axpy(acc: &mut [f32], v: f32, row: &[f32]) {
    for (a, &r) in acc.iter_mut().zip(row) {
        *a += v * r;
    }
}

impl Conv {
    fn new(weight: Vec<f32>, bias: Option<Vec<f32>>, cout: usize, cin: usize) -> Self {
        // burn: [cout][cin][ky][kx].
        let at = |o: usize, i: usize, k: usize| weight[(o * cin + i) * 9 + k];
        let mut forward = Vec::with_capacity(weight.len());
        let mut backward = Vec::with_capacity(weight.len());
        for k in 0..9 {
            forward.extend((0..cin * cout).map(|j| at(j % cout, j / cout, k)));
            backward.extend((0..cin * cout).map(|j| at(j / cin, j % cin, k)));
        }
        let mut taps = Vec::new();
        if cin < FEW_INPUTS {
            let stride = (9 * cin).next_multiple_of(4);
            taps = vec![0.0; cout * stride];
            for (o, row) in taps.chunks_exact_mut(stride).enumerate() {
                for (j, t) in row[..9 * cin].iter_mut().enumerate() {
                    *t = at(o, j % cin, j / cin);
                }
            }
        }
        Conv { cin, cout, forward, backward, taps, bias: bias.unwrap_or_else(|| vec![0.0; cout]) }
    }

    fn forward(&self, x: &Maps) -> Maps {
        let mut out = Maps::zeros(x.h - 2, x.w - 2, self.cout);
        self.forward_into(x, &mut out, |_, _| true);
        out
    }

    /// Writes the output positions `(y, x)` for which `at(y, x)` holds into `out`.
    fn forward_into(&self, x: &Maps, out: &mut Maps, at: impl Fn(usize, usize) -> bool) {
        let (ow, cin, cout) = (out.w, self.cin, self.cout);
        // Listed once: each pixel is read by 9 output positions.
        let (nonzero, starts) = nonzero_channels(x);
        for (p, out) in out.data.chunks_exact_mut(cout).enumerate() {
            let (y, xx) = (p / ow, p % ow);
            if !at(y, xx) {
                continue;
            }
            // A block of output channels small enough to stay in SIMD registers over the 9·cin terms.
            for (b, out) in out.chunks_exact_mut(BLOCK).enumerate() {
                let mut acc = [0f32; BLOCK];
                acc.copy_from_slice(&self.bias[b * BLOCK..][..BLOCK]);
                for k in 0..9 {
                    let q = (y + k / 3) * x.w + xx + k % 3;
                    let weights = &self.forward[k * cin * cout + b * BLOCK..];
                    for &(i, v) in &nonzero[starts[q]..starts[q + 1]] {
                        axpy(&mut acc, v, &weights[i as usize * cout..][..BLOCK]);
                    }
                }
                out.copy_from_slice(&acc);
            }
        }
    }

    /// Gradient with respect to the input (`h × w`) from the gradient at the output.
    fn backward(&self, g: &Maps, h: usize, w: usize) -> Maps {
        if self.cin < FEW_INPUTS { self.backward_by_taps(g, h, w) } else { self.backward_by_channels(g, h, w) }
    }

    /// Many input channels (conv2): each input pixel gathers, from the nonzero gradient values of
    /// the output positions it feeds, runs of input channels into SIMD registers. The terms are
    /// added in the order a scatter from the output positions (row-major, then channel) would add
    /// them: the taps run backwards.
    fn backward_by_channels(&self, g: &Maps, h: usize, w: usize) -> Maps {
        let (cin, cout) = (self.cin, self.cout);
        let (nonzero, starts) = nonzero_channels(g);
        let mut out = Maps::zeros(h, w, cin);
        for (p, out) in out.data.chunks_exact_mut(cin).enumerate() {
            let (y, x) = (p / w, p % w);
            for (b, out) in out.chunks_exact_mut(BLOCK).enumerate() {
                let mut acc = [0f32; BLOCK];
                for k in (0..9).rev() {
                    let (Some(gy), Some(gx)) = (y.checked_sub(k / 3), x.checked_sub(k % 3)) else { continue };
                    if gy >= g.h || gx >= g.w {
                        continue;
                    }
                    let q = gy * g.w + gx;
                    let weights = &self.backward[k * cout * cin + b * BLOCK..];
                    for &(o, v) in &nonzero[starts[q]..starts[q + 1]] {
                        axpy(&mut acc, v, &weights[o as usize * cin..][..BLOCK]);
                    }
                }
                out.copy_from_slice(&acc);
            }
        }
        out
    }

    /// Few input channels (conv1, where a run of input channels is 1 or 3 long): each output
    /// position's gradient, a run of channels, times the `[cout][9·cin]` weights gives its 9·cin
    /// terms at once, one run of SIMD lanes per channel. Pooling passes a gradient to one pixel
    /// of each window per channel, so zero channels (most of a blank background) are skipped.
    fn backward_by_taps(&self, g: &Maps, h: usize, w: usize) -> Maps {
        let (cin, stride) = (self.cin, self.taps.len() / self.cout);
        let (nonzero, starts) = nonzero_channels(g);
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
            let (y, xx) = (p / g.w, p % g.w);
            for (k, terms) in acc.chunks_exact(cin).take(9).enumerate() {
                let pixel = ((y + k / 3) * w + xx + k % 3) * cin;
                for (o, &t) in out.data[pixel..pixel + cin].iter_mut().zip(terms) {
                    *o += t;
                }
            }
        }
        out
    }
}

impl Dense {
    fn new(weight: Vec<f32>, bias: Option<Vec<f32>>, inputs: usize, outputs: usize) -> Self {
        let backward = (0..inputs * outputs).map(|j| weight[(j % inputs) * outputs + j / inputs]).collect();
        Dense { outputs, forward: weight, backward, bias: bias.unwrap_or_else(|| vec![0.0; outputs]) }
    }
    fn forward(&self, x: &[f32]) -> Vec<f32> {
        let mut out = self.bias.clone();
        add_rows(&mut out, &nonzero_runs(x, x.len()).0, &self.forward);
        out
    }
    fn backward(&self, g: &[f32]) -> Vec<f32> {
        let mut out = vec![0.0; self.forward.len() / self.outputs];
        add_rows(&mut out, &nonzero_runs(g, g.len()).0, &self.backward);
        out
    }
}

/// `out += Σ v · rows[i]` over the `(i, v)` of `terms`, in their order. Whole rows, one after the
/// other: fc1's weights (1.6 MB for MNIST) stream from memory, and reading them in order beat
/// keeping blocks of `out` in registers (that measured slower in the page).
fn add_rows(out: &mut [f32], terms: &[(u32, f32)], rows: &[f32]) {
    let width = out.len();
    for &(i, v) in terms {
        axpy(out, v, &rows[i as usize * width..][..width]);
    }
}

fn flat(m: &Maps) -> Maps {
    let mut data = Vec::with_capacity(m.data.len());
    m.extend_chw(&mut data);
    Maps { c: data.len(), data, h: 1, w: 1 }
}

fn relu(a: &Maps) -> Maps {
    Maps { data: a.data.iter().map(|&v| positive(v)).collect(), ..*a }
}

fn unflat(g: &Maps, like: &Maps) -> Maps {
    Maps::from_chw(&g.data, like.c, like.h, like.w)
}

/// 2×2 max pooling, stride 2 (odd edges dropped); returns the output and, for each output value,
/// the input index of the first maximum of its window in row-major order. Selects, not branches:
/// which pixel wins is a coin flip, and selects run four channels at a time.
fn pool(x: &Maps) -> (Maps, Vec<u32>) {
    let (oh, ow, c) = (x.h / 2, x.w / 2, x.c);
    let mut out = Maps::zeros(oh, ow, c);
    let mut switches = vec![0u32; out.data.len()];
    let runs = out.data.chunks_exact_mut(c).zip(switches.chunks_exact_mut(c));
    for (p, (o, s)) in runs.enumerate() {
        let (y, xx) = (2 * (p / ow), 2 * (p % ow));
        // The window's four pixels, each a run of channels, in row-major order.
        let at = [(0, 0), (0, 1), (1, 0), (1, 1)].map(|(dy, dx)| ((y + dy) * x.w + xx + dx) * c);
        let [a, b, cc, d] = at.map(|at| &x.data[at..at + c]);
        for j in 0..c {
            let (mut m, mut i) = (a[j], at[0]);
            (m, i) = if b[j] > m { (b[j], at[1]) } else { (m, i) };
            (m, i) = if cc[j] > m { (cc[j], at[2]) } else { (m, i) };
            (m, i) = if d[j] > m { (d[j], at[3]) } else { (m, i) };
            o[j] = m;
            s[j] = (i + j) as u32;
        }
    }
    (out, switches)
}

/// Whether `LAYERS[i]` is read only through a ReLU and a pooling.
fn pooled_after(i: usize) -> bool {
    matches!(LAYERS.get(i + 1..i + 3), Some([Layer::Relu, Layer::Pool]))
}

/// The rows and columns of `m` that 2×2 pooling reads.
fn pooled_extent(m: &Maps) -> (usize, usize) {
    (m.h / 2 * 2, m.w / 2 * 2)
}

fn relu_back(rule: ReluRule, pre: &[f32], g: &mut [f32]) {
    for (g, &x) in g.iter_mut().zip(pre) {
        *g = match rule {
            ReluRule::Gradient if x > 0.0 => *g,
            ReluRule::Guided if x > 0.0 => positive(*g),
            ReluRule::Deconvnet => positive(*g),
            _ => 0.0,
        };
    }
}

/// The activations of one forward pass: the one entering each layer of `LAYERS`, the pooling
/// switches of each pooling layer (by position in `LAYERS`) and the logits.
#[derive(Debug)]
pub struct Trace {
    pub inputs: Vec<Maps>,
    switches: Vec<Vec<u32>>,
    pub logits: Vec<f32>,
}

/// The network's weights, rearranged for the direct passes.
#[derive(Clone, Debug)]
pub struct DirectNet {
    kind: DatasetKind,
    conv1: Conv,
    conv2: Conv,
    fc1: Dense,
    fc2: Dense,
}

impl DirectNet {
    pub fn new(model: &Cnn) -> Self {
        let kind = model.kind();
        let conv = |c: &burn::nn::conv::Conv2d, cout, cin| {
            Conv::new(to_vec(c.weight.val()), c.bias.as_ref().map(|b| to_vec(b.val())), cout, cin)
        };
        let dense = |d: &burn::nn::Linear, i, o| {
            Dense::new(to_vec(d.weight.val()), d.bias.as_ref().map(|b| to_vec(b.val())), i, o)
        };
        DirectNet {
            kind,
            conv1: conv(&model.conv1, CONV1_CHANNELS, kind.channels()),
            conv2: conv(&model.conv2, CONV2_CHANNELS, CONV1_CHANNELS),
            fc1: dense(&model.fc1, kind.flat_features(), HIDDEN),
            fc2: dense(&model.fc2, HIDDEN, NUM_CLASSES),
        }
    }

    pub fn kind(&self) -> DatasetKind {
        self.kind
    }

    /// The input of one image given in (C, H, W) order.
    pub fn input(&self, chw: &[f32]) -> Maps {
        let (c, side) = (self.kind.channels(), self.kind.side());
        Maps::from_chw(chw, c, side, side)
    }

    /// One layer forward; a pooling layer also returns its switches.
    pub fn forward_layer(&self, layer: Layer, a: &Maps) -> (Maps, Vec<u32>) {
        let dense = |d: &Dense| Maps { data: d.forward(&a.data), h: 1, w: 1, c: d.outputs };
        let out = match layer {
            Layer::Conv1 => self.conv1.forward(a),
            Layer::Conv2 => self.conv2.forward(a),
            Layer::Relu => relu(a),
            Layer::Pool => return pool(a),
            Layer::Dropout => a.clone(),
            Layer::Flatten => flat(a),
            Layer::Fc1 => dense(&self.fc1),
            Layer::Fc2 => dense(&self.fc2),
        };
        (out, Vec::new())
    }

    /// The forward pass of one image given in (C, H, W) order (inference: no dropout). A
    /// convolution followed by ReLU and pooling is computed only where the pooling reads: an odd
    /// last row and column (conv2's, a sixth of its work) stay zero. Their gradient is zero, so
    /// no backward pass needs them; `activation` fills them in for the CAM methods.
    pub fn trace(&self, chw: &[f32]) -> Trace {
        let mut a = self.input(chw);
        let mut inputs = Vec::with_capacity(LAYERS.len());
        let mut switches = Vec::with_capacity(LAYERS.len());
        for (i, &layer) in LAYERS.iter().enumerate() {
            let (next, s) = match self.conv(layer).filter(|_| pooled_after(i)) {
                Some(conv) => {
                    let mut out = Maps::zeros(a.h - 2, a.w - 2, conv.cout);
                    let (ph, pw) = pooled_extent(&out);
                    conv.forward_into(&a, &mut out, |y, x| y < ph && x < pw);
                    (out, Vec::new())
                }
                None => self.forward_layer(layer, &a),
            };
            inputs.push(std::mem::replace(&mut a, next));
            switches.push(s);
        }
        Trace { inputs, switches, logits: a.data }
    }

    /// The activation entering `LAYERS[at]`, whole: with the rows and columns the trace left out
    /// (see `trace`) computed.
    pub fn activation<'t>(&self, t: &'t Trace, at: usize) -> Cow<'t, Maps> {
        let a = &t.inputs[at];
        let conv = at.checked_sub(2).filter(|&i| pooled_after(i)).and_then(|i| self.conv(LAYERS[i]));
        let Some(conv) = conv.filter(|_| pooled_extent(a) != (a.h, a.w)) else {
            return Cow::Borrowed(a);
        };
        let mut pre = t.inputs[at - 1].clone();
        let (ph, pw) = pooled_extent(&pre);
        conv.forward_into(&t.inputs[at - 2], &mut pre, |y, x| y >= ph || x >= pw);
        Cow::Owned(self.forward_layer(LAYERS[at - 1], &pre).0)
    }

    fn conv(&self, layer: Layer) -> Option<&Conv> {
        match layer {
            Layer::Conv1 => Some(&self.conv1),
            Layer::Conv2 => Some(&self.conv2),
            _ => None,
        }
    }

    /// Layer `LAYERS[i]` backward: the gradient at its input from `g` at its output, with the
    /// ReLU's backward replaced by `rule`.
    pub fn backward_layer(&self, t: &Trace, i: usize, rule: ReluRule, mut g: Maps) -> Maps {
        let input = &t.inputs[i];
        let dense = |d: &Dense, g: &Maps| Maps { data: d.backward(&g.data), ..*input };
        match LAYERS[i] {
            Layer::Fc2 => dense(&self.fc2, &g),
            Layer::Fc1 => dense(&self.fc1, &g),
            Layer::Relu => {
                relu_back(rule, &input.data, &mut g.data);
                g
            }
            Layer::Flatten => unflat(&g, input),
            Layer::Pool => {
                let mut back = Maps::zeros(input.h, input.w, input.c);
                for (&s, &v) in t.switches[i].iter().zip(&g.data) {
                    back.data[s as usize] += v;
                }
                back
            }
            Layer::Dropout => g,
            Layer::Conv1 => self.conv1.backward(&g, input.h, input.w),
            Layer::Conv2 => self.conv2.backward(&g, input.h, input.w),
        }
    }

    /// The gradient of `logits[target]` with respect to the activation entering `LAYERS[stop]`
    /// (0: the input), with every ReLU's backward replaced by `rule`, channel last.
    pub fn backward(&self, t: &Trace, target: usize, rule: ReluRule, stop: usize) -> Maps {
        let mut g = Maps::zeros(1, 1, NUM_CLASSES);
        g.data[target] = 1.0;
        (stop..LAYERS.len()).rev().fold(g, |g, i| self.backward_layer(t, i, rule, g))
    }
}
