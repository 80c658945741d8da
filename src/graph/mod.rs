//! A network as data: a graph of named nodes, each an op (`ops`) applied to earlier values, and
//! the one engine that runs any such graph on one image at a time — forward, the input-gradient
//! backward pass to the input or to any value, and LRP. The engine knows no layer name, no op
//! and no dataset; the tutorial network is one instance (`crate::tutorial`), an imported model
//! another.
//!
//! Values are numbered: 0 is the input, `i + 1` the output of node `i`. Nodes are stored in an
//! order in which every input comes before its node (checked on construction), so a forward pass
//! is one walk and a backward pass the same walk reversed; gradients of a value read by several
//! nodes (a residual connection) add up.

mod maps;
pub mod ops;

use std::sync::Arc;

use crate::rng;

pub use maps::{Maps, Shape};
pub use ops::{Op, ReluRule};

/// One node: a name (the exporter's, or the tutorial's layer name), its op and the values it reads.
#[derive(Clone, Debug)]
pub struct Node {
    pub name: String,
    pub op: Arc<dyn Op>,
    pub inputs: Vec<usize>,
}

impl Node {
    pub fn new(name: impl Into<String>, op: impl Op + 'static, inputs: Vec<usize>) -> Self {
        Node { name: name.into(), op: Arc::new(op), inputs }
    }
}

#[derive(Clone, Debug)]
pub struct Graph {
    nodes: Vec<Node>,
    /// The shape of every value (input first).
    shapes: Vec<Shape>,
}

/// Every value of one forward pass: `values[0]` the input, `values[i + 1]` node i's output.
#[derive(Clone, Debug)]
pub struct Trace {
    pub values: Vec<Maps>,
}

impl Trace {
    /// The graph's output (the logits).
    pub fn output(&self) -> &Maps {
        self.values.last().unwrap_or(&self.values[0])
    }
}

impl Graph {
    /// Checks that every node reads only earlier values, that names are unique, and that every
    /// op accepts its inputs' shapes; the error names the node and its op.
    pub fn new(input: Shape, nodes: Vec<Node>) -> crate::Result<Self> {
        let bad = |n: &Node, why: String| crate::Error::Model(format!("node “{}” ({}): {why}", n.name, n.op.kind()));
        if nodes.is_empty() {
            return Err(crate::Error::Model("the graph has no nodes".into()));
        }
        let mut shapes = vec![input];
        let mut names = std::collections::HashSet::new();
        for (i, n) in nodes.iter().enumerate() {
            if !names.insert(n.name.as_str()) {
                return Err(bad(n, "a second node has this name".into()));
            }
            if let Some(&v) = n.inputs.iter().find(|&&v| v > i) {
                return Err(bad(n, format!("reads value {v}, which is not computed before it")));
            }
            let ins: Vec<Shape> = n.inputs.iter().map(|&v| shapes[v]).collect();
            let out = n.op.shape(&ins).map_err(|why| bad(n, why))?;
            if out.is_empty() {
                return Err(bad(n, format!("its output {out} is empty")));
            }
            shapes.push(out);
        }
        Ok(Graph { nodes, shapes })
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The same graph with `first` applied to its input before everything else (a user's
    /// normalisation): the old input's readers read `first`'s output.
    pub fn prepend(self, first: Node) -> crate::Result<Self> {
        let input = self.input_shape();
        let shifted = self.nodes.into_iter().map(|mut n| {
            n.inputs.iter_mut().for_each(|v| *v += 1);
            n
        });
        Graph::new(input, std::iter::once(Node { inputs: vec![0], ..first }).chain(shifted).collect())
    }
    /// The same graph with node `i`'s op replaced for each `(i, op)`; a replacement must keep
    /// its node's shapes (re-drawn weights do), so nothing needs checking again.
    pub fn with_ops(&self, ops: impl IntoIterator<Item = (usize, Arc<dyn Op>)>) -> Graph {
        let mut g = self.clone();
        for (i, op) in ops {
            debug_assert_eq!(
                op.shape(&g.nodes[i].inputs.iter().map(|&v| g.shapes[v]).collect::<Vec<_>>()),
                Ok(g.shapes[i + 1])
            );
            g.nodes[i].op = op;
        }
        g
    }
    pub fn input_shape(&self) -> Shape {
        self.shapes[0]
    }
    pub fn output_shape(&self) -> Shape {
        self.shapes[self.nodes.len()]
    }
    /// The shape of value `v`.
    pub fn shape(&self, v: usize) -> Shape {
        self.shapes[v]
    }
    /// The value a node of this name outputs.
    pub fn value_of(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name).map(|i| i + 1)
    }
    /// Floating-point operations of node `i`'s forward pass.
    pub fn node_flops(&self, i: usize) -> u64 {
        let n = &self.nodes[i];
        let ins: Vec<Shape> = n.inputs.iter().map(|&v| self.shapes[v]).collect();
        n.op.flops(&ins, self.shapes[i + 1])
    }
    pub fn flops(&self) -> u64 {
        (0..self.nodes.len()).map(|i| self.node_flops(i)).sum()
    }
    pub fn parameters(&self) -> usize {
        self.nodes.iter().map(|n| n.op.parameters()).sum()
    }

    /// The forward pass of one input of the graph's input shape.
    pub fn forward(&self, x: Maps) -> Trace {
        debug_assert_eq!(x.shape(), self.input_shape());
        let mut values = Vec::with_capacity(self.nodes.len() + 1);
        values.push(x);
        for n in &self.nodes {
            let out = {
                let ins: Vec<&Maps> = n.inputs.iter().map(|&v| &values[v]).collect();
                n.op.forward(&ins)
            };
            values.push(out);
        }
        Trace { values }
    }

    /// The gradient with respect to value `stop` (0: the input) of ⟨seed, output⟩, with every
    /// ReLU's backward replaced by `rule`. Only nodes after `stop` are walked.
    pub fn backward(&self, t: &Trace, seed: Maps, rule: ReluRule, stop: usize) -> Maps {
        self.backward_from(t, self.nodes.len(), seed, rule, stop)
    }

    /// The gradient with respect to value `stop` of ⟨seed, value `from`⟩ (`from` > `stop`): what
    /// a filter's activation maximisation ascends.
    pub fn backward_from(&self, t: &Trace, from: usize, seed: Maps, rule: ReluRule, stop: usize) -> Maps {
        self.propagate(t, from, seed, stop, |_, n, ins, out, g| n.op.backward(ins, out, g, rule))
    }

    /// The LRP relevance at value `stop` from `relevance` at the output.
    pub fn lrp(&self, t: &Trace, relevance: Maps, epsilon: f32, stop: usize) -> Maps {
        self.propagate(t, self.nodes.len(), relevance, stop, |_, n, ins, out, r| n.op.lrp(ins, out, r, epsilon))
    }

    /// The gradient of ⟨seed, output⟩ with respect to every value (input first), under `rule`:
    /// one backward pass, each value's gradient kept (what the layer view shows).
    pub fn backward_all(&self, t: &Trace, seed: Maps, rule: ReluRule) -> Vec<Maps> {
        let grads = self.walk(t, self.nodes.len(), seed, 0, true, |_, n, ins, out, g| n.op.backward(ins, out, g, rule));
        grads.into_iter().enumerate().map(|(v, g)| g.unwrap_or_else(|| Maps::of_shape(self.shapes[v]))).collect()
    }

    /// Every node's learned parameters (`Op::parameter_values`; empty for a node without).
    pub fn parameter_values(&self) -> Vec<Vec<f32>> {
        self.nodes.iter().map(|n| n.op.parameter_values()).collect()
    }

    /// The same graph holding `values` (one entry per node, as `parameter_values` gives them);
    /// `None` if an entry does not fit its node.
    pub fn with_parameter_values(&self, values: &[Vec<f32>]) -> Option<Graph> {
        if values.len() != self.nodes.len() {
            return None;
        }
        let mut ops = Vec::new();
        for (i, (n, v)) in self.nodes.iter().zip(values).enumerate() {
            match (v.is_empty(), n.op.parameters() == 0) {
                (true, true) => {}
                (false, false) => ops.push((i, n.op.with_parameter_values(v)?)),
                _ => return None,
            }
        }
        Some(self.with_ops(ops))
    }

    /// The graph as it runs on one training image: each op that behaves otherwise in training
    /// (dropout) replaced by its draw from `rng`, in node order.
    pub fn for_training(&self, rng: &mut rng::Rng) -> Graph {
        let ops: Vec<_> = self
            .nodes
            .iter()
            .enumerate()
            .filter_map(|(i, n)| Some((i, n.op.training(self.shapes[i + 1], rng)?)))
            .collect();
        self.with_ops(ops)
    }

    /// The gradient of ⟨seed, output⟩ with respect to every node's parameters (laid out as
    /// `parameter_values`), by one backward pass; nodes that read only the input pass nothing
    /// further back.
    pub fn parameter_gradients(&self, t: &Trace, seed: Maps) -> Vec<Vec<f32>> {
        let mut grads = vec![Vec::new(); self.nodes.len()];
        self.walk(t, self.nodes.len(), seed, 0, false, |i, n, ins, out, g| {
            if n.op.parameters() > 0 {
                grads[i] = n.op.parameter_gradient(ins, g);
            }
            if n.inputs.iter().all(|&v| v == 0) { Vec::new() } else { n.op.backward(ins, out, g, ReluRule::Gradient) }
        });
        grads
    }

    /// The nodes that read value `v`.
    pub fn consumers(&self, v: usize) -> impl Iterator<Item = usize> + '_ {
        self.nodes.iter().enumerate().filter(move |(_, n)| n.inputs.contains(&v)).map(|(i, _)| i)
    }

    /// Where a class activation map reads by default: the last Conv's output, followed through
    /// the pointwise nodes (normalisation, activation, residual Add) that are its one consumer
    /// in turn, as long as the value stays a map. For the tutorial: conv2 after its ReLU.
    pub fn default_cam_value(&self) -> Option<usize> {
        let conv = self.nodes.iter().rposition(|n| n.op.kind() == "Conv")?;
        let mut v = conv + 1;
        loop {
            let mut next = self.consumers(v);
            match (next.next(), next.next()) {
                (Some(i), None) if self.nodes[i].op.pointwise() && self.shapes[i + 1].is_map() => v = i + 1,
                _ => return Some(v),
            }
        }
    }

    /// One reverse walk from value `from` down to value `stop`; the gradient at `stop`.
    fn propagate(
        &self,
        t: &Trace,
        from: usize,
        seed: Maps,
        stop: usize,
        step: impl FnMut(usize, &Node, &[&Maps], &Maps, &Maps) -> Vec<Maps>,
    ) -> Maps {
        let mut grads = self.walk(t, from, seed, stop, false, step);
        grads[stop].take().unwrap_or_else(|| Maps::of_shape(self.shapes[stop]))
    }

    /// The reverse walk: `step` turns what arrives at a node's output into what leaves for each
    /// of its inputs; what meets at a value adds up. Returns what arrived at each value up to
    /// `from` if `keep_all`, else at `stop` only (`None`: nothing reached it). Dropping each
    /// gradient once passed on lets the allocator hand its memory, still in cache, to the next:
    /// keeping them all made a single-image gradient ~50 % slower.
    fn walk(
        &self,
        t: &Trace,
        from: usize,
        seed: Maps,
        stop: usize,
        keep_all: bool,
        mut step: impl FnMut(usize, &Node, &[&Maps], &Maps, &Maps) -> Vec<Maps>,
    ) -> Vec<Option<Maps>> {
        let mut grads: Vec<Option<Maps>> = vec![None; from + 1];
        grads[from] = Some(seed);
        for i in (stop..from).rev() {
            // Every input of node i comes before its output: the two halves do not overlap.
            let (before, after) = grads.split_at_mut(i + 1);
            let passed = if keep_all { after[0].clone() } else { after[0].take() };
            let Some(g) = passed else { continue };
            let n = &self.nodes[i];
            let ins: Vec<&Maps> = n.inputs.iter().map(|&v| &t.values[v]).collect();
            for (&v, back) in n.inputs.iter().zip(step(i, n, &ins, &t.values[i + 1], &g)) {
                if v < stop {
                    continue;
                }
                match &mut before[v] {
                    Some(acc) => acc.add_assign(&back),
                    slot => *slot = Some(back),
                }
            }
        }
        grads
    }
}
