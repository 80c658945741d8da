//! The browser face (wasm-bindgen): a thin layer that converts JS values and errors and calls the
//! same library functions as the CLI. Images cross as Float32Array (H x W x C in [0,1]): one copy
//! in, one copy out.

use std::sync::Mutex;

use js_sys::{Float32Array, Reflect};
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use crate::attribution::{MethodOptions, Network, input_gradient};
use crate::explain::{classify, explain};
use crate::model::{DatasetKind, images_to_tensor, tensor_to_hwc};
use crate::postprocess::{self, PostProcess};
use crate::sanity::randomize_cascade;
use crate::weights;

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

fn options<T: for<'de> Deserialize<'de> + Default>(v: JsValue) -> Result<T, JsError> {
    if v.is_undefined() || v.is_null() {
        return Ok(T::default());
    }
    serde_wasm_bindgen::from_value(v).map_err(|e| js_err(format!("options: {e}")))
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

    #[wasm_bindgen(getter)]
    pub fn dataset(&self) -> String {
        self.net.plain.kind().id().to_string()
    }
    #[wasm_bindgen(getter)]
    pub fn side(&self) -> usize {
        self.net.plain.kind().side()
    }
    #[wasm_bindgen(getter)]
    pub fn channels(&self) -> usize {
        self.net.plain.kind().channels()
    }
    #[wasm_bindgen(getter, js_name = classNames)]
    pub fn class_names(&self) -> Vec<String> {
        self.net.plain.kind().class_names().iter().map(|s| s.to_string()).collect()
    }

    /// Class probabilities (softmax of the logits).
    pub fn predict(&self, image: &[f32]) -> Result<Vec<f32>, JsError> {
        Ok(classify(&self.net, image).map_err(js_err)?.1)
    }

    pub fn logits(&self, image: &[f32]) -> Result<Vec<f32>, JsError> {
        Ok(classify(&self.net, image).map_err(js_err)?.0)
    }

    /// The vanilla input gradient of `target`'s logit, H x W x C.
    pub fn gradient(&self, image: &[f32], target: usize) -> Result<Vec<f32>, JsError> {
        if target >= 10 {
            return Err(js_err(format!("target class {target} is out of range 0..9")));
        }
        let x = images_to_tensor(self.net.plain.kind(), image, &self.net.device()).map_err(js_err)?;
        Ok(tensor_to_hwc(input_gradient(&self.net, &x, &[target])))
    }

    /// Runs a method. `options` is a plain object ({method, base, target, samples, noise, seed,
    /// steps, baseline, patch, stride, batchSize}); returns {raw: Float32Array, rawChannels,
    /// logits, probabilities, predicted, target, completenessGap}.
    pub fn explain(&self, image: &[f32], options_js: JsValue) -> Result<JsValue, JsError> {
        let opts: MethodOptions = options(options_js)?;
        let e = explain(&self.net, image, &opts).map_err(js_err)?;
        let out: JsValue = serde_wasm_bindgen::to_value(&e).map_err(js_err)?;
        let raw = Float32Array::from(e.raw.as_slice());
        Reflect::set(&out, &"raw".into(), &raw).map_err(|_| js_err("could not build the result"))?;
        Ok(out)
    }

    /// The same network with its top `depth` layers re-initialised (sanity check).
    pub fn randomized(&self, depth: usize, seed: u64) -> Result<Model, JsError> {
        if depth > 4 {
            return Err(js_err(format!("depth takes 0..4 layers, got {depth}")));
        }
        Ok(Model { net: Network::new(randomize_cascade(&self.net.plain, depth, seed)) })
    }
}

/// Sign view + channel reduction, without normalisation (for a colour scale shared by maps).
#[wasm_bindgen(js_name = reduceChannels)]
pub fn reduce_channels(raw: &[f32], channels: usize, options_js: JsValue) -> Result<Vec<f32>, JsError> {
    let pp: PostProcess = options(options_js)?;
    check_raw(raw, channels)?;
    Ok(postprocess::reduce(raw, channels, pp.sign, pp.reduce))
}

/// The whole post-processing: raw H x W x C attribution -> H x W map.
#[wasm_bindgen(js_name = toMap)]
pub fn to_map(raw: &[f32], channels: usize, options_js: JsValue) -> Result<Vec<f32>, JsError> {
    let pp: PostProcess = options(options_js)?;
    check_raw(raw, channels)?;
    Ok(postprocess::to_map(raw, channels, &pp))
}

/// Normalisation alone, for maps already reduced (e.g. several maps concatenated so they share
/// one colour scale).
#[wasm_bindgen(js_name = normalizeMap)]
pub fn normalize_map(reduced: &[f32], options_js: JsValue) -> Result<Vec<f32>, JsError> {
    let pp: PostProcess = options(options_js)?;
    Ok(postprocess::normalize(reduced, pp.normalize, pp.sign == postprocess::SignView::Signed))
}

fn check_raw(raw: &[f32], channels: usize) -> Result<(), JsError> {
    if channels == 0 || raw.len() % channels != 0 {
        return Err(js_err(format!("{} values do not split into {channels} channels", raw.len())));
    }
    Ok(())
}

/// Names of every method, for building menus.
#[wasm_bindgen(js_name = methods)]
pub fn methods() -> Vec<String> {
    crate::attribution::MethodKind::ALL.iter().map(|m| m.id().to_string()).collect()
}

