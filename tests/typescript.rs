//! The JS package's TypeScript declarations (src/wasm_types.rs) are generated from the method
//! registry; this fails when they are stale. `SALIENCY_REGEN_TYPES=1 cargo test --test typescript`
//! rewrites them.
#![cfg(not(target_arch = "wasm32"))]

use saliency::attribution::registry;

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/wasm_types.rs");

fn render() -> String {
    format!(
        "//! TypeScript declarations for the JS package's options and results, appended to its .d.ts.\n\
         //! Generated from the method registry by tests/typescript.rs; do not edit by hand.\n\n\
         use wasm_bindgen::prelude::*;\n\n\
         #[wasm_bindgen(typescript_custom_section)]\n\
         const TYPES: &str = r#\"\n{}\"#;\n",
        registry::typescript()
    )
}

#[test]
fn declarations_match_the_registry() {
    let want = render();
    if std::env::var_os("SALIENCY_REGEN_TYPES").is_some() {
        std::fs::write(PATH, &want).expect("write src/wasm_types.rs");
    }
    let have = std::fs::read_to_string(PATH).unwrap_or_default();
    assert!(have == want, "src/wasm_types.rs is stale: run SALIENCY_REGEN_TYPES=1 cargo test --test typescript");
}

#[test]
fn every_method_and_parameter_is_declared() {
    let ts = registry::typescript();
    for m in registry::METHODS {
        assert!(ts.contains(&format!("'{}'", m.id)), "{} missing", m.id);
        for p in m.params {
            assert!(ts.contains(&format!("  {}?:", p.key)), "{} missing", p.key);
        }
    }
}
