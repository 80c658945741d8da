//! The methods, listed once. Each method's file declares a `MethodInfo` (`params`): its id,
//! display name, one-line description with the paper, its parameters (type, default, range,
//! whether the page shows them), whether it reports convergence, and how to build it. `METHODS`
//! (`list`) lists them. The CLI's flags, the options check (`options`), the page's menus and
//! parameter controls and the TypeScript declarations (`typescript`) are all made from this list.
//! The types (`params`, with the options' fields) import nothing of the rest, so a method's file
//! reads them without a circle through the list that names it.

mod list;
mod options;
pub mod params;
mod typescript;

pub use list::{METHODS, all_params, find, param};
pub use params::{ImageValue, MethodInfo, MethodOptions, Param, ParamKind, one_pass};
pub use typescript::typescript;
