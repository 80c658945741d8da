//! What the native timing examples share: the shipped networks and the `--reps N` argument.

use saliency::DatasetKind;
use saliency::attribution::Network;
use saliency::backend::default_device;
use saliency::weights;

/// `--reps N` from the command line, else `default`.
pub fn reps(default: usize) -> usize {
    std::env::args().skip_while(|a| a != "--reps").nth(1).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Each dataset's shipped network from `pretrained/`; a missing or unreadable file is reported and skipped.
pub fn shipped_networks() -> Vec<(DatasetKind, Network)> {
    DatasetKind::ALL
        .into_iter()
        .filter_map(|kind| {
            let path = format!("{}/pretrained/{}.safetensors", env!("CARGO_MANIFEST_DIR"), kind.id());
            let loaded = std::fs::read(&path).map_err(|e| format!("{path}: {e}")).and_then(|bytes| {
                weights::load_model(&bytes, Some(kind), &default_device()).map_err(|e| e.to_string())
            });
            match loaded {
                Ok(model) => Some((kind, Network::new(model))),
                Err(e) => {
                    eprintln!("skipping {}: {e}", kind.title());
                    None
                }
            }
        })
        .collect()
}
