//! Attribution methods. Each is a small type with one `attribute` (PAIR saliency's `GetMask`):
//! it returns the raw, signed attribution for a batch, shaped like the input ([N,C,H,W];
//! Grad-CAM's cam is [N,1,H,W]). Turning that into a map is `postprocess`; colouring is the
//! front end's job. `SmoothGrad` wraps any other method. Each method's file also declares its
//! `MethodInfo`; `registry::METHODS` lists them for every face of the tool.

pub mod baseline;
mod blur_ig;
mod expected_gradients;
mod gradcam;
mod gradient;
mod integrated;
mod lrp;
mod occlusion;
pub mod registry;
mod smoothgrad;

pub use baseline::Baseline;
pub use blur_ig::{BlurIg, gaussian_blur};
pub use expected_gradients::ExpectedGradients;
pub use gradcam::{GradCam, GradCamPlusPlus, GuidedGradCam, ScoreCam, cam_low_res, upsample_bilinear_aligned};
#[cfg(feature = "autodiff")]
pub use gradient::autodiff_gradient;
pub use gradient::{Deconvnet, GradientXInput, Guided, ReluRule, Vanilla, input_gradient, rule_backward};
pub use integrated::{IntegratedGradients, completeness_gap};
pub use lrp::{Lrp, relevance};
pub use occlusion::Occlusion;
pub use registry::{METHODS, MethodInfo, MethodOptions};
pub use smoothgrad::{Average, SmoothGrad};

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};

use std::sync::{Arc, Mutex};

use crate::graph::{Graph, Maps, Trace};
use crate::model::{Cnn, DatasetKind, argmax, to_vec};
use crate::spec::InputSpec;
use crate::{Error, Result};

/// A model ready for attribution: its graph, run by the engine one image at a time, and what its
/// input and classes are. The tutorial's networks also keep burn's copies of their weights: the
/// plain one the randomisation re-initialises, and a frozen autodiff one (no parameter
/// gradients, dropout off), the native reference the explicit passes are tested against (the
/// WASM build leaves burn's autodiff out: feature `autodiff`).
#[derive(Clone, Debug)]
pub struct Network {
    spec: InputSpec,
    graph: Arc<Graph>,
    /// The data set the tutorial's network was made for; `None` for an imported model.
    dataset: Option<DatasetKind>,
    cnn: Option<Cnn>,
    #[cfg(feature = "autodiff")]
    frozen: Option<Cnn>,
    device: Device,
    /// Other names of values (the tutorial's "conv2": conv2's output after its ReLU).
    aliases: Vec<(String, usize)>,
    /// What a model card should say about how the graph was read (a softmax removed, …).
    notes: Vec<String>,
    last: LastTrace,
}

/// The forward pass of the last image traced. Explaining an image classifies it and then
/// differentiates the same image; with this, both read one forward pass.
#[derive(Debug, Default)]
struct LastTrace(Mutex<Option<(Vec<f32>, Arc<Trace>)>>);

impl Clone for LastTrace {
    fn clone(&self) -> Self {
        LastTrace::default()
    }
}

impl Network {
    /// The tutorial's network with these weights.
    pub fn new(model: Cnn) -> Self {
        let plain = model.valid();
        let kind = plain.kind();
        let graph = crate::tutorial::graph_of(&plain);
        Network {
            spec: InputSpec::of(kind),
            graph: Arc::new(graph),
            dataset: Some(kind),
            #[cfg(feature = "autodiff")]
            frozen: Some(plain.clone().fork(&plain.device().autodiff()).freeze()),
            device: plain.device(),
            cnn: Some(plain),
            aliases: crate::tutorial::LAYER_ALIASES.iter().map(|&(n, v)| (n.to_string(), v)).collect(),
            notes: Vec::new(),
            last: LastTrace::default(),
        }
    }

    /// Any graph whose input is one `spec` image and whose output is one logit per class.
    pub fn from_graph(graph: Graph, spec: InputSpec) -> Result<Self> {
        let (input, output) = (graph.input_shape(), graph.output_shape());
        if (input.c, input.h, input.w) != (spec.channels, spec.height, spec.width) {
            return Err(Error::Model(format!(
                "the graph takes {input} but the input is described as {}",
                spec.describe()
            )));
        }
        if output.len() != spec.classes() || spec.classes() < 2 {
            return Err(Error::Model(format!(
                "the graph outputs {output} values for {} class names (two or more classes, one logit each)",
                spec.classes()
            )));
        }
        Ok(Network {
            spec,
            graph: Arc::new(graph),
            dataset: None,
            cnn: None,
            #[cfg(feature = "autodiff")]
            frozen: None,
            device: crate::backend::default_device(),
            aliases: Vec::new(),
            notes: Vec::new(),
            last: LastTrace::default(),
        })
    }

    /// The same network (input, classes, layer names) computing with `graph` (the randomisation
    /// test's copies): burn's copy of the tutorial does not follow, so it is dropped.
    pub fn with_graph(&self, graph: Graph) -> Network {
        Network {
            graph: Arc::new(graph),
            cnn: None,
            #[cfg(feature = "autodiff")]
            frozen: None,
            last: LastTrace::default(),
            ..self.clone()
        }
    }

    /// The same network with these notes for its model card.
    pub fn with_notes(self, notes: Vec<String>) -> Network {
        Network { notes, ..self }
    }
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    pub fn spec(&self) -> &InputSpec {
        &self.spec
    }
    pub fn graph(&self) -> &Graph {
        &self.graph
    }
    pub fn dataset(&self) -> Option<DatasetKind> {
        self.dataset
    }
    /// burn's copy of the tutorial's weights (for its randomisation and the reference passes).
    pub fn cnn(&self) -> Option<&Cnn> {
        self.cnn.as_ref()
    }
    /// The frozen autodiff copy of the tutorial's weights: the native reference.
    #[cfg(feature = "autodiff")]
    pub fn frozen(&self) -> Option<&Cnn> {
        self.frozen.as_ref()
    }
    pub fn device(&self) -> Device {
        self.device.clone()
    }

    /// The value a layer name reads: "" the default CAM layer (`Graph::default_cam_value`), a
    /// node's name its output, or an alias. It must be a map (a CAM needs positions).
    pub fn layer_value(&self, name: &str) -> Result<usize> {
        let v = match name {
            "" => self.graph.default_cam_value().ok_or_else(|| {
                Error::Options("layer: the model has no Conv node; name a node with a spatial output".into())
            })?,
            _ => self
                .aliases
                .iter()
                .find(|(n, _)| n == name)
                .map(|&(_, v)| v)
                .or_else(|| self.graph.value_of(name))
                .ok_or_else(|| {
                    let maps: Vec<&str> = self.layer_names();
                    Error::Options(format!(
                        "layer: no node named “{name}” (the layers with maps are {})",
                        maps.join(", ")
                    ))
                })?,
        };
        let shape = self.graph.shape(v);
        if !shape.is_map() {
            return Err(Error::Options(format!("layer: “{name}” outputs {shape}, not maps with positions")));
        }
        Ok(v)
    }

    /// The layers a CAM or a filter dream can read, one name per value in graph order: an alias
    /// where the value has one, else the node's name; only values with positions.
    pub fn layers(&self) -> Vec<(&str, usize)> {
        // A node an alias shadows (the tutorial's conv1 before its ReLU) is not reachable by name.
        let shadowed = |name: &str| self.aliases.iter().any(|(a, _)| a == name);
        let nodes = self.graph.nodes().iter().enumerate().map(|(i, n)| (n.name.as_str(), i + 1));
        let nodes = nodes.filter(|&(n, _)| !shadowed(n));
        let mut all: Vec<(&str, usize)> = self.aliases.iter().map(|(n, v)| (n.as_str(), *v)).chain(nodes).collect();
        // Stable: an alias, listed first, wins over the node whose output it names.
        all.sort_by_key(|&(_, v)| v);
        all.dedup_by_key(|&mut (_, v)| v);
        all.retain(|&(_, v)| self.graph.shape(v).is_map());
        all
    }
    pub fn layer_names(&self) -> Vec<&str> {
        self.layers().into_iter().map(|(n, _)| n).collect()
    }
    /// The name of the default CAM layer, as `layers` lists it ("" if the graph has no Conv).
    pub fn default_layer(&self) -> &str {
        let v = self.graph.default_cam_value();
        self.layers().into_iter().find(|&(_, at)| Some(at) == v).map_or("", |(n, _)| n)
    }

    /// The forward pass of one image in (C, H, W) order, kept as the last image traced.
    pub fn trace(&self, chw: &[f32]) -> Arc<Trace> {
        self.traced(chw, true)
    }
    /// The forward pass of one image; if `keep`, it replaces the kept one.
    fn traced(&self, chw: &[f32], keep: bool) -> Arc<Trace> {
        // A poisoned lock only means a panic elsewhere; the cache is then simply not used.
        let mut last = self.last.0.lock().ok();
        if let Some(Some((image, trace))) = last.as_deref()
            && image[..] == *chw
        {
            return trace.clone();
        }
        let s = self.graph.input_shape();
        let trace = Arc::new(self.graph.forward(Maps::from_chw(chw, s.c, s.h, s.w)));
        if keep && let Some(last) = last.as_mut() {
            **last = Some((chw.to_vec(), trace.clone()));
        }
        trace
    }
    /// The images of `x` ([N,C,H,W]) as (C, H, W) slices. Every tensor reaching a method was
    /// built from the spec (`explain::image_tensor`), so another shape is a bug, not bad input.
    fn images(&self, x: &Tensor<4>) -> (Vec<f32>, usize) {
        let [_, c, h, w] = x.dims();
        let s = &self.spec;
        assert_eq!((c, h, w), (s.channels, s.height, s.width), "an input tensor not of the network's input shape");
        (to_vec(x.clone()), c * h * w)
    }
    /// Logits [N, classes] as rows.
    pub fn logits(&self, x: &Tensor<4>) -> Vec<Vec<f32>> {
        let (data, per) = self.images(x);
        data.chunks_exact(per).map(|img| self.trace(img).output().data.clone()).collect()
    }
    /// The gradient of logit `target` with respect to value `stop` (0: the input), channel last.
    pub fn backward(&self, trace: &Trace, target: usize, rule: ReluRule, stop: usize) -> Maps {
        self.graph.backward(trace, Maps::one_hot(self.spec.classes(), target), rule, stop)
    }
    /// d logit[targets[i]] / d x for each image i, with every ReLU's backward replaced by `rule`
    /// (`Gradient`: the true gradient).
    pub fn gradient(&self, x: &Tensor<4>, targets: &[usize], rule: ReluRule) -> Tensor<4> {
        let (data, per) = self.images(x);
        // A batch is a method's samples (SmoothGrad's noisy copies, IG's path): they are not kept
        // in place of the image being explained, whose pass the next request (another method,
        // the next share of a pool's work) reuses.
        let keep = data.len() == per;
        let mut out = Vec::with_capacity(data.len());
        for (img, &t) in data.chunks_exact(per).zip(targets) {
            self.backward(&self.traced(img, keep), t, rule, 0).extend_chw(&mut out);
        }
        Tensor::from_data(TensorData::new(out, x.dims()), &x.device())
    }
    /// Each image's activations at value `at` and the gradient of its target logit there, both
    /// [N,K,h,w].
    pub fn activations_and_gradients(&self, x: &Tensor<4>, targets: &[usize], at: usize) -> (Tensor<4>, Tensor<4>) {
        let (data, per) = self.images(x);
        let s = self.graph.shape(at);
        let (mut a, mut g) = (Vec::new(), Vec::new());
        for (img, &t) in data.chunks_exact(per).zip(targets) {
            let trace = self.trace(img);
            trace.values[at].extend_chw(&mut a);
            self.backward(&trace, t, ReluRule::Gradient, at).extend_chw(&mut g);
        }
        let dims = [targets.len(), s.c, s.h, s.w];
        let tensor = |v| Tensor::from_data(TensorData::new(v, dims), &x.device());
        (tensor(a), tensor(g))
    }
    /// LRP relevance at the input of each image's target logit (the logit itself is the
    /// relevance at the output).
    pub fn relevance(&self, x: &Tensor<4>, targets: &[usize], epsilon: f32) -> Tensor<4> {
        let (data, per) = self.images(x);
        let mut out = Vec::with_capacity(data.len());
        for (img, &t) in data.chunks_exact(per).zip(targets) {
            let trace = self.traced(img, data.len() == per);
            let mut seed = Maps::one_hot(self.spec.classes(), t);
            seed.data[t] = trace.output().data[t];
            self.graph.lrp(&trace, seed, epsilon, 0).extend_chw(&mut out);
        }
        Tensor::from_data(TensorData::new(out, x.dims()), &x.device())
    }
    /// Each image's activations at value `at`, [N,K,h,w].
    pub fn activations(&self, x: &Tensor<4>, at: usize) -> Tensor<4> {
        let (data, per) = self.images(x);
        let s = self.graph.shape(at);
        let mut a = Vec::new();
        for img in data.chunks_exact(per) {
            self.traced(img, false).values[at].extend_chw(&mut a);
        }
        Tensor::from_data(TensorData::new(a, [data.len() / per, s.c, s.h, s.w]), &x.device())
    }
    /// The target of one image whose logits are known: the one asked for (checked against the
    /// classes), else the predicted class.
    pub fn target_for(&self, logits: &[f32], target: Option<usize>) -> Result<usize> {
        match target {
            Some(t) => self.spec.check_class(t, "target class"),
            None => Ok(argmax(logits)),
        }
    }
}

pub trait Attribution {
    /// Raw signed attribution of `targets[i]`'s logit for image i of `x` ([N,C,H,W], plain device).
    fn attribute(&self, net: &Network, x: &Tensor<4>, targets: &[usize]) -> Result<Tensor<4>>;

    /// Part `part.index` of `part.count` of the attribution: the contribution of one contiguous
    /// block of the method's units (samples, steps, patches), such that the attribution is the
    /// sum of all parts' contributions. `None` for methods (or settings) whose work does not split.
    fn attribute_part(
        &self,
        _net: &Network,
        _x: &Tensor<4>,
        _targets: &[usize],
        _part: Part,
    ) -> Result<Option<Tensor<4>>> {
        Ok(None)
    }

    /// What the method reports about how well its attribution converged, per image (IG's
    /// completeness gap); `None` for methods without such a report (Captum's `has_convergence_delta`).
    fn convergence(
        &self,
        _net: &Network,
        _x: &Tensor<4>,
        _attr: &Tensor<4>,
        _targets: &[usize],
    ) -> Result<Option<Vec<f32>>> {
        Ok(None)
    }
}

/// One block of a method's units: units index·U/count .. (index+1)·U/count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    pub index: usize,
    pub count: usize,
}

impl Default for Part {
    fn default() -> Self {
        Part::WHOLE
    }
}

impl Part {
    pub const WHOLE: Part = Part { index: 0, count: 1 };

    pub fn range(self, units: usize) -> std::ops::Range<usize> {
        self.index * units / self.count..(self.index + 1) * units / self.count
    }

    pub fn check(self) -> Result<()> {
        if self.count == 0 || self.count > 1024 || self.index >= self.count {
            return Err(Error::Options(format!(
                "part {} of {}: count must be in 1..=1024 and index below it",
                self.index, self.count
            )));
        }
        Ok(())
    }
}

/// One-hot rows of `classes` values selecting each image's target logit: the seed of burn's
/// reference backward passes.
pub fn one_hot(targets: &[usize], classes: usize, device: &Device) -> Tensor<2> {
    let mut v = vec![0f32; targets.len() * classes];
    for (i, &t) in targets.iter().enumerate() {
        v[i * classes + t] = 1.0;
    }
    Tensor::from_data(TensorData::new(v, [targets.len(), classes]), device)
}

/// The target of each image: the one asked for, else the predicted class.
pub fn resolve_targets(net: &Network, x: &Tensor<4>, target: Option<usize>) -> Result<Vec<usize>> {
    match target {
        Some(_) => Ok(vec![net.target_for(&[], target)?; x.dims()[0]]),
        None => Ok(net.logits(x).iter().map(|r| argmax(r)).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::{Arc, Network};
    use crate::model::{Cnn, DatasetKind, images_to_tensor};

    #[test]
    fn a_batch_of_samples_leaves_the_explained_images_pass_kept() {
        let kind = DatasetKind::Mnist;
        let device = crate::backend::default_device();
        let net = Network::new(Cnn::new(kind, &device));
        let img: Vec<f32> = (0..kind.input_len()).map(|i| (i % 7) as f32 / 7.0).collect();
        let kept = net.trace(&img);
        let noisy: Vec<f32> =
            [&img[..], &img[..]].concat().iter().enumerate().map(|(i, v)| v * 0.5 + (i % 3) as f32 * 0.1).collect();
        let batch = images_to_tensor(kind, &noisy, &device).expect("two images");
        net.gradient(&batch, &[1, 2], super::ReluRule::Gradient);
        assert!(Arc::ptr_eq(&kept, &net.trace(&img)), "the samples replaced the kept pass");
        // One image is what is being explained: it is kept.
        let one = images_to_tensor(kind, &noisy[..kind.input_len()], &device).expect("one image");
        net.gradient(&one, &[1], super::ReluRule::Gradient);
        assert!(!Arc::ptr_eq(&kept, &net.trace(&img)), "a single image's pass was not kept");
    }
}
