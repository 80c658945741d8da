//! Weights stored outside the model (`external_data`, PyTorch 2's default): their bytes are
//! moved into the model's initialisers, so one buffer holds everything the parser needs.

use onnx_ir::{Message, ModelProto};

use crate::{Error, Result};

/// The file names the model's initialisers point to (empty when all weights are inside it).
pub fn external_data_names(model: &[u8]) -> Result<Vec<String>> {
    let proto = decode(model)?;
    let mut names: Vec<String> = Vec::new();
    for t in &proto.graph.initializer {
        for e in &t.external_data {
            if e.key == "location" && !names.contains(&e.value) {
                names.push(e.value.clone());
            }
        }
    }
    Ok(names)
}

fn decode(model: &[u8]) -> Result<ModelProto> {
    ModelProto::parse_from_bytes(model)
        .map_err(|e| Error::Model(format!("not an ONNX model (its protobuf does not decode: {e})")))
}

/// A model ready for the parser, and what the parser does not keep.
pub struct Inlined {
    pub bytes: Vec<u8>,
    /// Metadata `class_names` (a JSON list of strings), if the model has it.
    pub class_names: Option<Vec<String>>,
    /// The exporter's nodes in order, (op type, name): the parser renames nodes (and their
    /// outputs) by type, so names are matched back in order.
    pub nodes: Vec<(String, String)>,
}

/// The model with every external initialiser's bytes inlined from `data`.
pub fn inline(model: &[u8], data: Option<&[u8]>) -> Result<Inlined> {
    let mut proto = decode(model)?;
    let nodes = proto.graph.node.iter().map(|n| (n.op_type.clone(), n.name.clone())).collect();
    let class_names = proto
        .metadata_props
        .iter()
        .find(|p| p.key == "class_names")
        .and_then(|p| serde_json::from_str::<Vec<String>>(&p.value).ok());
    let mut changed = false;
    if let Some(graph) = proto.graph.as_mut() {
        for t in &mut graph.initializer {
            if t.external_data.is_empty() {
                continue;
            }
            let entry = |key: &str| t.external_data.iter().find(|e| e.key == key).map(|e| e.value.clone());
            let location = entry("location").unwrap_or_default();
            let Some(data) = data else {
                return Err(Error::Model(format!(
                    "the weights are stored in “{location}”, which was not given: pick or name it with the model"
                )));
            };
            let number = |key: &str| -> Result<Option<usize>> {
                entry(key)
                    .map(|v| {
                        v.parse::<usize>()
                            .map_err(|_| Error::Model(format!("initialiser “{}”: {key} “{v}” is not a number", t.name)))
                    })
                    .transpose()
            };
            let offset = number("offset")?.unwrap_or(0);
            let length = number("length")?.unwrap_or(data.len().saturating_sub(offset));
            let bytes = offset.checked_add(length).and_then(|end| data.get(offset..end)).ok_or_else(|| {
                Error::Model(format!(
                    "initialiser “{}” lies at bytes {offset}..{} of “{location}”, which has {} bytes",
                    t.name,
                    offset.saturating_add(length),
                    data.len()
                ))
            })?;
            t.raw_data = bytes.to_vec().into();
            t.external_data.clear();
            t.data_location = Default::default();
            changed = true;
        }
    }
    let bytes = if changed {
        proto.write_to_bytes().map_err(|e| Error::Model(format!("could not re-encode the model: {e}")))?
    } else {
        model.to_vec()
    };
    Ok(Inlined { bytes, class_names, nodes })
}
