//! What a method and its parameters are, as every face of the tool sees them.

use serde::Serialize;

use crate::Result;
use crate::attribution::{Attribution, Network};

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
    /// The name of a node of the network (the empty name: the network's default), checked
    /// against the network when the method is built.
    Layer { default: &'static str },
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
    pub passes: fn(&MethodOptions, &Network) -> usize,
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
    /// The method parameters set, checked (`options`); read through the typed getters.
    pub(super) values: serde_json::Map<String, serde_json::Value>,
}

/// For methods that cost one pass.
pub fn one_pass(_: &MethodOptions, _: &Network) -> usize {
    1
}

pub(super) fn kebab(key: &str) -> String {
    key.chars().flat_map(|c| if c.is_ascii_uppercase() { vec!['-', c.to_ascii_lowercase()] } else { vec![c] }).collect()
}
