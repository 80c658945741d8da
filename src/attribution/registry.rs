//! The methods, listed once. Each method's file declares a `MethodInfo`: its id, display name,
//! one-line description with the paper, its parameters (type, default, range, whether the page
//! shows them), whether it reports convergence, and how to build it. `METHODS` lists them. The
//! CLI's flags, the JS options check, the page's menus and parameter controls and the TypeScript
//! declarations are all made from this list.

use serde::de::{Deserialize, Deserializer};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use super::{
    Attribution, Network, blur_ig, expected_gradients, gradcam, gradient, integrated, lrp, occlusion, smoothgrad,
};
use crate::model::{DatasetKind, NUM_CLASSES};
use crate::validate::{MAX_BATCH, MAX_PASSES, check_pixels};
use crate::{Error, Result};

/// Every method, in menu order. A new method is one file (its `Attribution` type and its
/// `MethodInfo`) plus its line here.
pub const METHODS: &[&MethodInfo] = &[
    &gradient::VANILLA,
    &gradient::GUIDED,
    &gradient::DECONVNET,
    &gradient::GRADXINPUT,
    &smoothgrad::SMOOTHGRAD,
    &integrated::IG,
    &blur_ig::BLUR_IG,
    &expected_gradients::EXPECTED_GRADIENTS,
    &gradcam::GRADCAM,
    &gradcam::GUIDED_GRADCAM,
    &gradcam::GRADCAM_PLUS_PLUS,
    &gradcam::SCORECAM,
    &occlusion::OCCLUSION,
    &lrp::LRP,
];

/// What values a parameter takes, with its default.
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum ParamKind {
    /// A whole number in min..=max.
    Int { min: u64, max: u64, default: u64 },
    /// A finite number in min..=max; `step` is the page's increment.
    Float { min: f64, max: f64, step: f64, default: f64 },
    /// One of a few words.
    Choice { choices: &'static [&'static str], default: &'static str },
    /// Another method's id (what SmoothGrad wraps); only wrappable methods.
    Method { default: &'static str },
    /// An H x W x C array in [0, 1], or one of the named images.
    Image { named: &'static [&'static str], default: &'static str },
}

/// One parameter of a method.
#[derive(Debug, Serialize)]
pub struct Param {
    /// The JS option key; the CLI flag is its kebab-case form.
    pub key: &'static str,
    /// The page's label.
    pub label: &'static str,
    pub help: &'static str,
    pub kind: ParamKind,
    /// Whether the page shows a control for it.
    pub shown: bool,
}

impl Param {
    /// The CLI flag: `batchSize` -> `--batch-size`.
    pub fn flag(&self) -> String {
        kebab(self.key)
    }
}

/// One attribution method, as every face of the tool sees it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodInfo {
    pub id: &'static str,
    pub name: &'static str,
    /// One line, with the paper.
    pub description: &'static str,
    /// Other names accepted for it (keras-vis and Captum spellings).
    pub aliases: &'static [&'static str],
    pub params: &'static [&'static Param],
    /// What the method reports beside its map (Captum's `has_convergence_delta`), if anything.
    pub convergence: Option<&'static str>,
    /// Whether SmoothGrad may wrap it.
    pub wrappable: bool,
    /// Channels of the raw attribution: the input's, or 1 for a class activation map.
    pub single_channel: bool,
    /// Whether its work splits into parts whose contributions sum to the attribution (samples,
    /// steps, patches), so a pool of workers can share one map (`explain::explain_part`).
    pub splittable: bool,
    #[serde(skip)]
    pub build: fn(&MethodOptions, &Network) -> Result<Box<dyn Attribution>>,
    /// Network passes one explanation costs (for the cap on one call's work).
    #[serde(skip)]
    pub passes: fn(&MethodOptions, DatasetKind) -> usize,
}

impl std::fmt::Debug for MethodInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id)
    }
}

impl PartialEq for MethodInfo {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

/// For methods that cost one pass.
pub fn one_pass(_: &MethodOptions, _: DatasetKind) -> usize {
    1
}

fn kebab(key: &str) -> String {
    key.chars().flat_map(|c| if c.is_ascii_uppercase() { vec!['-', c.to_ascii_lowercase()] } else { vec![c] }).collect()
}

/// A method by id or alias (case and `_`/`-` ignored).
pub fn find(name: &str) -> Result<&'static MethodInfo> {
    let norm = name.to_ascii_lowercase().replace('_', "-");
    METHODS.iter().copied().find(|m| m.id == norm || m.aliases.contains(&norm.as_str())).ok_or_else(|| {
        let ids: Vec<&str> = METHODS.iter().map(|m| m.id).collect();
        Error::Options(format!("method: unknown method '{name}' (one of {})", ids.join(", ")))
    })
}

/// Every parameter of every method, once each, in registry order.
pub fn all_params() -> Vec<&'static Param> {
    let mut out: Vec<&'static Param> = Vec::new();
    for p in METHODS.iter().flat_map(|m| m.params.iter().copied()) {
        if !out.iter().any(|q| q.key == p.key) {
            out.push(p);
        }
    }
    out
}

/// The parameter with this option key.
pub fn param(key: &str) -> Option<&'static Param> {
    METHODS.iter().flat_map(|m| m.params.iter().copied()).find(|p| p.key == key)
}

/// Option keys every method takes.
pub const COMMON_KEYS: [&str; 3] = ["method", "target", "batchSize"];

/// An image-valued parameter.
#[derive(Clone, Debug, PartialEq)]
pub enum ImageValue {
    Named(String),
    Values(Vec<f32>),
}

/// One call's options: the method, the class to explain, the batch size, and the method
/// parameters, each checked against the registry when set. Absent parameters take the
/// registry's default.
#[derive(Clone, Debug)]
pub struct MethodOptions {
    pub method: &'static MethodInfo,
    /// Class to explain; the predicted one when absent.
    pub target: Option<usize>,
    /// Images per batch through the network; capped at `validate::MAX_BATCH`.
    pub batch_size: usize,
    values: Map<String, Value>,
}

impl Default for MethodOptions {
    fn default() -> Self {
        MethodOptions { method: METHODS[0], target: None, batch_size: 50, values: Map::new() }
    }
}

impl MethodOptions {
    /// Default options for a method named by id or alias.
    pub fn new(method: &str) -> Result<Self> {
        Ok(MethodOptions { method: find(method)?, ..Self::default() })
    }

    /// From a JSON object as the JS API and the fuzz target give it.
    pub fn from_json(value: Value) -> Result<Self> {
        let Value::Object(map) = value else {
            return Err(Error::Options("expected an object such as {\"method\": \"ig\"}".into()));
        };
        let mut o = MethodOptions::default();
        for (key, v) in map {
            o.set(&key, v)?;
        }
        Ok(o)
    }

    /// Sets one option after checking it against the registry.
    pub fn set(&mut self, key: &str, v: Value) -> Result<&mut Self> {
        let bad = |what: String| Err(Error::Options(format!("{key}: {what}")));
        match key {
            "method" => match v.as_str() {
                Some(s) => self.method = find(s)?,
                None => return bad(format!("expected a method id, got {v}")),
            },
            "target" => match v {
                Value::Null => self.target = None,
                _ => match v.as_u64().filter(|&t| (t as usize) < NUM_CLASSES) {
                    Some(t) => self.target = Some(t as usize),
                    None => return bad(format!("target class must be a whole number in 0..9 or null, got {v}")),
                },
            },
            "batchSize" => match v.as_u64().filter(|&b| b >= 1) {
                Some(b) => self.batch_size = usize::try_from(b).unwrap_or(usize::MAX),
                None => return bad(format!("batchSize must be a whole number of at least 1, got {v}")),
            },
            _ => {
                let Some(p) = param(key) else {
                    let mut known: Vec<&str> = COMMON_KEYS.to_vec();
                    known.extend(all_params().iter().map(|p| p.key));
                    return Err(Error::Options(format!(
                        "unknown option `{key}` (the options are {})",
                        known.join(", ")
                    )));
                };
                let value = check_value(p, v).map_err(|e| Error::Options(format!("{key}: {e}")))?;
                self.values.insert(key.to_string(), value);
            }
        }
        Ok(self)
    }

    /// `set` for chaining: `MethodOptions::new("ig")?.with("steps", 300)?`.
    pub fn with(mut self, key: &str, v: impl Into<Value>) -> Result<Self> {
        self.set(key, v.into())?;
        Ok(self)
    }

    /// The same options for another method (what SmoothGrad wraps).
    pub fn for_method(&self, method: &'static MethodInfo) -> Self {
        MethodOptions { method, ..self.clone() }
    }

    fn raw(&self, key: &str) -> Option<&Value> {
        self.values.get(key)
    }

    /// A whole-number parameter (its default when unset).
    pub fn uint(&self, key: &str) -> u64 {
        match (self.raw(key), param(key).map(|p| p.kind)) {
            (Some(v), _) => v.as_u64().unwrap_or(0),
            (None, Some(ParamKind::Int { default, .. })) => default,
            _ => 0,
        }
    }

    pub fn usize(&self, key: &str) -> usize {
        usize::try_from(self.uint(key)).unwrap_or(usize::MAX)
    }

    /// A number parameter (its default when unset).
    pub fn float(&self, key: &str) -> f32 {
        match (self.raw(key), param(key).map(|p| p.kind)) {
            (Some(v), _) => v.as_f64().unwrap_or(0.0) as f32,
            (None, Some(ParamKind::Float { default, .. })) => default as f32,
            _ => 0.0,
        }
    }

    /// A word parameter: a choice or a method id (its default when unset).
    pub fn word(&self, key: &str) -> &str {
        match (self.raw(key), param(key).map(|p| p.kind)) {
            (Some(Value::String(s)), _) => s,
            (None, Some(ParamKind::Choice { default, .. } | ParamKind::Method { default })) => default,
            _ => "",
        }
    }

    /// An image parameter (its default name when unset).
    pub fn image(&self, key: &str) -> ImageValue {
        match (self.raw(key), param(key).map(|p| p.kind)) {
            (Some(Value::String(s)), _) => ImageValue::Named(s.clone()),
            (Some(Value::Array(a)), _) => {
                ImageValue::Values(a.iter().map(|v| v.as_f64().unwrap_or(0.0) as f32).collect())
            }
            (_, Some(ParamKind::Image { default, .. })) => ImageValue::Named(default.to_string()),
            _ => ImageValue::Named(String::new()),
        }
    }

    /// Images in one batch: what `batchSize` asks, capped so one call cannot grow memory without bound.
    pub fn effective_batch(&self) -> usize {
        self.batch_size.clamp(1, MAX_BATCH)
    }

    /// Network passes this explanation costs.
    pub fn passes(&self, kind: DatasetKind) -> usize {
        (self.method.passes)(self, kind)
    }

    /// Builds the method these options describe, refusing calls too costly to run.
    pub fn build(&self, net: &Network) -> Result<Box<dyn Attribution>> {
        let passes = self.passes(net.plain.kind());
        if passes > MAX_PASSES {
            return Err(Error::Options(format!(
                "these options need {passes} network passes; at most {MAX_PASSES} are allowed in one call"
            )));
        }
        (self.method.build)(self, net)
    }

    /// The options as JSON (every parameter of the method, defaults included), for reports.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("method".into(), self.method.id.into());
        m.insert("target".into(), self.target.map_or(Value::Null, Value::from));
        m.insert("batchSize".into(), self.batch_size.into());
        let mut params: Vec<&Param> = self.method.params.to_vec();
        if let Some(base) = self.method.params.iter().find(|p| matches!(p.kind, ParamKind::Method { .. }))
            && let Ok(inner) = find(self.word(base.key))
        {
            for p in inner.params.iter().copied() {
                if !params.iter().any(|q| q.key == p.key) {
                    params.push(p);
                }
            }
        }
        for p in params {
            let v = match p.kind {
                ParamKind::Int { .. } => self.uint(p.key).into(),
                ParamKind::Float { default, .. } => self.raw(p.key).cloned().unwrap_or(Value::from(default)),
                ParamKind::Choice { .. } | ParamKind::Method { .. } => self.word(p.key).into(),
                ParamKind::Image { .. } => match self.image(p.key) {
                    ImageValue::Named(n) => n.into(),
                    ImageValue::Values(_) => "array".into(),
                },
            };
            m.insert(p.key.into(), v);
        }
        Value::Object(m)
    }
}

/// Checks a value against a parameter's kind; returns it in canonical form.
fn check_value(p: &Param, v: Value) -> std::result::Result<Value, String> {
    match p.kind {
        ParamKind::Int { min, max, .. } => match v.as_u64() {
            Some(x) if (min..=max).contains(&x) => Ok(v),
            _ => Err(format!("expected a whole number in {min}..={max}, got {v}")),
        },
        ParamKind::Float { min, max, .. } => match v.as_f64() {
            Some(x) if x.is_finite() && (min..=max).contains(&x) => Ok(v),
            _ => Err(format!("expected a number in [{min}, {max}], got {v}")),
        },
        ParamKind::Choice { choices, .. } => match v.as_str() {
            Some(s) if choices.contains(&s) => Ok(v),
            _ => Err(format!("expected one of {}, got {v}", choices.join(", "))),
        },
        ParamKind::Method { .. } => {
            let name = v.as_str().ok_or_else(|| format!("expected a method id, got {v}"))?;
            let m = find(name).map_err(|e| e.to_string())?;
            if !m.wrappable {
                return Err(format!("{} cannot be wrapped", m.name));
            }
            Ok(Value::from(m.id))
        }
        ParamKind::Image { named, .. } => match v {
            Value::String(ref s) if named.contains(&s.as_str()) => Ok(v),
            Value::Array(ref a) => {
                let values: Option<Vec<f32>> = a.iter().map(|x| x.as_f64().map(|f| f as f32)).collect();
                let values = values.ok_or_else(|| "expected an array of numbers".to_string())?;
                check_pixels(&values, p.key).map_err(|e| e.to_string())?;
                Ok(v)
            }
            _ => Err(format!("expected an H x W x C array in [0, 1] or one of {}, got {v}", named.join(", "))),
        },
    }
}

impl<'de> Deserialize<'de> for MethodOptions {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        MethodOptions::from_json(Value::deserialize(d)?).map_err(|e| serde::de::Error::custom(e.detail()))
    }
}

impl Serialize for MethodOptions {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

/// The registry as TypeScript declarations for the JS package: the options of `Model.explain`
/// typed from the parameters, so a misspelt option is a type error.
pub fn typescript() -> String {
    let quote = |v: &[&str]| v.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(" | ");
    let ids: Vec<&str> = METHODS.iter().flat_map(|m| std::iter::once(m.id).chain(m.aliases.iter().copied())).collect();
    let wrappable: Vec<&str> = METHODS.iter().filter(|m| m.wrappable).map(|m| m.id).collect();
    let mut out =
        String::from("// Generated from the method registry (src/attribution/registry.rs); do not edit by hand.\n");
    out += &format!("export type MethodId = {};\n", quote(&ids));
    out += "export interface ExplainOptions {\n";
    out += "  /** The attribution method (default 'vanilla'). */\n  method?: MethodId;\n";
    out += "  /** Class to explain, 0..9; the predicted class when absent or null. */\n  target?: number | null;\n";
    out += &format!("  /** Images per batch through the network (capped at {MAX_BATCH}). */\n  batchSize?: number;\n");
    for p in all_params() {
        let users: Vec<&str> =
            METHODS.iter().filter(|m| m.params.iter().any(|q| q.key == p.key)).map(|m| m.name).collect();
        let (ty, range) = match p.kind {
            ParamKind::Int { min, max, default } => {
                ("number | bigint".to_string(), format!("whole number {min}..{max}, default {default}"))
            }
            ParamKind::Float { min, max, default, .. } => {
                ("number".to_string(), format!("{min}..{max}, default {default}"))
            }
            ParamKind::Choice { choices, default } => (quote(choices), format!("default '{default}'")),
            ParamKind::Method { default } => (quote(&wrappable), format!("default '{default}'")),
            ParamKind::Image { named, default } => (
                format!("Float32Array | number[] | {}", quote(named)),
                format!("H x W x C in [0, 1], default '{default}'"),
            ),
        };
        out += &format!("  /** {} ({}): {} ({range}). */\n  {}?: {ty};\n", p.label, users.join(", "), p.help, p.key);
    }
    out += "}\n";
    out += TYPESCRIPT_FIXED;
    out
}

/// The declarations that do not depend on the registry.
const TYPESCRIPT_FIXED: &str = r#"export interface PostOptions {
  /** Sign view: |a| (keras-vis), max(a, 0), max(-a, 0), or a itself. */
  sign?: 'absolute' | 'positive' | 'negative' | 'signed';
  /** Channel reduction: max (keras-vis) or sum of |a| (PAIR saliency). */
  reduce?: 'max' | 'sum-abs';
  normalize?: { kind: 'min-max' } | { kind: 'percentile'; p: number } | { kind: 'none' };
}
export interface Explanation {
  /** Raw signed attribution, H x W x rawChannels. */
  raw: Float32Array;
  rawChannels: number;
  logits: number[];
  probabilities: number[];
  predicted: number;
  target: number;
  /** The method's convergence report (IG: completeness gap), or null. */
  completenessGap: number | null;
}
export interface ParamInfo {
  key: string;
  label: string;
  help: string;
  shown: boolean;
  kind:
    | { type: 'int'; min: number; max: number; default: number }
    | { type: 'float'; min: number; max: number; step: number; default: number }
    | { type: 'choice'; choices: string[]; default: string }
    | { type: 'method'; default: string }
    | { type: 'image'; named: string[]; default: string };
}
export interface MethodInfo {
  id: string;
  name: string;
  description: string;
  aliases: string[];
  params: ParamInfo[];
  convergence: string | null;
  wrappable: boolean;
  singleChannel: boolean;
  /** Whether a worker pool can split one map's work (samples, steps, patches). */
  splittable: boolean;
  /** Network passes at the default options (MNIST): 1 for the one-pass methods. */
  passes: number;
}
export interface DreamOptions {
  /** The class whose logit is maximised, 0..9 (unless layer is set). */
  class?: number;
  /** Maximise a conv filter's mean activation instead. */
  layer?: 'conv1' | 'conv2';
  /** Which filter of layer (conv1: 0..31, conv2: 0..63). */
  filter?: number;
  /** Gradient-ascent steps (default 200). */
  steps?: number;
  /** Step size (default 0.02). */
  rate?: number;
  /** Total-variation penalty (default 0.05). */
  tv?: number;
  /** L2 penalty (default 0.02). */
  l2?: number;
  /** Largest random shift per step, pixels (default 1). */
  jitter?: number;
  seed?: number | bigint;
}
export interface EvalOptions {
  /** K: points k = 0..K (default 28 MNIST, 32 CIFAR-10). */
  steps?: number;
  /** What removed pixels become: 0, or the image after a 5 x 5 box blur. */
  baseline?: 'zero' | 'blur';
  /** Seed of the random order (the chance line). */
  seed?: number | bigint;
  sign?: 'absolute' | 'positive' | 'negative' | 'signed';
  reduce?: 'max' | 'sum-abs';
  /** Score this H x W map instead of computing the method's. */
  map?: Float32Array | number[];
  /** Also score the seeded random order (default true). */
  random?: boolean;
}
export interface Curves {
  deletion: number;
  insertion: number;
  lerf: number;
  /** AUC(LeRF) - AUC(MoRF deletion). */
  srg: number;
  deletionCurve: number[];
  insertionCurve: number[];
  lerfCurve: number[];
}
export interface Evaluation extends Curves {
  method: string;
  target: number;
  steps: number;
  baseline: 'zero' | 'blur';
  /** The random order's curves (null when evalOptions.random is false). */
  random: Curves | null;
}
export interface AgreementOptions {
  /** k = max(1, floor(topPercent / 100 * H * W)), default 10. */
  topPercent?: number;
}
export interface Agreement {
  k: number;
  spearman: number[][];
  iou: number[][];
}
export interface Similarity {
  /** Spearman rank correlation of the absolute maps. */
  spearman: number;
  /** SSIM (7 x 7 window) of the min-max-normalised maps. */
  ssim: number;
}
export interface RandomisationCurve {
  method: string;
  target: number;
  layers: string[];
  /** Point d: the first d + 1 of layers randomised. */
  cascading: Similarity[];
  /** Point i: layers[i] alone randomised. */
  independent: Similarity[];
  randomLogitClass: number;
  randomLogit: Similarity;
}
export interface DatasetInfo {
  id: string;
  title: string;
  side: number;
  channels: number;
  classNames: string[];
}
"#;
