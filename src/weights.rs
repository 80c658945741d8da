//! The exchange and shipping format: safetensors with PyTorch names and layouts
//! (`conv1.weight [32,C,3,3]`, `fc1.weight [256,F]` as [out,in], F in C,H,W order, ...),
//! stored as f32, f16 or int8 (below). Loading works from bytes so the browser can use it too.
//!
//! int8: a weight tensor `W` is stored as I8 with an F32 tensor `W.scale` holding one scale per
//! output channel (symmetric: value = q x scale). The writer picks scales with a 4-bit mantissa,
//! so every q x scale is exact in f16 and f32: the shipped f16 file, written from the decoded
//! values, loads to the very same network as the int8 file the page downloads. The writer keeps
//! conv1 at full precision (see `FULL_PRECISION`); the reader takes I8 for any tensor.

use std::collections::HashMap;

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor, TensorData};
use half::f16;
use safetensors::{Dtype, SafeTensors, tensor::TensorView};

use crate::model::{CONV1_CHANNELS, CONV2_CHANNELS, Cnn, DatasetKind, HIDDEN, NUM_CLASSES, Parameters, to_vec};
use crate::{Error, Result};

/// Tensor names in file order, with their shapes for a dataset.
pub fn expected_shapes(kind: DatasetKind) -> Vec<(&'static str, Vec<usize>)> {
    let c = kind.channels();
    vec![
        ("conv1.weight", vec![CONV1_CHANNELS, c, 3, 3]),
        ("conv1.bias", vec![CONV1_CHANNELS]),
        ("conv2.weight", vec![CONV2_CHANNELS, CONV1_CHANNELS, 3, 3]),
        ("conv2.bias", vec![CONV2_CHANNELS]),
        ("fc1.weight", vec![HIDDEN, kind.flat_features()]),
        ("fc1.bias", vec![HIDDEN]),
        ("fc2.weight", vec![NUM_CLASSES, HIDDEN]),
        ("fc2.bias", vec![NUM_CLASSES]),
    ]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreDtype {
    F32,
    F16,
    /// Weights as per-output-channel int8 with scales; biases and conv1 as f32.
    Int8,
}

/// The suffix of a quantised weight's scale tensor.
const SCALE: &str = ".scale";

/// Not quantised by the writer (864 values at most). conv1 sees pixels k/255: with integer
/// weights, two different neighbourhoods often have exactly equal sums in real arithmetic, which
/// float rounding then splits differently in each implementation, so max pooling would route
/// gradients by summation order (measured on 200 CIFAR-10 test images: 112 such near-ties with
/// conv1 in int8, 7 with f16).
const FULL_PRECISION: &str = "conv1.weight";

/// The named tensors of a model in the exchange layout, as flat f32 values.
pub struct WeightSet {
    pub kind: DatasetKind,
    pub tensors: HashMap<&'static str, Vec<f32>>,
}

/// Parses and validates a safetensors file. `expected` guards against loading MNIST weights
/// into the CIFAR-10 pipeline and vice versa.
pub fn parse(bytes: &[u8], expected: Option<DatasetKind>) -> Result<WeightSet> {
    let st = SafeTensors::deserialize(bytes)
        .map_err(|e| Error::Weights(format!("not a readable safetensors file ({e})")))?;
    let conv1 = st.tensor("conv1.weight").map_err(|_| Error::Weights("missing tensor 'conv1.weight'".into()))?;
    let kind = match conv1.shape() {
        [32, 1, 3, 3] => DatasetKind::Mnist,
        [32, 3, 3, 3] => DatasetKind::Cifar10,
        s => {
            return Err(Error::Weights(format!(
                "tensor 'conv1.weight' has shape {s:?}, expected [32, 1, 3, 3] (MNIST) or [32, 3, 3, 3] (CIFAR-10)"
            )));
        }
    };
    if let Some(want) = expected
        && want != kind
    {
        return Err(Error::Weights(format!(
            "these weights are for {} but {} was asked for",
            kind.title(),
            want.title()
        )));
    }
    let expected_names = expected_shapes(kind);
    let mut tensors = HashMap::new();
    let mut known: Vec<String> = Vec::new();
    for (name, shape) in &expected_names {
        let view = st.tensor(name).map_err(|_| Error::Weights(format!("missing tensor '{name}'")))?;
        if view.shape() != shape.as_slice() {
            return Err(Error::Weights(format!("tensor '{name}' has shape {:?}, expected {:?}", view.shape(), shape)));
        }
        known.push(name.to_string());
        let values = if view.dtype() == Dtype::I8 {
            let scale_name = format!("{name}{SCALE}");
            known.push(scale_name.clone());
            let scales = st
                .tensor(&scale_name)
                .map_err(|_| Error::Weights(format!("tensor '{name}' is int8 but '{scale_name}' is missing")))?;
            dequantize(name, &view, &scale_name, &scales)?
        } else {
            decode(name, &view)?
        };
        tensors.insert(*name, values);
    }
    let mut extra: Vec<String> =
        st.names().into_iter().filter(|n| !known.iter().any(|k| k == *n)).map(|s| s.to_string()).collect();
    if !extra.is_empty() {
        extra.sort();
        return Err(Error::Weights(format!("unexpected tensors {extra:?}: not this architecture")));
    }
    Ok(WeightSet { kind, tensors })
}

fn decode(name: &str, view: &TensorView<'_>) -> Result<Vec<f32>> {
    let b = view.data();
    let values: Vec<f32> = match view.dtype() {
        Dtype::F32 => b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect(),
        Dtype::F16 => b.chunks_exact(2).map(|c| f16::from_le_bytes([c[0], c[1]]).to_f32()).collect(),
        d => {
            return Err(Error::Weights(format!("tensor '{name}' has dtype {d:?}, expected F32, F16 or I8")));
        }
    };
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(Error::Weights(format!("tensor '{name}' holds a non-finite value at {i}")));
    }
    Ok(values)
}

/// q x scale[channel], the channel being the first axis.
fn dequantize(name: &str, q: &TensorView<'_>, scale_name: &str, scales: &TensorView<'_>) -> Result<Vec<f32>> {
    let channels = q.shape()[0];
    if scales.shape() != [channels] {
        return Err(Error::Weights(format!(
            "tensor '{scale_name}' has shape {:?}, expected [{channels}] (one scale per output channel of '{name}')",
            scales.shape()
        )));
    }
    let scales = decode(scale_name, scales)?;
    if let Some(i) = scales.iter().position(|s| *s < 0.0) {
        return Err(Error::Weights(format!("tensor '{scale_name}' holds a negative scale at {i}")));
    }
    let per_channel = q.data().len() / channels.max(1);
    Ok(q.data().iter().enumerate().map(|(i, b)| f32::from(*b as i8) * scales[i / per_channel]).collect())
}

/// The smallest value with a 4-bit mantissa (8..=15 x 2^e) at or above `x` > 0.
fn round_up_4bit(x: f64) -> f64 {
    let unit = 2f64.powi(x.log2().floor() as i32 - 3);
    // log2 may round across a power of two; the ceil below is exact either way.
    let m = (x / unit).ceil();
    m * unit
}

/// The next 4-bit-mantissa value above `s` (itself one).
fn next_4bit(s: f64) -> f64 {
    s + 2f64.powi(s.log2().floor() as i32 - 3)
}

/// Below this, q x scale could fall under f16's smallest subnormal step (2^-24) and not be exact.
const MIN_SCALE: f64 = 1.0 / (1u32 << 21) as f64;

/// One output channel as int8: exact when the values already lie on a 4-bit-mantissa grid that
/// fits (so quantising a decoded int8 file changes nothing), otherwise rounded to the nearest
/// step of the smallest such scale that keeps |q| <= 127.
fn quantize_channel(w: &[f32]) -> (Vec<i8>, f32) {
    let max = w.iter().fold(0f64, |m, v| m.max(f64::from(v.abs())));
    let first = round_up_4bit((max / 127.0).max(MIN_SCALE));
    let fits = |s: &f64| w.iter().all(|v| (f64::from(*v) / s).fract() == 0.0);
    // A grid that fits leaves max/s in 113..=127: the scale was at most 1/8 above max/127.
    let candidates = std::iter::successors(Some(first), |s| Some(next_4bit(*s)));
    let s = candidates.take_while(|s| *s == first || s * 113.0 <= max).find(fits).unwrap_or(first);
    (w.iter().map(|v| (f64::from(*v) / s).round() as i8).collect(), s as f32)
}

fn tensor<const D: usize>(values: &[f32], shape: [usize; D], device: &Device) -> Tensor<D> {
    Tensor::from_data(TensorData::new(values.to_vec(), shape), device)
}

/// PyTorch's [out, in] -> burn's [in, out], materialised (not a strided view) so a loaded model
/// computes bit for bit like the one that was saved.
fn linear_weight(values: &[f32], out: usize, inp: usize, device: &Device) -> Tensor<2> {
    let mut t = vec![0f32; values.len()];
    for o in 0..out {
        for i in 0..inp {
            t[i * out + o] = values[o * inp + i];
        }
    }
    tensor(&t, [inp, out], device)
}

impl WeightSet {
    pub(crate) fn get(&self, name: &str) -> &[f32] {
        // parse() guarantees every expected name is present.
        self.tensors.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Builds the burn model on a device.
    pub fn to_model(&self, device: &Device) -> Cnn {
        let kind = self.kind;
        let (c, f) = (kind.channels(), kind.flat_features());
        let bias = |name: &str, n: usize| tensor(self.get(name), [n], device);
        Cnn::from_parameters(Parameters {
            conv1: (
                tensor(self.get("conv1.weight"), [CONV1_CHANNELS, c, 3, 3], device),
                bias("conv1.bias", CONV1_CHANNELS),
            ),
            conv2: (
                tensor(self.get("conv2.weight"), [CONV2_CHANNELS, CONV1_CHANNELS, 3, 3], device),
                bias("conv2.bias", CONV2_CHANNELS),
            ),
            fc1: (linear_weight(self.get("fc1.weight"), HIDDEN, f, device), bias("fc1.bias", HIDDEN)),
            fc2: (linear_weight(self.get("fc2.weight"), NUM_CLASSES, HIDDEN, device), bias("fc2.bias", NUM_CLASSES)),
        })
    }

    /// Reads the parameters back out of a model.
    pub fn from_model(model: &Cnn) -> Self {
        let m = model.valid();
        let bias = |b: &Option<Param<Tensor<1>>>| b.as_ref().map(|p| to_vec(p.val())).unwrap_or_default();
        let mut tensors = HashMap::new();
        tensors.insert("conv1.weight", to_vec(m.conv1.weight.val()));
        tensors.insert("conv1.bias", bias(&m.conv1.bias));
        tensors.insert("conv2.weight", to_vec(m.conv2.weight.val()));
        tensors.insert("conv2.bias", bias(&m.conv2.bias));
        tensors.insert("fc1.weight", to_vec(m.fc1.weight.val().transpose()));
        tensors.insert("fc1.bias", bias(&m.fc1.bias));
        tensors.insert("fc2.weight", to_vec(m.fc2.weight.val().transpose()));
        tensors.insert("fc2.bias", bias(&m.fc2.bias));
        WeightSet { kind: model.kind(), tensors }
    }

    /// Reads the parameters out of the tutorial network's graph (`tutorial::graph_of`'s node
    /// names; its dense weights are [in][out], the exchange layout [out][in]).
    pub fn from_graph(kind: DatasetKind, graph: &crate::graph::Graph) -> Result<Self> {
        let mut tensors = HashMap::new();
        let values = graph.parameter_values();
        for (name, shape) in expected_shapes(kind) {
            let (layer, part) = name.split_once('.').unwrap_or((name, ""));
            let node = graph.value_of(layer).map(|v| v - 1);
            let Some(v) = node.map(|i| &values[i]) else {
                return Err(Error::Weights(format!("the network has no layer {layer} for {name}")));
            };
            let weights: usize = expected_shapes(kind)
                .iter()
                .find(|(n, _)| *n == format!("{layer}.weight"))
                .map_or(0, |(_, s)| s.iter().product());
            let (w, b) = v.split_at(weights.min(v.len()));
            let t = match (part, shape.as_slice()) {
                ("weight", &[out, inp]) => (0..out * inp).map(|j| w[(j % inp) * out + j / inp]).collect(),
                ("weight", _) => w.to_vec(),
                _ => b.to_vec(),
            };
            if t.len() != shape.iter().product::<usize>() {
                return Err(Error::Weights(format!("{name} has {} values for shape {shape:?}", t.len())));
            }
            tensors.insert(name, t);
        }
        Ok(WeightSet { kind, tensors })
    }

    /// Serialises to safetensors bytes in the exchange layout. f16 and int8 round (int8 exactly
    /// reproduces a set that came from an int8 file).
    pub fn to_safetensors(&self, dtype: StoreDtype) -> Result<Vec<u8>> {
        let f32_bytes = |v: &[f32]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
        // (name, dtype, shape, bytes) in file order.
        let mut entries: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::new();
        for (name, shape) in expected_shapes(self.kind) {
            let v = self.get(name);
            match dtype {
                StoreDtype::F32 => entries.push((name.into(), Dtype::F32, shape, f32_bytes(v))),
                StoreDtype::F16 => {
                    let b = v.iter().flat_map(|x| f16::from_f32(*x).to_le_bytes()).collect();
                    entries.push((name.into(), Dtype::F16, shape, b));
                }
                StoreDtype::Int8 if shape.len() > 1 && name != FULL_PRECISION => {
                    let (q, scales): (Vec<Vec<i8>>, Vec<f32>) =
                        v.chunks(v.len() / shape[0]).map(quantize_channel).unzip();
                    let q = q.concat().into_iter().map(|x| x as u8).collect();
                    let channels = shape[0];
                    entries.push((name.into(), Dtype::I8, shape, q));
                    entries.push((format!("{name}{SCALE}"), Dtype::F32, vec![channels], f32_bytes(&scales)));
                }
                StoreDtype::Int8 => entries.push((name.into(), Dtype::F32, shape, f32_bytes(v))),
            }
        }
        let mut views = Vec::new();
        for (name, dtype, shape, data) in &entries {
            let view = TensorView::new(*dtype, shape.clone(), data)
                .map_err(|e| Error::Weights(format!("tensor '{name}': {e}")))?;
            views.push((name.clone(), view));
        }
        // One metadata entry: safetensors writes a HashMap, whose order (and so the file's bytes)
        // would otherwise vary from run to run.
        let meta: HashMap<String, String> = [("dataset".to_string(), self.kind.id().to_string())].into();
        safetensors::serialize(views, Some(meta)).map_err(|e| Error::Weights(e.to_string()))
    }
}

/// Loads a model straight from safetensors bytes.
pub fn load_model(bytes: &[u8], expected: Option<DatasetKind>, device: &Device) -> Result<Cnn> {
    Ok(parse(bytes, expected)?.to_model(device))
}
