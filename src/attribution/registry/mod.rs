//! The methods, listed once. Each method's file declares a `MethodInfo` (`params`): its id,
//! display name, one-line description with the paper, its parameters (type, default, range,
//! whether the page shows them), whether it reports convergence, and how to build it. `METHODS`
//! lists them. The CLI's flags, the options check (`options`), the page's menus and parameter
//! controls and the TypeScript declarations (`typescript`) are all made from this list.

mod options;
mod params;
mod typescript;

pub use options::{ImageValue, MethodOptions};
pub use params::{MethodInfo, Param, ParamKind};
pub use typescript::typescript;

use super::{Network, blur_ig, expected_gradients, gradcam, gradient, integrated, lrp, occlusion, smoothgrad};
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

/// For methods that cost one pass.
pub fn one_pass(_: &MethodOptions, _: &Network) -> usize {
    1
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
