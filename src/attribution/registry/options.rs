//! One call's options: checked against the registry when set, defaults filled in when read.

use serde::de::{Deserialize, Deserializer};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use super::list::{METHODS, all_params, find, param};
use super::params::{ImageValue, MethodInfo, MethodOptions, Param, ParamKind};
use crate::attribution::{Attribution, Network};
use crate::validate::{MAX_BATCH, MAX_PASSES, check_pixels};
use crate::{Error, Result};

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
            // The range is the network's (`Network::target_for`, when the method runs).
            "target" => match v {
                Value::Null => self.target = None,
                _ => match v.as_u64().and_then(|t| usize::try_from(t).ok()) {
                    Some(t) => self.target = Some(t),
                    None => return bad(format!("target class must be a whole number (0 or more) or null, got {v}")),
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
    /// The method a method-valued parameter (SmoothGrad's `base`) names.
    pub fn method_named(&self, key: &str) -> Result<&'static MethodInfo> {
        find(self.word(key))
    }

    pub fn word(&self, key: &str) -> &str {
        match (self.raw(key), param(key).map(|p| p.kind)) {
            (Some(Value::String(s)), _) => s,
            (
                None,
                Some(ParamKind::Choice { default, .. } | ParamKind::Method { default } | ParamKind::Layer { default }),
            ) => default,
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

    /// Network passes this explanation costs on `net`.
    pub fn passes(&self, net: &Network) -> usize {
        (self.method.passes)(self, net)
    }

    /// Builds the method these options describe, refusing calls too costly to run.
    pub fn build(&self, net: &Network) -> Result<Box<dyn Attribution>> {
        let passes = self.passes(net);
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
                ParamKind::Choice { .. } | ParamKind::Method { .. } | ParamKind::Layer { .. } => {
                    self.word(p.key).into()
                }
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

/// Longest node name a layer option takes (exporters' names are far shorter).
const MAX_NAME: usize = 256;

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
        ParamKind::Layer { .. } => match v.as_str() {
            Some(s) if s.chars().count() <= MAX_NAME => Ok(v),
            _ => Err(format!("expected a node name (at most {MAX_NAME} characters), got {v}")),
        },
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

/// Option keys every method takes.
pub const COMMON_KEYS: [&str; 3] = ["method", "target", "batchSize"];
