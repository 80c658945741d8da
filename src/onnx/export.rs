//! The tutorial network written as ONNX (opset 17), as a PyTorch export of it would be: input
//! "image" N×C×H×W in [0, 1], output "logits", weights in their exchange layout (conv [out][in][3][3],
//! dense [out][in] with transB = 1), class names in `metadata_props`. Importing the file gives the
//! tutorial's own graph back, node for node (the tests hold the maps to the built-in ones bit for bit).

use onnx_ir::{AttributeProto, AttributeType, Message, ModelProto, NodeProto, TensorProto, ValueInfoProto};

use crate::model::{Cnn, LAYERS, Layer};
use crate::weights::WeightSet;
use crate::{Error, Result};

/// The model's bytes.
pub fn tutorial(model: &Cnn) -> Result<Vec<u8>> {
    let kind = model.kind();
    let set = WeightSet::from_model(model);
    let mut m = ModelProto { ir_version: 8, producer_name: "saliency".into(), ..Default::default() };
    m.opset_import.push(Default::default());
    m.opset_import[0].version = 17;
    let classes: Vec<&str> = kind.class_names().to_vec();
    m.metadata_props.push(Default::default());
    m.metadata_props[0].key = "class_names".into();
    m.metadata_props[0].value = serde_json::to_string(&classes).map_err(|e| Error::Model(e.to_string()))?;
    let g = m.graph.mut_or_insert_default();
    g.name = format!("keras-vis tutorial CNN ({})", kind.title());
    let side = kind.side() as i64;
    g.input.push(value_info("image", &[None, Some(kind.channels() as i64), Some(side), Some(side)]));
    g.output.push(value_info("logits", &[None, Some(classes.len() as i64)]));
    let mut from = "image".to_string();
    for (i, (layer, name)) in LAYERS.iter().zip(crate::tutorial::node_names()).enumerate() {
        let to = if i + 1 == LAYERS.len() { "logits".to_string() } else { format!("{name}_out") };
        let mut inputs = vec![from.clone()];
        let (op, attributes) = match layer {
            Layer::Conv1 | Layer::Conv2 => ("Conv", vec![ints("kernel_shape", &[3, 3]), ints("strides", &[1, 1])]),
            Layer::Relu => ("Relu", vec![]),
            Layer::Pool => ("MaxPool", vec![ints("kernel_shape", &[2, 2]), ints("strides", &[2, 2])]),
            Layer::Dropout => ("Dropout", vec![]),
            Layer::Flatten => ("Flatten", vec![int("axis", 1)]),
            Layer::Fc1 | Layer::Fc2 => ("Gemm", vec![int("transB", 1)]),
        };
        if matches!(layer, Layer::Conv1 | Layer::Conv2 | Layer::Fc1 | Layer::Fc2) {
            let prefix = format!("{name}.");
            for (tensor, shape) in
                crate::weights::expected_shapes(kind).into_iter().filter(|(n, _)| n.starts_with(&prefix))
            {
                g.initializer.push(initializer(tensor, &shape, set.get(tensor)));
                inputs.push(tensor.to_string());
            }
        }
        g.node.push(NodeProto {
            name: name.clone(),
            op_type: op.into(),
            input: inputs,
            output: vec![to.clone()],
            attribute: attributes,
            ..Default::default()
        });
        from = to;
    }
    m.write_to_bytes().map_err(|e| Error::Model(format!("could not encode the model: {e}")))
}

fn value_info(name: &str, dims: &[Option<i64>]) -> ValueInfoProto {
    let mut v = ValueInfoProto { name: name.into(), ..Default::default() };
    let t = v.type_.mut_or_insert_default().mut_tensor_type();
    t.elem_type = 1; // FLOAT
    let shape = t.shape.mut_or_insert_default();
    for d in dims {
        shape.dim.push(Default::default());
        let last = shape.dim.len() - 1;
        match d {
            Some(n) => shape.dim[last].set_dim_value(*n),
            None => shape.dim[last].set_dim_param("N".into()),
        }
    }
    v
}

fn initializer(name: &str, shape: &[usize], values: &[f32]) -> TensorProto {
    TensorProto {
        name: name.into(),
        dims: shape.iter().map(|&d| d as i64).collect(),
        data_type: 1, // FLOAT
        raw_data: values.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>().into(),
        ..Default::default()
    }
}

fn ints(name: &str, v: &[i64]) -> AttributeProto {
    AttributeProto { name: name.into(), type_: AttributeType::INTS.into(), ints: v.to_vec(), ..Default::default() }
}

fn int(name: &str, v: i64) -> AttributeProto {
    AttributeProto { name: name.into(), type_: AttributeType::INT.into(), i: v, ..Default::default() }
}
