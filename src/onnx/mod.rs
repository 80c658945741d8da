//! ONNX import: a model exported by PyTorch (either exporter) or tf2onnx becomes a `Graph` the
//! engine runs. Parsing is burn's `onnx-ir`; this module only maps its nodes to the engine's ops
//! and refuses, by node and op, whatever the engine cannot run. External data (PyTorch 2's
//! `model.onnx.data`) is moved into the model before parsing, since `onnx-ir` would look for it
//! on a file system.

pub mod export;
mod external;

use std::collections::HashMap;

use onnx_ir::{ArgType, Argument, Node as OnnxNode, OnnxGraphBuilder};

use crate::graph::ops::{Activation, Add, Affine, AvgPool, Concat, Conv, ConvGeometry, Dense, Flatten, Identity};
use crate::graph::ops::{MaxPool, Relu, Transpose};
use crate::graph::{Graph, Maps, Node, Op, Shape};
use crate::{Error, Result};

pub use external::external_data_names;

/// Models larger than this are refused before parsing.
pub const MAX_BYTES: usize = 100 << 20;
/// A forward pass above this many FLOPs is refused (a map would take minutes in a tab).
pub const MAX_FLOPS: u64 = 2_000_000_000;

/// What the engine can run, as the refusal of anything else lists it.
pub const SUPPORTED: &str = "Conv (2-D), BatchNormalization, Relu, LeakyRelu, Elu, Sigmoid, Tanh, Clip, HardSigmoid, \
HardSwish, MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool, ReduceMean / ReduceMax over H and W, Flatten, \
Reshape / Squeeze / Unsqueeze to a vector, Gemm, MatMul, Add / Sub / Mul / Div by a constant, Add of two values, \
Concat on channels, Transpose, Dropout, Identity, Constant, and Softmax / LogSoftmax at the output";

/// An imported model: its graph (input: one image, C×H×W in [0, 1]; output: the logits) and
/// what the model card says about it.
#[derive(Clone, Debug)]
pub struct Imported {
    pub graph: Graph,
    /// From the model's `class_names` metadata (a JSON list), if it has one that fits.
    pub class_names: Option<Vec<String>>,
    /// The input was declared channel last (N, H, W, C), as tf2onnx writes Keras models.
    pub channels_last: bool,
    /// The output op removed so that the methods explain the logits before it.
    pub removed_head: Option<&'static str>,
}

/// Imports a model from its bytes and, if its weights are stored outside it, the bytes of its
/// `.data` file.
pub fn import(model: &[u8], data: Option<&[u8]>) -> Result<Imported> {
    let total = model.len() + data.map_or(0, <[u8]>::len);
    if total > MAX_BYTES {
        return Err(Error::Model(format!(
            "the model is {:.1} MB; models over {} MB are refused",
            total as f64 / (1u64 << 20) as f64,
            MAX_BYTES >> 20
        )));
    }
    let external::Inlined { bytes, class_names, nodes: exported } = external::inline(model, data)?;
    let parsed = OnnxGraphBuilder::new()
        .simplify(false)
        .parse_bytes(&bytes)
        .map_err(|e| Error::Model(format!("not a model the ONNX parser reads: {e}")))?;
    let mut b = Builder {
        nodes: Vec::new(),
        values: HashMap::new(),
        shapes: Vec::new(),
        input_shape: Shape::new(0, 0, 0),
        exported,
        matched: 0,
    };
    let channels_last = b.input(&parsed.inputs)?;
    let [output] = &parsed.outputs[..] else {
        return Err(Error::Model(format!(
            "the model has {} outputs; one (the logits) is supported",
            parsed.outputs.len()
        )));
    };
    let mut removed_head = None;
    for (i, n) in parsed.nodes.iter().enumerate() {
        let last = i + 1 == parsed.nodes.len();
        if let (true, OnnxNode::Softmax(_) | OnnxNode::LogSoftmax(_)) = (last, n) {
            removed_head = Some(if matches!(n, OnnxNode::Softmax(_)) { "Softmax" } else { "LogSoftmax" });
            b.alias(&n.outputs()[0].name, &n.inputs()[0].name, n)?;
            continue;
        }
        if let Err(e) = finite_weights(n).and_then(|()| b.node(n)) {
            // Named as the exporter named it (what the user sees in their framework and Netron).
            return Err(match (e, b.exported_name(n)) {
                (Error::Model(m), Some(name)) => {
                    Error::Model(m.replacen(&format!("node “{}”", n.name()), &format!("node “{name}”"), 1))
                }
                (e, _) => e,
            });
        }
    }
    let out = b
        .value(&output.name)
        .ok_or_else(|| Error::Model(format!("the output “{}” is computed by no node", output.name)))?;
    if out.index != b.nodes.len() {
        return Err(Error::Model(format!("the output “{}” is not the last node's value", output.name)));
    }
    let graph = Graph::new(b.input_shape, b.nodes)?;
    let classes = graph.output_shape();
    if classes.h != 1 || classes.w != 1 || classes.c < 2 {
        return Err(Error::Model(format!("the output is {classes}; a vector of at least 2 logits is needed")));
    }
    if graph.flops() > MAX_FLOPS {
        return Err(Error::Model(format!(
            "one forward pass is {:.2} GFLOP; models over {:.0} GFLOP are refused",
            graph.flops() as f64 / 1e9,
            MAX_FLOPS as f64 / 1e9
        )));
    }
    // Weights that overflow would give every map as infinity or NaN: refuse them at the door.
    let s = graph.input_shape();
    let t = graph.forward(Maps { data: vec![0.5; s.len()], ..Maps::zeros(s.h, s.w, s.c) });
    if let Some(bad) = t.output().data.iter().find(|v| !v.is_finite()) {
        return Err(Error::Model(format!(
            "for a mid-grey image the model's logits include {bad}: its weights overflow"
        )));
    }
    let class_names = class_names.filter(|names| names.len() == classes.c);
    Ok(Imported { graph, class_names, channels_last, removed_head })
}

/// A value of the graph being built: its index, and its rank as ONNX sees it (4 for maps, 2 or 1
/// for vectors).
#[derive(Clone, Copy, Debug)]
struct Value {
    index: usize,
    rank: usize,
    /// The model's channel-last input, which only a Transpose to channel first may read.
    channels_last: bool,
}

struct Builder {
    nodes: Vec<Node>,
    values: HashMap<String, Value>,
    shapes: Vec<Shape>,
    input_shape: Shape,
    /// The exporter's (op type, name) of each node, and how many of them are matched so far.
    exported: Vec<(String, String)>,
    matched: usize,
}

fn refuse(n: &OnnxNode, why: impl std::fmt::Display) -> Error {
    Error::Model(format!("node “{}” ({}): {why}", n.name(), op_type(n)))
}

/// The op's ONNX name (onnx-ir names some by their dimensions: Conv2d, MaxPool2d).
fn op_type(n: &OnnxNode) -> String {
    match n {
        OnnxNode::Custom(c) => format!("{}::{}", c.domain, c.op_type),
        _ => {
            let t = n.node_type().to_string();
            for (from, to) in [("Conv2d", "Conv"), ("MaxPool2d", "MaxPool"), ("AveragePool2d", "AveragePool")] {
                if t == from {
                    return to.to_string();
                }
            }
            t
        }
    }
}

/// Refuses a node whose constant inputs (weights, biases, statistics) hold NaN or infinity.
fn finite_weights(n: &OnnxNode) -> Result<()> {
    for (k, a) in n.inputs().iter().enumerate() {
        if let Some(v) = constant(a)
            && let Some(i) = v.iter().position(|x| !x.is_finite())
        {
            return Err(refuse(n, format!("its input {k} (a constant) holds {} at index {i}", v[i])));
        }
    }
    Ok(())
}

/// A constant's values as f32 (stored as f32, f16, bf16, f64 or an integer type).
fn constant(a: &Argument) -> Option<Vec<f32>> {
    let v = a.value()?;
    v.convert::<f32>().try_to_vec::<f32>().ok()
}

fn dims(a: &Argument) -> Option<Vec<usize>> {
    a.ty.static_shape_known()
}

impl Builder {
    fn input(&mut self, inputs: &[Argument]) -> Result<bool> {
        let [x] = inputs else {
            return Err(Error::Model(format!("the model has {} inputs; one image input is supported", inputs.len())));
        };
        let ArgType::Tensor(t) = &x.ty else {
            return Err(Error::Model(format!("the input “{}” is not a tensor", x.name)));
        };
        let shape = t.static_shape.clone().unwrap_or_default();
        let fixed: Vec<Option<usize>> = shape.iter().skip(1).copied().collect();
        if t.rank != 4 || fixed.iter().any(Option::is_none) {
            return Err(Error::Model(format!(
                "the input “{}” is {}; an image N×C×H×W (or N×H×W×C) with fixed C, H and W is supported",
                x.name,
                describe(&shape, t.rank)
            )));
        }
        let d: Vec<usize> = fixed.into_iter().flatten().collect();
        let channels_last = !matches!(d[0], 1 | 3) && matches!(d[2], 1 | 3);
        let (c, h, w) = if channels_last { (d[2], d[0], d[1]) } else { (d[0], d[1], d[2]) };
        if !matches!(c, 1 | 3) {
            return Err(Error::Model(format!(
                "the input “{}” has {c} channels; 1 (grey) or 3 (RGB) are supported",
                x.name
            )));
        }
        self.input_shape = Shape::new(c, h, w);
        self.shapes.push(self.input_shape);
        self.values.insert(x.name.clone(), Value { index: 0, rank: 4, channels_last });
        Ok(channels_last)
    }

    fn value(&self, name: &str) -> Option<Value> {
        self.values.get(name).copied()
    }

    /// The value `n` reads at input `k`, which must be computed (not a constant).
    fn read(&self, n: &OnnxNode, k: usize) -> Result<Value> {
        let a = n.inputs().get(k).ok_or_else(|| refuse(n, format!("has no input {k}")))?;
        let v = self
            .value(&a.name)
            .ok_or_else(|| refuse(n, format!("reads “{}”, which no earlier node computes", a.name)))?;
        if v.channels_last {
            return Err(refuse(n, "reads the channel-last input; only a Transpose to channel first may"));
        }
        Ok(v)
    }

    fn alias(&mut self, to: &str, from: &str, n: &OnnxNode) -> Result<()> {
        let v = self.value(from).ok_or_else(|| refuse(n, format!("reads “{from}”, which no earlier node computes")))?;
        self.values.insert(to.to_string(), v);
        Ok(())
    }

    fn push(&mut self, n: &OnnxNode, op: impl Op + 'static, inputs: Vec<Value>, rank: usize) -> Result<()> {
        let ins: Vec<Shape> = inputs.iter().map(|v| self.shapes[v.index]).collect();
        let shape = op.shape(&ins).map_err(|why| refuse(n, why))?;
        let out = n.outputs().first().ok_or_else(|| refuse(n, "has no output"))?;
        let name = self.exported_name(n).unwrap_or_else(|| n.name().to_string());
        self.nodes.push(Node::new(name, op, inputs.iter().map(|v| v.index).collect()));
        self.shapes.push(shape);
        self.values.insert(out.name.clone(), Value { index: self.nodes.len(), rank, channels_last: false });
        Ok(())
    }

    fn node(&mut self, n: &OnnxNode) -> Result<()> {
        use OnnxNode as N;
        let rank_out = |n: &OnnxNode| n.outputs().first().map_or(0, |o| o.ty.rank());
        match n {
            N::Constant(_) => Ok(()),
            N::Identity(_) | N::Dropout(_) => {
                let x = self.read(n, 0)?;
                self.push(
                    n,
                    Identity { kind: if matches!(n, N::Dropout(_)) { "Dropout" } else { "Identity" } },
                    vec![x],
                    x.rank,
                )
            }
            N::Conv2d(c) => {
                let x = self.read(n, 0)?;
                let w = c.inputs.get(1).and_then(constant).ok_or_else(|| refuse(n, "its weight is not a constant"))?;
                let wd = c.inputs.get(1).and_then(dims).unwrap_or_default();
                let bias = match c.inputs.get(2) {
                    Some(b) if !b.is_optional() => {
                        Some(constant(b).ok_or_else(|| refuse(n, "its bias is not a constant"))?)
                    }
                    _ => None,
                };
                let cout = *wd.first().ok_or_else(|| refuse(n, "its weight's shape is unknown"))?;
                let s = self.shapes[x.index];
                let cfg = &c.config;
                let pads = pads(n, &cfg.padding, &cfg.auto_pad, s, cfg.kernel_size, cfg.stride, cfg.dilation)?;
                let g = ConvGeometry {
                    kernel: cfg.kernel_size,
                    stride: cfg.stride,
                    pads,
                    dilation: cfg.dilation,
                    groups: cfg.groups,
                };
                let op = Conv::new(w, bias, s.c, cout, g).map_err(|why| refuse(n, why))?;
                self.push(n, op, vec![x], 4)
            }
            N::BatchNormalization(b) => {
                let x = self.read(n, 0)?;
                let eps = match &b.config {
                    onnx_ir::node::batch_norm::BatchNormConfig::Static(c) => c.epsilon,
                    onnx_ir::node::batch_norm::BatchNormConfig::Runtime(c) => c.epsilon,
                };
                let p: Vec<Vec<f32>> = (1..5)
                    .map(|k| {
                        b.inputs.get(k).and_then(constant).ok_or_else(|| refuse(n, "its statistics are not constants"))
                    })
                    .collect::<Result<_>>()?;
                let op = Affine::batch_norm(&p[0], &p[1], &p[2], &p[3], eps).map_err(|why| refuse(n, why))?;
                self.push(n, op, vec![x], x.rank)
            }
            N::Relu(_) => self.unary(n, Relu),
            N::LeakyRelu(l) => self.unary(n, Activation::LeakyRelu { alpha: l.config.alpha as f32 }),
            N::Elu(e) => self.unary(n, Activation::Elu { alpha: e.config.alpha as f32 }),
            N::Sigmoid(_) => self.unary(n, Activation::Sigmoid),
            N::Tanh(_) => self.unary(n, Activation::Tanh),
            N::HardSwish(_) => self.unary(n, Activation::HardSwish),
            N::HardSigmoid(h) => {
                self.unary(n, Activation::HardSigmoid { alpha: h.config.alpha as f32, beta: h.config.beta as f32 })
            }
            N::Clip(c) => {
                let bound = |b: &Option<onnx_ir::node::clip::ClipInput>, k: usize, none: f32| -> Result<f32> {
                    match b {
                        None => Ok(none),
                        Some(onnx_ir::node::clip::ClipInput::Static(v)) => Ok(*v as f32),
                        Some(onnx_ir::node::clip::ClipInput::Runtime(_)) => c
                            .inputs
                            .get(k)
                            .and_then(constant)
                            .and_then(|v| v.first().copied())
                            .ok_or_else(|| refuse(n, "its bounds are not constants")),
                    }
                };
                let (lo, hi) = (bound(&c.config.min, 1, f32::NEG_INFINITY)?, bound(&c.config.max, 2, f32::INFINITY)?);
                self.unary(n, Activation::Clip { lo, hi })
            }
            N::MaxPool2d(p) => {
                let x = self.read(n, 0)?;
                let cfg = &p.config;
                if cfg.ceil_mode || cfg.dilation != [1, 1] {
                    return Err(refuse(n, "ceil_mode 1 and dilation are not supported"));
                }
                let s = self.shapes[x.index];
                let pads = pads(n, &cfg.padding, &cfg.auto_pad, s, cfg.kernel_size, cfg.strides, [1, 1])?;
                self.push(n, MaxPool { kernel: cfg.kernel_size, stride: cfg.strides, pads }, vec![x], 4)
            }
            N::AveragePool2d(p) => {
                let x = self.read(n, 0)?;
                let cfg = &p.config;
                if cfg.ceil_mode || cfg.dilation != [1, 1] {
                    return Err(refuse(n, "ceil_mode 1 and dilation are not supported"));
                }
                let s = self.shapes[x.index];
                let pads = pads(n, &cfg.padding, &cfg.auto_pad, s, cfg.kernel_size, cfg.strides, [1, 1])?;
                let op = AvgPool {
                    kernel: cfg.kernel_size,
                    stride: cfg.strides,
                    pads,
                    count_include_pad: cfg.count_include_pad,
                    global: false,
                };
                self.push(n, op, vec![x], 4)
            }
            N::GlobalAveragePool(_) => {
                let x = self.read(n, 0)?;
                self.push(n, AvgPool::global(), vec![x], 4)
            }
            N::GlobalMaxPool(_) => self.global_max(n),
            N::ReduceMean(r) => self.reduce(n, &r.config, false),
            N::ReduceMax(r) => self.reduce(n, &r.config, true),
            N::Flatten(_) | N::Reshape(_) | N::Squeeze(_) | N::Unsqueeze(_) => {
                let x = self.read(n, 0)?;
                let s = self.shapes[x.index];
                let out = n.outputs().first().and_then(dims);
                let rank = rank_out(n);
                let flat = rank <= 2 && out.as_ref().is_none_or(|d| d.iter().product::<usize>() == s.len());
                // A vector that becomes N×C×1×1 (Unsqueeze before a 1×1 convolution) is the same data.
                let column = rank == 4
                    && out.as_ref().is_some_and(|d| d.len() == 4 && d[2] == 1 && d[3] == 1 && d[1] == s.len());
                if flat || (column && s.h == 1 && s.w == 1) {
                    self.push(n, Flatten, vec![x], rank)
                } else {
                    Err(refuse(
                        n,
                        format!(
                            "reshapes {s} to {}; only a reshape to one vector per image is supported",
                            describe_known(out)
                        ),
                    ))
                }
            }
            N::Gemm(g) => {
                let x = self.read(n, 0)?;
                let cfg = &g.config;
                if cfg.trans_a != 0 {
                    return Err(refuse(n, "transA = 1 is not supported"));
                }
                let b = g.inputs.get(1).and_then(constant).ok_or_else(|| refuse(n, "its weight is not a constant"))?;
                let bd = g.inputs.get(1).and_then(dims).unwrap_or_default();
                let [r, c] = bd[..] else { return Err(refuse(n, "its weight is not a matrix")) };
                let (inputs, outputs) = if cfg.trans_b != 0 { (c, r) } else { (r, c) };
                let mut weight: Vec<f32> = if cfg.trans_b != 0 {
                    (0..inputs * outputs).map(|j| b[(j % outputs) * inputs + j / outputs]).collect()
                } else {
                    b
                };
                weight.iter_mut().for_each(|w| *w *= cfg.alpha);
                let bias = match g.inputs.get(2) {
                    Some(a) if !a.is_optional() => {
                        let v = constant(a).ok_or_else(|| refuse(n, "its bias is not a constant"))?;
                        let v: Vec<f32> = v.iter().map(|v| v * cfg.beta).collect();
                        Some(if v.len() == 1 { vec![v[0]; outputs] } else { v })
                    }
                    _ => None,
                };
                let op = Dense::new(weight, bias, inputs, outputs).map_err(|why| refuse(n, why))?;
                self.push(n, op, vec![x], 2)
            }
            N::Linear(l) => {
                let x = self.read(n, 0)?;
                let w = l.inputs.get(1).and_then(constant).ok_or_else(|| refuse(n, "its weight is not a constant"))?;
                let [r, c] = l.inputs.get(1).and_then(dims).unwrap_or_default()[..] else {
                    return Err(refuse(n, "its weight is not a matrix"));
                };
                // Gemm's weight is [out][in]; MatMul's already [in][out].
                let (inputs, outputs) = if l.config.transpose_weight { (c, r) } else { (r, c) };
                let weight = if l.config.transpose_weight {
                    (0..inputs * outputs).map(|j| w[(j % outputs) * inputs + j / outputs]).collect()
                } else {
                    w
                };
                let bias = match l.inputs.get(2) {
                    Some(a) if !a.is_optional() => {
                        Some(constant(a).ok_or_else(|| refuse(n, "its bias is not a constant"))?)
                    }
                    _ => None,
                };
                let op = Dense::new(weight, bias, inputs, outputs).map_err(|why| refuse(n, why))?;
                self.push(n, op, vec![x], 2)
            }
            N::MatMul(m) => {
                let x = self.read(n, 0)?;
                let b = m
                    .inputs
                    .get(1)
                    .and_then(constant)
                    .ok_or_else(|| refuse(n, "only a product with a constant matrix is supported"))?;
                let [inputs, outputs] = m.inputs.get(1).and_then(dims).unwrap_or_default()[..] else {
                    return Err(refuse(n, "its weight is not a matrix"));
                };
                let op = Dense::new(b, None, inputs, outputs).map_err(|why| refuse(n, why))?;
                self.push(n, op, vec![x], 2)
            }
            N::Add(_) | N::Sub(_) | N::Mul(_) | N::Div(_) => self.arithmetic(n),
            N::Concat(c) => {
                let ins: Vec<Value> = (0..c.inputs.len()).map(|k| self.read(n, k)).collect::<Result<_>>()?;
                let rank = ins.first().map_or(4, |v| v.rank);
                if c.config.axis != 1 {
                    return Err(refuse(
                        n,
                        format!("joins on axis {}; only channels (axis 1) are supported", c.config.axis),
                    ));
                }
                self.push(n, Concat, ins, rank)
            }
            N::Transpose(t) => {
                let a = n.inputs().first().ok_or_else(|| refuse(n, "has no input"))?;
                let x = self
                    .value(&a.name)
                    .ok_or_else(|| refuse(n, format!("reads “{}”, which no earlier node computes", a.name)))?;
                let p = &t.config.perm;
                if x.channels_last {
                    if p[..] != [0, 3, 1, 2] {
                        return Err(refuse(
                            n,
                            format!("reads the channel-last input with perm {p:?}; only [0, 3, 1, 2] is supported"),
                        ));
                    }
                    return self.push(n, Identity { kind: "Transpose" }, vec![Value { channels_last: false, ..x }], 4);
                }
                match p[..] {
                    [0, a, b, c] if x.rank == 4 => {
                        let perm = [a, b, c].map(|v| (v - 1).clamp(0, 2) as usize);
                        self.push(n, Transpose { perm }, vec![x], 4)
                    }
                    _ => Err(refuse(
                        n,
                        format!("perm {p:?} moves the batch axis; only permutations of C, H and W are supported"),
                    )),
                }
            }
            _ => Err(refuse(n, format!("this op is not supported; supported: {SUPPORTED}"))),
        }
    }

    /// The exporter's name for `n` (what the user sees in their framework and in Netron): the
    /// next exported node of its op type, in order (the parser drops Constants and fuses
    /// MatMul + Add into one node but keeps the order).
    fn exported_name(&mut self, n: &OnnxNode) -> Option<String> {
        let ty = op_type(n);
        let fits = |t: &str| t == ty || (ty == "Linear" && matches!(t, "Gemm" | "MatMul"));
        let at = self.exported[self.matched..].iter().position(|(t, _)| fits(t))? + self.matched;
        self.matched = at + 1;
        let name = &self.exported[at].1;
        let taken = self.nodes.iter().any(|m| &m.name == name);
        (!name.is_empty() && !taken).then(|| name.clone())
    }

    fn unary(&mut self, n: &OnnxNode, op: impl Op + 'static) -> Result<()> {
        let x = self.read(n, 0)?;
        self.push(n, op, vec![x], x.rank)
    }

    fn global_max(&mut self, n: &OnnxNode) -> Result<()> {
        let x = self.read(n, 0)?;
        let s = self.shapes[x.index];
        self.push(n, MaxPool { kernel: [s.h, s.w], stride: [1, 1], pads: [0; 4] }, vec![x], 4)
    }

    fn reduce(&mut self, n: &OnnxNode, cfg: &onnx_ir::node::reduce::ReduceConfig, max: bool) -> Result<()> {
        let x = self.read(n, 0)?;
        let spatial = matches!(&cfg.axes, onnx_ir::node::reduce::ReduceAxes::Static(a) if { let mut a = a.clone(); a.sort(); a == [2, 3] });
        if x.rank != 4 || !spatial {
            return Err(refuse(n, "only a reduction over H and W (axes 2, 3) of maps is supported"));
        }
        let rank = if cfg.keepdims { 4 } else { 2 };
        if max {
            self.global_max(n)?;
        } else {
            self.push(n, AvgPool::global(), vec![x], 4)?;
        }
        if let Some(o) = n.outputs().first()
            && let Some(v) = self.values.get_mut(&o.name)
        {
            v.rank = rank;
        }
        Ok(())
    }

    /// Add / Sub / Mul / Div: by a constant (one value, or one per channel), or Add of two values.
    fn arithmetic(&mut self, n: &OnnxNode) -> Result<()> {
        let ins = n.inputs();
        if ins.len() != 2 {
            return Err(refuse(n, format!("takes two inputs, was given {}", ins.len())));
        }
        let k = [constant(&ins[0]), constant(&ins[1])];
        let kind = match n {
            OnnxNode::Add(_) => "Add",
            OnnxNode::Sub(_) => "Sub",
            OnnxNode::Mul(_) => "Mul",
            _ => "Div",
        };
        let (x, c, constant_first) = match k {
            [None, None] if kind == "Add" => {
                let (a, b) = (self.read(n, 0)?, self.read(n, 1)?);
                return self.push(n, Add, vec![a, b], a.rank);
            }
            [None, None] => {
                return Err(refuse(n, format!("{kind} of two computed values is not supported (only Add)")));
            }
            [Some(c), None] => (self.read(n, 1)?, c, true),
            [None, Some(c)] => (self.read(n, 0)?, c, false),
            [Some(_), Some(_)] => return Err(refuse(n, "both inputs are constants")),
        };
        let s = self.shapes[x.index];
        // The constant must broadcast along channels only: one value, C×1×1 (or 1×C×1×1) for maps, C for vectors.
        let cd = ins[usize::from(!constant_first)].ty.static_shape_known().unwrap_or_default();
        let per_channel = c.len() == s.c && (x.rank <= 2 || cd.iter().rev().take(2).all(|&d| d == 1) && cd.len() >= 3);
        if c.len() != 1 && !per_channel {
            return Err(refuse(n, format!("its constant of shape {cd:?} does not broadcast over channels of {s}")));
        }
        let ones = vec![1.0; c.len()];
        let zeros = vec![0.0; c.len()];
        let (scale, shift) = match (kind, constant_first) {
            ("Add", _) => (ones, c),
            ("Sub", false) => (ones, c.iter().map(|v| -v).collect()),
            ("Sub", true) => (c.iter().map(|_| -1.0).collect(), c),
            ("Mul", _) => (c, zeros),
            ("Div", false) => (c.iter().map(|v| 1.0 / v).collect(), zeros),
            _ => return Err(refuse(n, "division by a computed value is not supported")),
        };
        let op = Affine::new(kind, scale, shift).map_err(|why| refuse(n, why))?;
        self.push(n, op, vec![x], x.rank)
    }
}

/// Explicit pads (top, left, bottom, right), or those `auto_pad` SAME_UPPER / SAME_LOWER asks.
fn pads(
    n: &OnnxNode,
    padding: &onnx_ir::node::padding::PaddingConfig2d,
    auto: &onnx_ir::node::padding::AutoPad,
    s: Shape,
    kernel: [usize; 2],
    stride: [usize; 2],
    dilation: [usize; 2],
) -> Result<[usize; 4]> {
    use onnx_ir::node::padding::{AutoPad, PaddingConfig2d};
    let same = |size: usize, k: usize, st: usize, d: usize| {
        let out = size.div_ceil(st.max(1));
        ((out - 1) * st + (k - 1) * d + 1).saturating_sub(size)
    };
    match (auto, padding) {
        (AutoPad::SameUpper | AutoPad::SameLower, _) => {
            let ph = same(s.h, kernel[0], stride[0], dilation[0]);
            let pw = same(s.w, kernel[1], stride[1], dilation[1]);
            let (small_h, small_w) = (ph / 2, pw / 2);
            Ok(if matches!(auto, AutoPad::SameUpper) {
                [small_h, small_w, ph - small_h, pw - small_w]
            } else {
                [ph - small_h, pw - small_w, small_h, small_w]
            })
        }
        (_, PaddingConfig2d::Valid) => Ok([0; 4]),
        (_, PaddingConfig2d::Explicit(t, l, b, r)) => Ok([*t, *l, *b, *r]),
        #[allow(unreachable_patterns)]
        _ => Err(refuse(n, "its padding is not supported")),
    }
}

fn describe(shape: &[Option<usize>], rank: usize) -> String {
    if shape.is_empty() {
        return format!("of rank {rank} with unknown sizes");
    }
    shape.iter().map(|d| d.map_or("?".to_string(), |d| d.to_string())).collect::<Vec<_>>().join("×")
}

fn describe_known(d: Option<Vec<usize>>) -> String {
    d.map_or("an unknown shape".into(), |d| d.iter().map(usize::to_string).collect::<Vec<_>>().join("×"))
}

/// What a user gives with a model: class names (from a labels file) and the per-channel mean and
/// standard deviation its training applied to [0, 1] pixels, if the graph does not apply them.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct ModelOptions {
    pub class_names: Option<Vec<String>>,
    pub mean: Option<Vec<f32>>,
    pub std: Option<Vec<f32>>,
}

/// Class names from a labels file: a JSON list of strings, a JSON object from class index to
/// name (`{"0": "cat", …}`, as ImageNet's `imagenet_class_index.json` with `["n0…", "tench"]`
/// values, or inside `id2label` as Hugging Face configs hold it), else one name a line (blank
/// lines at the end ignored). Other JSON is refused rather than read as one odd class name.
pub fn parse_labels(bytes: &[u8]) -> Result<Vec<String>> {
    let text = std::str::from_utf8(bytes).map_err(|_| Error::Input("the labels file is not UTF-8 text".into()))?;
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(trimmed)
            .map_err(|e| Error::Input(format!("the labels file is not valid JSON ({e})")))?;
        return labels_from_json(&value).ok_or_else(|| {
            Error::Input(
                "the labels file is JSON but holds no class names: give a list of strings, or an object \
                 from class index to name ({\"0\": \"cat\", …}, or such an object as \"id2label\")"
                    .into(),
            )
        });
    }
    let mut names: Vec<String> = text.lines().map(|l| l.trim_end_matches('\r').to_string()).collect();
    while names.last().is_some_and(|l| l.trim().is_empty()) {
        names.pop();
    }
    Ok(names)
}

/// The class names a JSON labels file holds, None if it holds none in a form we read.
fn labels_from_json(v: &serde_json::Value) -> Option<Vec<String>> {
    use serde_json::Value;
    let name = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        // ImageNet's class index: [wordnet id, name].
        Value::Array(a) => a.last()?.as_str().map(str::to_string),
        _ => None,
    };
    match v {
        Value::Array(items) => items.iter().map(|x| x.as_str().map(str::to_string)).collect(),
        Value::Object(map) => {
            if let Some(inner) = map.get("id2label") {
                return labels_from_json(inner);
            }
            // Keys 0..k−1, each once, in any order.
            let mut names = vec![None; map.len()];
            for (k, v) in map {
                let slot = names.get_mut(k.trim().parse::<usize>().ok()?)?;
                *slot = Some(name(v)?);
            }
            names.into_iter().collect()
        }
        _ => None,
    }
}

impl Imported {
    /// The network every method runs on: the graph, its input size, and its class names (the
    /// model's own, else "class 0" … "class k−1").
    pub fn into_network(self) -> Result<crate::attribution::Network> {
        self.into_network_with(ModelOptions::default())
    }

    /// As `into_network`, with the user's class names (which win over the model's) and
    /// normalisation: (x − mean) / std per channel becomes the graph's first node, so every
    /// gradient is still with respect to the [0, 1] pixels.
    pub fn into_network_with(self, o: ModelOptions) -> Result<crate::attribution::Network> {
        let s = self.graph.input_shape();
        let classes = self.graph.output_shape().len();
        let mut graph = self.graph;
        let mut notes = Vec::new();
        if let Some(head) = self.removed_head {
            notes.push(format!(
                "The model ends in {head}: the methods explain the logits before it (as keras-vis swaps softmax for linear)."
            ));
        }
        if self.channels_last {
            notes.push("The input is channel last (N, H, W, C), as tf2onnx writes Keras models.".into());
        }
        if o.mean.is_some() || o.std.is_some() {
            // One value stands for every channel.
            let per_channel = |v: Option<Vec<f32>>, default: f32| match v {
                Some(v) if v.len() == 1 => vec![v[0]; s.c],
                v => v.unwrap_or_else(|| vec![default; s.c]),
            };
            let (mean, std) = (per_channel(o.mean, 0.0), per_channel(o.std, 1.0));
            if mean.len() != s.c || std.len() != s.c {
                return Err(Error::Options(format!(
                    "mean and std need one value per channel ({}) or one for all, got {} and {}",
                    s.c,
                    mean.len(),
                    std.len()
                )));
            }
            if mean.iter().any(|m| !m.is_finite()) || std.iter().any(|d| !d.is_finite() || *d <= 0.0) {
                return Err(Error::Options("mean must be finite and std finite and above 0".into()));
            }
            let scale: Vec<f32> = std.iter().map(|d| 1.0 / d).collect();
            let shift = mean.iter().zip(&std).map(|(m, d)| -m / d).collect();
            let op = Affine::new("Normalization", scale, shift).map_err(Error::Options)?;
            graph = graph.prepend(Node::new("normalization (mean, std)", op, vec![0]))?;
            notes.push(format!(
                "Pixels in [0, 1] are normalised by mean {mean:?} and std {std:?} before the graph; gradients are with respect to the [0, 1] pixels."
            ));
        }
        let class_names = o.class_names.or(self.class_names);
        if let Some(names) = &class_names
            && names.len() != classes
        {
            let n = names.len();
            return Err(Error::Options(format!(
                "{n} class name{} for a model with {classes} output{}",
                if n == 1 { "" } else { "s" },
                if classes == 1 { "" } else { "s" }
            )));
        }
        let spec = match class_names {
            Some(class_names) => crate::spec::InputSpec { height: s.h, width: s.w, channels: s.c, class_names },
            None => crate::spec::InputSpec::numbered(s.h, s.w, s.c, classes),
        };
        Ok(crate::attribution::Network::from_graph(graph, spec)?.with_notes(notes))
    }
}

/// Imports a model file and, if its weights are stored outside it, the file it names next to it.
/// Errors name the file.
pub fn read_file(path: &std::path::Path) -> Result<Imported> {
    let model = std::fs::read(path).map_err(|e| Error::file(path, e))?;
    let names = external::external_data_names(&model).map_err(|e| Error::file(path, e.detail()))?;
    let data = match &names[..] {
        [] => None,
        [name] => {
            let beside = path.parent().unwrap_or(std::path::Path::new(".")).join(name);
            Some(std::fs::read(&beside).map_err(|e| Error::file(&beside, format!("the model's weights file: {e}")))?)
        }
        more => {
            return Err(Error::file(
                path,
                format!(
                    "its weights are spread over {} files ({}); one .data file is supported",
                    more.len(),
                    more.join(", ")
                ),
            ));
        }
    };
    import(&model, data.as_deref()).map_err(|e| Error::file(path, e.detail()))
}
