//! The browser face (wasm-bindgen): a thin layer that converts JS values and errors and calls the
//! same library functions as the CLI. Images cross as Float32Array (H x W x C in [0,1]): one copy
//! in, one copy out.

use std::sync::Mutex;

use js_sys::{Array, ArrayBuffer, BigInt, DataView, Float32Array, Float64Array, Object, Reflect};
use serde::de::DeserializeOwned;
use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::attribution::{MethodOptions, Network, input_gradient};
use crate::explain::{classify, explain, image_tensor};
use crate::model::{DatasetKind, tensor_to_hwc};
use crate::postprocess::{self, PostProcess};
use crate::{validate, weights};

static LAST_PANIC: Mutex<String> = Mutex::new(String::new());

/// Keeps a panic's message so the page can show it instead of a dead "unreachable" trap.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info.to_string();
        web_sys::console::error_1(&msg.clone().into());
        if let Ok(mut m) = LAST_PANIC.lock() {
            *m = msg;
        }
    }));
}

/// The message of the last panic, if any (the module must be re-instantiated after one).
#[wasm_bindgen(js_name = lastPanic)]
pub fn last_panic() -> Option<String> {
    LAST_PANIC.lock().ok().map(|m| m.clone()).filter(|m| !m.is_empty())
}

fn js_err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

/// A JS options object -> typed options, through the same JSON path the CLI tests and the fuzz
/// targets use, so unknown keys, wrong types and non-finite numbers are refused by name.
fn parse_options<T: DeserializeOwned + Default>(v: Option<JsValue>) -> Result<T, JsError> {
    let Some(v) = v else { return Ok(T::default()) };
    if v.is_undefined() || v.is_null() {
        return Ok(T::default());
    }
    if !v.is_object() || Array::is_array(&v) {
        return Err(js_err("options: expected a plain object such as { method: 'ig' }"));
    }
    let json = js_to_json(&v, "options", 0).map_err(js_err)?;
    validate::options_from_json(json).map_err(js_err)
}

/// JS value -> JSON value. Keys set to `undefined` count as absent (as in JSON.stringify);
/// NaN, infinities, functions and symbols are errors naming where they are.
fn js_to_json(v: &JsValue, path: &str, depth: usize) -> Result<Value, String> {
    if depth > validate::MAX_OPTION_DEPTH {
        return Err(format!("{path}: nested too deeply"));
    }
    if v.is_null() || v.is_undefined() {
        return Ok(Value::Null);
    }
    if let Some(b) = v.as_bool() {
        return Ok(Value::Bool(b));
    }
    if let Some(x) = v.as_f64() {
        return number(x, path);
    }
    if let Some(s) = v.as_string() {
        return Ok(Value::String(s));
    }
    if v.is_bigint() {
        let text =
            String::from(BigInt::from(v.clone()).to_string(10).map_err(|_| format!("{path}: unreadable BigInt"))?);
        return text
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| text.parse::<u64>().map(Value::from))
            .map_err(|_| format!("{path}: {text} does not fit in 64 bits"));
    }
    if ArrayBuffer::is_view(v) && !v.is_instance_of::<DataView>() {
        let values = Float64Array::new(v).to_vec();
        return values
            .iter()
            .enumerate()
            .map(|(i, &x)| number(x, &format!("{path}[{i}]")))
            .collect::<Result<_, _>>()
            .map(Value::Array);
    }
    if Array::is_array(v) {
        let arr = Array::from(v);
        return arr
            .iter()
            .enumerate()
            .map(|(i, x)| js_to_json(&x, &format!("{path}[{i}]"), depth + 1))
            .collect::<Result<_, _>>()
            .map(Value::Array);
    }
    if v.is_object() && !v.is_function() {
        let mut map = serde_json::Map::new();
        for entry in Object::entries(&Object::from(v.clone())).iter() {
            let pair = Array::from(&entry);
            let key = pair.get(0).as_string().unwrap_or_default();
            let value = pair.get(1);
            if !value.is_undefined() {
                map.insert(key.clone(), js_to_json(&value, &format!("{path}.{key}"), depth + 1)?);
            }
        }
        return Ok(Value::Object(map));
    }
    Err(format!("{path}: a {} cannot be an option value", v.js_typeof().as_string().unwrap_or_default()))
}

/// Whole numbers become JSON integers (so they fit usize fields); others stay floats.
fn number(x: f64, path: &str) -> Result<Value, String> {
    if !x.is_finite() {
        return Err(format!("{path}: {x} is not a finite number"));
    }
    if x.fract() == 0.0 && x.abs() < 9.007_199_254_740_992e15 {
        return Ok(Value::from(x as i64));
    }
    serde_json::Number::from_f64(x).map(Value::Number).ok_or_else(|| format!("{path}: {x} is not a finite number"))
}

/// A loaded network ready to classify and explain.
#[wasm_bindgen]
pub struct Model {
    net: Network,
}

#[wasm_bindgen]
impl Model {
    /// Loads safetensors weight bytes; `dataset` ("mnist" / "cifar10"), when given, must match.
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: &[u8], dataset: Option<String>) -> Result<Model, JsError> {
        let expected = dataset.as_deref().map(DatasetKind::parse).transpose().map_err(js_err)?;
        let model = weights::load_model(bytes, expected, &crate::backend::default_device()).map_err(js_err)?;
        Ok(Model { net: Network::new(model) })
    }

    /// A model exported to ONNX (PyTorch, Keras): its bytes, the bytes of the `.onnx.data` file
    /// its weights are stored in (if they are), and `{classNames, mean, std}`. Only in the
    /// importer build (`www/pkg-onnx`, fetched when a user loads a model).
    #[cfg(feature = "onnx")]
    #[wasm_bindgen(js_name = fromOnnx)]
    pub fn from_onnx(
        model: &[u8],
        data: Option<Vec<u8>>,
        #[wasm_bindgen(unchecked_param_type = "OnnxOptions")] options: Option<JsValue>,
    ) -> Result<Model, JsError> {
        let o: crate::onnx::ModelOptions = parse_options(options)?;
        let imported = crate::onnx::import(model, data.as_deref()).map_err(js_err)?;
        Ok(Model { net: imported.into_network_with(o).map_err(js_err)? })
    }

    /// The model card in numbers: input, classes, parameters, FLOPs, every node (name, op,
    /// inputs, shape, parameters, FLOPs), the CAM layers and the default one.
    #[wasm_bindgen(js_name = modelCard, unchecked_return_type = "ModelCard")]
    pub fn model_card(&self) -> Result<JsValue, JsError> {
        to_js(&crate::layers::model_card(&self.net))
    }

    #[wasm_bindgen(getter)]
    pub fn dataset(&self) -> String {
        self.net.dataset().map_or("", |k| k.id()).to_string()
    }
    #[wasm_bindgen(getter)]
    pub fn side(&self) -> usize {
        self.net.spec().side()
    }
    #[wasm_bindgen(getter)]
    pub fn height(&self) -> usize {
        self.net.spec().height
    }
    #[wasm_bindgen(getter)]
    pub fn width(&self) -> usize {
        self.net.spec().width
    }
    #[wasm_bindgen(getter)]
    pub fn channels(&self) -> usize {
        self.net.spec().channels
    }
    #[wasm_bindgen(getter, js_name = classNames)]
    pub fn class_names(&self) -> Vec<String> {
        self.net.spec().class_names.clone()
    }
    /// The layers a CAM method's `layer` (and a filter dream) can name, in graph order.
    #[wasm_bindgen(getter)]
    pub fn layers(&self) -> Vec<String> {
        self.net.layer_names().into_iter().map(String::from).collect()
    }
    /// The layer a CAM method reads when `layer` is not given.
    #[wasm_bindgen(getter, js_name = defaultLayer)]
    pub fn default_layer(&self) -> String {
        self.net.default_layer().to_string()
    }

    /// Class probabilities (softmax of the logits).
    pub fn predict(&self, image: &[f32]) -> Result<Vec<f32>, JsError> {
        Ok(classify(&self.net, image).map_err(js_err)?.1)
    }

    pub fn logits(&self, image: &[f32]) -> Result<Vec<f32>, JsError> {
        Ok(classify(&self.net, image).map_err(js_err)?.0)
    }

    /// The vanilla input gradient of `target`'s logit, H x W x C.
    pub fn gradient(&self, image: &[f32], target: f64) -> Result<Vec<f32>, JsError> {
        let target = whole_number(target, "target class", 0, self.net.spec().classes() - 1)?;
        let x = image_tensor(&self.net, image).map_err(js_err)?;
        Ok(tensor_to_hwc(input_gradient(&self.net, &x, &[target])))
    }

    /// Runs the gradient pass once on a blank image, so the first real map is not slowed by
    /// first-use allocations.
    #[wasm_bindgen(js_name = warmUp)]
    pub fn warm_up(&self) -> Result<(), JsError> {
        let x = image_tensor(&self.net, &vec![0.0; self.net.spec().input_len()]).map_err(js_err)?;
        let _ = input_gradient(&self.net, &x, &[0]);
        Ok(())
    }

    /// Runs a method. `options` is a plain object ({method, base, target, samples, noise, seed,
    /// steps, baseline, patch, stride, batchSize}); returns {raw: Float32Array, rawChannels,
    /// logits, probabilities, predicted, target, completenessGap}.
    #[wasm_bindgen(unchecked_return_type = "Explanation")]
    pub fn explain(
        &self,
        image: &[f32],
        #[wasm_bindgen(unchecked_param_type = "ExplainOptions")] options: Option<JsValue>,
    ) -> Result<JsValue, JsError> {
        let opts: MethodOptions = parse_options(options)?;
        explanation(explain(&self.net, image, &opts).map_err(js_err)?)
    }

    /// Part `part.index` of `part.count` of a splittable method's attribution (a worker pool's
    /// share): H x W x C values that sum over the parts to the raw attribution; `undefined` when
    /// the method or its settings do not split (see `registry()`'s `splittable`).
    #[wasm_bindgen(js_name = explainPart)]
    pub fn explain_part(
        &self,
        image: &[f32],
        #[wasm_bindgen(unchecked_param_type = "ExplainOptions")] options: Option<JsValue>,
        #[wasm_bindgen(unchecked_param_type = "{ index: number; count: number }")] part: JsValue,
    ) -> Result<Option<Vec<f32>>, JsError> {
        let opts: MethodOptions = parse_options(options)?;
        let part: crate::attribution::Part = parse_options(Some(part))?;
        crate::explain::explain_part(&self.net, image, &opts, part).map_err(js_err)
    }

    /// The explanation (as `explain` returns it) whose attribution is the sum of `parts`, added in
    /// their order: the same map whichever workers computed which parts.
    #[wasm_bindgen(js_name = explainParts, unchecked_return_type = "Explanation")]
    pub fn explain_parts(
        &self,
        image: &[f32],
        #[wasm_bindgen(unchecked_param_type = "ExplainOptions")] options: Option<JsValue>,
        #[wasm_bindgen(unchecked_param_type = "Float32Array[]")] parts: &JsValue,
    ) -> Result<JsValue, JsError> {
        let opts: MethodOptions = parse_options(options)?;
        let list = float_arrays(parts, "explainParts: parts")?;
        explanation(crate::explain::explain_parts(&self.net, image, &opts, &list).map_err(js_err)?)
    }

    /// Deletion, insertion and LeRF curves with their AUCs and SRG for the method `options`
    /// names (or for `evalOptions.map`), next to a seeded random order's: one call.
    #[wasm_bindgen(unchecked_return_type = "Evaluation")]
    pub fn evaluate(
        &self,
        image: &[f32],
        #[wasm_bindgen(unchecked_param_type = "ExplainOptions")] options: Option<JsValue>,
        #[wasm_bindgen(js_name = evalOptions, unchecked_param_type = "EvalOptions")] eval_options: Option<JsValue>,
    ) -> Result<JsValue, JsError> {
        let opts: MethodOptions = parse_options(options)?;
        let eval: crate::evaluate::EvalOptions = parse_options(eval_options)?;
        to_js(&crate::evaluate::evaluate(&self.net, image, &opts, &eval).map_err(js_err)?)
    }

    /// Inside the network for one image: every node (name, op, shape without the batch dim,
    /// output and the gradient of the target logit under `options.method`'s ReLU rule, both
    /// Float32Array in row-major order of shape), from one forward and one backward pass.
    #[wasm_bindgen(js_name = layerTrace, unchecked_return_type = "LayerTrace")]
    pub fn layer_trace(
        &self,
        image: &[f32],
        #[wasm_bindgen(unchecked_param_type = "TraceOptions")] options: Option<JsValue>,
    ) -> Result<JsValue, JsError> {
        let o: crate::layers::TraceOptions = parse_options(options)?;
        let rule = crate::layers::rule_named(&o.method).map_err(js_err)?;
        let t = crate::layers::layer_trace(&self.net, image, o.target, rule).map_err(js_err)?;
        let set = |obj: &Object, key: &str, v: &JsValue| {
            Reflect::set(obj, &key.into(), v).map(|_| ()).map_err(|_| js_err("could not build the trace"))
        };
        let nodes = Array::new();
        for n in &t.nodes {
            let obj = Object::new();
            set(&obj, "name", &n.name.as_str().into())?;
            set(&obj, "op", &n.op.into())?;
            set(&obj, "shape", &n.shape.iter().map(|&d| JsValue::from(d as u32)).collect::<Array>())?;
            set(&obj, "output", &Float32Array::from(n.output.as_slice()))?;
            set(&obj, "gradient", &Float32Array::from(n.gradient.as_slice()))?;
            nodes.push(&obj);
        }
        let out = Object::new();
        set(&out, "target", &(t.target as u32).into())?;
        set(&out, "nodes", &nodes)?;
        Ok(out.into())
    }

    /// Each channel of a layer (`options.layer`, default the CAM default) with its Grad-CAM
    /// weight for the target and its contribution wₖ·mean(Aₖ), largest contribution first.
    #[wasm_bindgen(js_name = channelWeights, unchecked_return_type = "ChannelWeight[]")]
    pub fn channel_weights(
        &self,
        image: &[f32],
        #[wasm_bindgen(unchecked_param_type = "ChannelOptions")] options: Option<JsValue>,
    ) -> Result<JsValue, JsError> {
        let o: crate::layers::ChannelOptions = parse_options(options)?;
        to_js(&crate::layers::channel_weights(&self.net, image, o.target, &o.layer).map_err(js_err)?)
    }

    /// This network and its randomised copies (cascading and one layer at a time), for
    /// randomisation curves; build it once and reuse it.
    pub fn randomisation(&self, seed: u64) -> Result<Randomisation, JsError> {
        Ok(Randomisation { inner: crate::sanity::Randomisation::new(&self.net, seed).map_err(js_err)? })
    }

    /// The layers the randomisation re-initialises (those with learned weights), top first.
    #[wasm_bindgen(getter, js_name = randomisedLayers)]
    pub fn randomised_layers(&self) -> Vec<String> {
        crate::sanity::cascade(&self.net)
    }

    /// The same network with its top `depth` layers of `randomisedLayers` re-initialised (sanity check).
    pub fn randomized(&self, depth: f64, seed: u64) -> Result<Model, JsError> {
        let layers = crate::sanity::cascade(&self.net).len();
        let depth = whole_number(depth, "depth (layers to randomize)", 0, layers)?;
        Ok(Model { net: crate::sanity::randomized(&self.net, depth, seed) })
    }
}

/// A trained model with its randomised copies: `r.curve(image, options, post)` gives a method's
/// similarity to the trained map after randomising 1..4 layers (cascading and independent) and
/// for a random other class.
#[wasm_bindgen]
pub struct Randomisation {
    inner: crate::sanity::Randomisation,
}

#[wasm_bindgen]
impl Randomisation {
    #[wasm_bindgen(unchecked_return_type = "RandomisationCurve")]
    pub fn curve(
        &self,
        image: &[f32],
        #[wasm_bindgen(unchecked_param_type = "ExplainOptions")] options: Option<JsValue>,
        #[wasm_bindgen(unchecked_param_type = "PostOptions")] post: Option<JsValue>,
    ) -> Result<JsValue, JsError> {
        let opts: MethodOptions = parse_options(options)?;
        let pp = post_options(post)?;
        to_js(&self.inner.curve(image, &opts, pp.sign, pp.reduce).map_err(js_err)?)
    }
}

/// Activation maximisation in steps, so a page can draw the image as it forms:
/// `const d = new Dream(model, { class: 3 }); while (!d.finished) { d.advance(model, 10); draw(d.image); }`.
#[wasm_bindgen(js_name = Dream)]
pub struct DreamJs {
    inner: crate::dream::Dream,
}

#[wasm_bindgen(js_class = Dream)]
impl DreamJs {
    /// Options: {class, steps, rate, tv, l2, jitter, seed}; unknown keys are errors.
    #[wasm_bindgen(constructor)]
    pub fn new(
        model: &Model,
        #[wasm_bindgen(unchecked_param_type = "DreamOptions")] options: Option<JsValue>,
    ) -> Result<DreamJs, JsError> {
        let opts: crate::dream::DreamOptions = parse_options(options)?;
        Ok(DreamJs { inner: crate::dream::Dream::new(&model.net, opts).map_err(js_err)? })
    }
    /// Up to `steps` more steps of gradient ascent with `model`.
    pub fn advance(&mut self, model: &Model, steps: f64) -> Result<(), JsError> {
        let steps = whole_number(steps, "steps", 0, 10_000)?;
        self.inner.advance(&model.net, steps).map_err(js_err)
    }
    /// The image so far, H x W x C in [0, 1].
    #[wasm_bindgen(getter)]
    pub fn image(&self) -> Vec<f32> {
        self.inner.image().to_vec()
    }
    #[wasm_bindgen(getter, js_name = stepsDone)]
    pub fn steps_done(&self) -> usize {
        self.inner.steps_done()
    }
    #[wasm_bindgen(getter)]
    pub fn finished(&self) -> bool {
        self.inner.finished()
    }
}

/// The training and test sets among files a visitor picked or the page fetched (`data::from_files`):
/// `[{name, bytes}]` (bytes un-gzipped) → `{dataset, train?: {pixels, labels}, test?: …}`,
/// pixels u8 H×W×C. A file that is none of the official ones, or half a pair, is refused by name.
#[cfg(feature = "train")]
#[wasm_bindgen(js_name = readTrainingFiles, unchecked_return_type = "TrainingFiles")]
pub fn read_training_files(
    #[wasm_bindgen(unchecked_param_type = "{name: string, bytes: Uint8Array}[]")] files: JsValue,
) -> Result<JsValue, JsError> {
    use js_sys::{Array, Object, Reflect, Uint8Array};
    let get = |o: &JsValue, k: &str| Reflect::get(o, &k.into()).map_err(|_| JsError::new(&format!("no “{k}”")));
    let mut read = Vec::new();
    for f in Array::from(&files).iter() {
        let name = get(&f, "name")?.as_string().ok_or_else(|| JsError::new("a file without a name"))?;
        let bytes =
            get(&f, "bytes")?.dyn_into::<Uint8Array>().map_err(|_| JsError::new(&format!("“{name}” has no bytes")))?;
        read.push((name, bytes.to_vec()));
    }
    let picked = crate::data::from_files(read).map_err(js_err)?;
    let set = |o: &Object, k: &str, v: JsValue| {
        Reflect::set(o, &k.into(), &v).map(drop).map_err(|_| JsError::new("could not build the result"))
    };
    let out = Object::new();
    set(&out, "dataset", picked.kind.id().into())?;
    for (key, d) in [("train", picked.train), ("test", picked.test)] {
        if let Some(d) = d {
            let o = Object::new();
            set(&o, "pixels", Uint8Array::from(&d.images[..]).into())?;
            set(&o, "labels", Uint8Array::from(&d.labels[..]).into())?;
            set(&out, key, o.into())?;
        }
    }
    Ok(out.into())
}

/// Training the tutorial's network in the tab (`crate::learn`), a step at a time, from a fresh
/// seeded start on the images given (u8, H×W×C each; the last `validationSplit` held out):
/// `const t = new Training("mnist", pixels, labels, { seed: 42 }); t.step(); new Model(t.weights())`.
#[cfg(feature = "train")]
#[wasm_bindgen]
pub struct Training {
    trainer: crate::learn::Trainer,
    pixels: Vec<u8>,
    labels: Vec<u8>,
    kind: DatasetKind,
}

#[cfg(feature = "train")]
#[wasm_bindgen]
impl Training {
    #[wasm_bindgen(constructor)]
    pub fn new(
        dataset: &str,
        pixels: Vec<u8>,
        labels: Vec<u8>,
        #[wasm_bindgen(unchecked_param_type = "TrainOptions")] options: Option<JsValue>,
    ) -> Result<Training, JsError> {
        use crate::learn::{Examples, Settings, Trainer};
        let kind = DatasetKind::parse(dataset).map_err(js_err)?;
        let settings: Settings = parse_options(options)?;
        let cnn = crate::model::Cnn::new(kind, &crate::backend::default_device());
        let graph = Trainer::initial(&crate::tutorial::graph_of(&cnn), settings.seed);
        Examples::new(&pixels, &labels, graph.input_shape()).map_err(js_err)?;
        let trainer = Trainer::new(graph, labels.len(), settings).map_err(js_err)?;
        Ok(Training { trainer, pixels, labels, kind })
    }
    fn examples(&self) -> crate::learn::Examples<'_> {
        // Checked by the constructor.
        crate::learn::Examples { pixels: &self.pixels, labels: &self.labels, shape: self.trainer.graph().input_shape() }
    }
    /// One step (a batch, dropout on); the weights stay as they were if it fails (a loss gone
    /// to NaN names the learning rate).
    #[wasm_bindgen(unchecked_return_type = "StepLog")]
    pub fn step(&mut self) -> Result<JsValue, JsError> {
        let data = self.examples();
        let sum = crate::learn::batch_gradient(
            self.trainer.graph(),
            &data,
            self.trainer.next_batch(),
            self.trainer.settings.seed,
            self.trainer.step,
            1,
        );
        let log = self.trainer.apply(&sum).map_err(js_err)?;
        to_js(&log)
    }
    /// Chunks of the next step (`crate::learn::CHUNK` images each, the last maybe fewer).
    #[wasm_bindgen(getter)]
    pub fn chunks(&self) -> usize {
        self.trainer.chunks()
    }
    /// The next step's sums over its chunks `lo..hi`: the nodes of the step's summation tree
    /// that cover them, `[{start, size, gradient: Float32Array, loss, correct, count}]`. Workers
    /// holding the same training (same data, same options) share a step's chunks in contiguous
    /// shares; every worker's `applyParts` takes all their nodes, so the weights do not depend on
    /// how many shared it.
    #[wasm_bindgen(js_name = shareSums, unchecked_return_type = "StepPart[]")]
    pub fn share_sums(&self, lo: usize, hi: usize) -> Result<JsValue, JsError> {
        let n = self.trainer.chunks();
        if lo >= hi || hi > n {
            return Err(JsError::new(&format!("chunks {lo}..{hi} of a step of {n} chunks")));
        }
        let out = js_sys::Array::new();
        for (span, p) in self.trainer.share(&self.examples(), lo, hi) {
            let o = js_sys::Object::new();
            let gradient = js_sys::Float32Array::from(&p.flat_gradients()[..]);
            for (key, value) in [
                ("start", JsValue::from(span.start as f64)),
                ("size", (span.size as f64).into()),
                ("gradient", gradient.into()),
                ("loss", p.loss.into()),
                ("correct", (p.correct as f64).into()),
                ("count", (p.count as f64).into()),
            ] {
                js_sys::Reflect::set(&o, &key.into(), &value).map_err(|_| JsError::new("could not build a part"))?;
            }
            out.push(&o);
        }
        Ok(out.into())
    }
    /// Takes the step whose parts (every worker's `shareSums`, together the whole step) are
    /// these; refused (weights kept) when they are not this step's or the loss is not finite.
    #[wasm_bindgen(js_name = applyParts, unchecked_return_type = "StepLog")]
    pub fn apply_parts(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "StepPart[]")] parts: JsValue,
    ) -> Result<JsValue, JsError> {
        use crate::learn::{Partial, Span};
        use js_sys::{Array, Float32Array, Reflect};
        let layout = self.trainer.layout();
        let number = |o: &JsValue, k: &str| {
            Reflect::get(o, &k.into())
                .ok()
                .and_then(|v| v.as_f64())
                .ok_or_else(|| JsError::new(&format!("a part without a number “{k}”")))
        };
        let mut read = Vec::new();
        for o in Array::from(&parts).iter() {
            let whole = |k: &str| whole_number(number(&o, k)?, k, 0, 1 << 30);
            let gradient = Reflect::get(&o, &"gradient".into())
                .ok()
                .and_then(|v| v.dyn_into::<Float32Array>().ok())
                .ok_or_else(|| JsError::new("a part without its gradient (a Float32Array)"))?;
            let span = Span { start: whole("start")?, size: whole("size")? };
            let p = Partial::from_flat(
                &gradient.to_vec(),
                &layout,
                number(&o, "loss")?,
                whole("correct")?,
                whole("count")?,
            )
            .ok_or_else(|| {
                JsError::new(&format!(
                    "a gradient of {} values for a network of {} parameters",
                    gradient.length(),
                    layout.iter().sum::<usize>()
                ))
            })?;
            read.push((span, p));
        }
        let log = self.trainer.apply_parts(read).map_err(js_err)?;
        to_js(&log)
    }
    /// Loss and accuracy (dropout off) on other labelled images of the same size.
    #[wasm_bindgen(unchecked_return_type = "Metrics")]
    pub fn evaluate(&self, pixels: &[u8], labels: &[u8]) -> Result<JsValue, JsError> {
        let data = crate::learn::Examples::new(pixels, labels, self.trainer.graph().input_shape()).map_err(js_err)?;
        let all: Vec<usize> = (0..data.len()).collect();
        to_js(&crate::learn::evaluate(self.trainer.graph(), &data, &all, 1))
    }
    /// The weights now, as a safetensors file (f32) that `new Model(bytes)` and the CLI load.
    pub fn weights(&self) -> Result<Vec<u8>, JsError> {
        let set = weights::WeightSet::from_graph(self.kind, self.trainer.graph()).map_err(js_err)?;
        set.to_safetensors(weights::StoreDtype::F32).map_err(js_err)
    }
    #[wasm_bindgen(getter)]
    pub fn steps(&self) -> f64 {
        self.trainer.step as f64
    }
    #[wasm_bindgen(getter)]
    pub fn epoch(&self) -> usize {
        self.trainer.epoch
    }
    #[wasm_bindgen(getter, js_name = stepsPerEpoch)]
    pub fn steps_per_epoch(&self) -> usize {
        self.trainer.steps_per_epoch()
    }
    /// Where the held-out images start among those given (the ones before it train).
    #[wasm_bindgen(getter, js_name = validationStart)]
    pub fn validation_start(&self) -> usize {
        self.trainer.validation_start()
    }
}

/// Sign view + channel reduction, without normalisation (for a colour scale shared by maps).
#[wasm_bindgen(js_name = reduceChannels)]
pub fn reduce_channels(
    raw: &[f32],
    channels: usize,
    #[wasm_bindgen(unchecked_param_type = "PostOptions")] options: Option<JsValue>,
) -> Result<Vec<f32>, JsError> {
    let pp = post_options(options)?;
    postprocess::check_raw(raw, channels).map_err(js_err)?;
    Ok(postprocess::reduce(raw, channels, pp.sign, pp.reduce))
}

/// The whole post-processing: raw H x W x C attribution -> H x W map.
#[wasm_bindgen(js_name = toMap)]
pub fn to_map(
    raw: &[f32],
    channels: usize,
    #[wasm_bindgen(unchecked_param_type = "PostOptions")] options: Option<JsValue>,
) -> Result<Vec<f32>, JsError> {
    let pp = post_options(options)?;
    postprocess::check_raw(raw, channels).map_err(js_err)?;
    Ok(postprocess::to_map(raw, channels, &pp))
}

/// Normalisation alone, for maps already reduced (e.g. several maps concatenated so they share
/// one colour scale).
#[wasm_bindgen(js_name = normalizeMap)]
pub fn normalize_map(
    reduced: &[f32],
    #[wasm_bindgen(unchecked_param_type = "PostOptions")] options: Option<JsValue>,
) -> Result<Vec<f32>, JsError> {
    let pp = post_options(options)?;
    postprocess::check_raw(reduced, 1).map_err(js_err)?;
    Ok(postprocess::normalize(reduced, pp.normalize, pp.sign == postprocess::SignView::Signed))
}

/// A JS number that must be a whole number in lo..=hi (wasm-bindgen would turn NaN into 0).
fn whole_number(x: f64, what: &str, lo: usize, hi: usize) -> Result<usize, JsError> {
    if x.fract() != 0.0 || !(lo as f64..=hi as f64).contains(&x) {
        return Err(js_err(format!("{what} must be a whole number in {lo}..{hi}, got {x}")));
    }
    Ok(x as usize)
}

fn post_options(v: Option<JsValue>) -> Result<PostProcess, JsError> {
    let pp: PostProcess = parse_options(v)?;
    pp.check().map_err(js_err)?;
    Ok(pp)
}

/// Test hook: panics inside Rust so the end-to-end tests can prove the page survives a panic
/// (message shown, fresh worker). Nothing in the page calls it.
#[wasm_bindgen(js_name = panicForTests)]
pub fn panic_for_tests() {
    panic!("panic requested by a test");
}

/// Ids of every method, in menu order.
#[wasm_bindgen(js_name = methods)]
pub fn methods() -> Vec<String> {
    crate::attribution::METHODS.iter().map(|m| m.id.to_string()).collect()
}

/// The method registry: for each method its id, name, description, parameters (key, label,
/// help, kind with default and range, shown), convergence report and whether it can be wrapped.
/// The page builds its menus and controls from this.
#[wasm_bindgen(js_name = registry, unchecked_return_type = "MethodInfo[]")]
pub fn registry() -> Result<JsValue, JsError> {
    #[derive(serde::Serialize)]
    struct Entry {
        #[serde(flatten)]
        info: &'static crate::attribution::MethodInfo,
        /// Network passes at the default options on MNIST: how slow the method is.
        passes: usize,
    }
    // The passes depend on the network's shape only: fresh weights do.
    let mnist = Network::new(crate::model::Cnn::new(DatasetKind::Mnist, &crate::backend::default_device()));
    let entries: Vec<Entry> = crate::attribution::METHODS
        .iter()
        .map(|&info| {
            let defaults = MethodOptions::new(info.id).map_err(js_err)?;
            Ok(Entry { info, passes: (info.passes)(&defaults, &mnist) })
        })
        .collect::<Result<_, JsError>>()?;
    to_js(&entries)
}

/// The datasets: id, title (as the tutorial's figures spell it), side, channels, class names.
#[wasm_bindgen(js_name = datasets, unchecked_return_type = "DatasetInfo[]")]
pub fn datasets() -> Result<JsValue, JsError> {
    let all: Vec<DatasetInfo> = DatasetKind::ALL.iter().map(|&k| DatasetInfo::of(k)).collect();
    to_js(&all)
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct DatasetInfo {
    id: &'static str,
    title: &'static str,
    side: usize,
    channels: usize,
    class_names: [&'static str; crate::model::NUM_CLASSES],
}

impl DatasetInfo {
    fn of(k: DatasetKind) -> Self {
        DatasetInfo {
            id: k.id(),
            title: k.title(),
            side: k.side(),
            channels: k.channels(),
            class_names: k.class_names(),
        }
    }
}

/// Class names from the bytes of a labels file: a JSON list of strings, or one name a line.
#[cfg(feature = "onnx")]
#[wasm_bindgen(js_name = parseLabels)]
pub fn parse_labels(bytes: &[u8]) -> Result<Vec<String>, JsError> {
    crate::onnx::parse_labels(bytes).map_err(js_err)
}

/// Spearman rank correlation of two maps of equal length (ties get their mean rank).
#[wasm_bindgen(js_name = rankCorrelation)]
pub fn rank_correlation(a: &[f32], b: &[f32]) -> Result<f64, JsError> {
    if a.len() != b.len() || a.is_empty() {
        return Err(js_err(format!(
            "rankCorrelation needs two maps of equal, non-zero length (got {} and {})",
            a.len(),
            b.len()
        )));
    }
    validate::check_finite(a, "first map").map_err(js_err)?;
    validate::check_finite(b, "second map").map_err(js_err)?;
    Ok(crate::sanity::spearman(a, b))
}

/// Pairwise agreement of maps of equal length: Spearman and top-k IoU matrices
/// (`options.topPercent`, default 10).
#[wasm_bindgen(js_name = agreement, unchecked_return_type = "Agreement")]
pub fn agreement(
    #[wasm_bindgen(unchecked_param_type = "Float32Array[]")] maps: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "AgreementOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsError> {
    let list = float_arrays(maps, "agreement: maps")?;
    let opts: crate::agreement::AgreementOptions = parse_options(options)?;
    to_js(&crate::agreement::agreement(&list, opts).map_err(js_err)?)
}

/// An explanation as JS: its fields, with the raw attribution as a Float32Array (one copy).
fn explanation(e: crate::explain::Explanation) -> Result<JsValue, JsError> {
    let out: JsValue = serde_wasm_bindgen::to_value(&e).map_err(js_err)?;
    let raw = Float32Array::from(e.raw.as_slice());
    Reflect::set(&out, &"raw".into(), &raw).map_err(|_| js_err("could not build the result"))?;
    Ok(out)
}

/// An array of Float32Arrays (or arrays of numbers) -> vectors; anything else is named.
fn float_arrays(v: &JsValue, what: &str) -> Result<Vec<Vec<f32>>, JsError> {
    if !Array::is_array(v) {
        return Err(js_err(format!("{what}: expected an array of Float32Array")));
    }
    Array::from(v)
        .iter()
        .enumerate()
        .map(|(i, m)| {
            if m.is_instance_of::<Float32Array>() || Array::is_array(&m) {
                Ok(Float32Array::new(&m).to_vec())
            } else {
                Err(js_err(format!("{what}[{i}] is not a Float32Array or an array of numbers")))
            }
        })
        .collect()
}

fn to_js<T: serde::Serialize + ?Sized>(v: &T) -> Result<JsValue, JsError> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(js_err)
}
