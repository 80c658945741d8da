//! The methods, listed once, and finding them by id or option key.

use super::params::{MethodInfo, Param};
use crate::attribution::{blur_ig, expected_gradients, gradcam, gradient, integrated, lrp, occlusion, smoothgrad};
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
