//! The exchange and shipping format: safetensors with PyTorch names and layouts
//! (`conv1.weight [32,C,3,3]`, `fc1.weight [256,F]` as [out,in], F in C,H,W order, ...),
//! stored as f32 or f16. Loading works from bytes so the browser can use it too.

use std::collections::HashMap;

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor, TensorData};
use half::f16;
use safetensors::{Dtype, SafeTensors, tensor::TensorView};

use crate::model::{CONV1_CHANNELS, CONV2_CHANNELS, Cnn, DatasetKind, HIDDEN, NUM_CLASSES, to_vec};
use crate::{Error, Result};

/// Tensor names in file order, with their shapes for a dataset.
pub fn expected_shapes(kind: DatasetKind) -> Vec<(&'static str, Vec<usize>)> {
    let c = kind.channels();
    vec![
        ("conv1.weight", vec![CONV1_CHANNELS, c, 3, 3]),
        ("conv1.bias", vec![CONV1_CHANNELS]),
        ("conv2.weight", vec![CONV2_CHANNELS, CONV1_CHANNELS, 3, 3]),
        ("conv2.bias", vec![CONV2_CHANNELS]),
        ("fc1.weight", vec![HIDDEN, kind.flat_features()]),
        ("fc1.bias", vec![HIDDEN]),
        ("fc2.weight", vec![NUM_CLASSES, HIDDEN]),
        ("fc2.bias", vec![NUM_CLASSES]),
    ]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreDtype {
    F32,
    F16,
}

/// The named tensors of a model in the exchange layout, as flat f32 values.
pub struct WeightSet {
    pub kind: DatasetKind,
    pub tensors: HashMap<&'static str, Vec<f32>>,
}

/// Parses and validates a safetensors file. `expected` guards against loading MNIST weights
/// into the CIFAR-10 pipeline and vice versa.
pub fn parse(bytes: &[u8], expected: Option<DatasetKind>) -> Result<WeightSet> {
    let st = SafeTensors::deserialize(bytes)
        .map_err(|e| Error::Weights(format!("not a readable safetensors file ({e})")))?;
    let conv1 = st.tensor("conv1.weight").map_err(|_| Error::Weights("missing tensor 'conv1.weight'".into()))?;
    let kind = match conv1.shape() {
        [32, 1, 3, 3] => DatasetKind::Mnist,
        [32, 3, 3, 3] => DatasetKind::Cifar10,
        s => {
            return Err(Error::Weights(format!(
                "tensor 'conv1.weight' has shape {s:?}, expected [32, 1, 3, 3] (MNIST) or [32, 3, 3, 3] (CIFAR-10)"
            )));
        }
    };
    if let Some(want) = expected
        && want != kind
    {
        return Err(Error::Weights(format!(
            "these weights are for {} but {} was asked for",
            kind.title(),
            want.title()
        )));
    }
    let expected_names = expected_shapes(kind);
    let mut tensors = HashMap::new();
    for (name, shape) in &expected_names {
        let view = st.tensor(name).map_err(|_| Error::Weights(format!("missing tensor '{name}'")))?;
        if view.shape() != shape.as_slice() {
            return Err(Error::Weights(format!("tensor '{name}' has shape {:?}, expected {:?}", view.shape(), shape)));
        }
        tensors.insert(*name, decode(name, &view)?);
    }
    let mut extra: Vec<String> =
        st.names().into_iter().filter(|n| !expected_names.iter().any(|(e, _)| e == n)).map(|s| s.to_string()).collect();
    if !extra.is_empty() {
        extra.sort();
        return Err(Error::Weights(format!("unexpected tensors {extra:?}: not this architecture")));
    }
    Ok(WeightSet { kind, tensors })
}

fn decode(name: &str, view: &TensorView<'_>) -> Result<Vec<f32>> {
    let b = view.data();
    let values: Vec<f32> = match view.dtype() {
        Dtype::F32 => b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect(),
        Dtype::F16 => b.chunks_exact(2).map(|c| f16::from_le_bytes([c[0], c[1]]).to_f32()).collect(),
        d => {
            return Err(Error::Weights(format!("tensor '{name}' has dtype {d:?}, expected F32 or F16")));
        }
    };
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(Error::Weights(format!("tensor '{name}' holds a non-finite value at {i}")));
    }
    Ok(values)
}

fn tensor<const D: usize>(values: &[f32], shape: [usize; D], device: &Device) -> Tensor<D> {
    Tensor::from_data(TensorData::new(values.to_vec(), shape), device)
}

/// PyTorch's [out, in] -> burn's [in, out], materialised (not a strided view) so a loaded model
/// computes bit for bit like the one that was saved.
fn linear_weight(values: &[f32], out: usize, inp: usize, device: &Device) -> Tensor<2> {
    let mut t = vec![0f32; values.len()];
    for o in 0..out {
        for i in 0..inp {
            t[i * out + o] = values[o * inp + i];
        }
    }
    tensor(&t, [inp, out], device)
}

impl WeightSet {
    fn get(&self, name: &str) -> &[f32] {
        // parse() guarantees every expected name is present.
        self.tensors.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Builds the burn model on a device.
    pub fn to_model(&self, device: &Device) -> Cnn {
        let kind = self.kind;
        let mut m = Cnn::unfilled(kind, device);
        let c = kind.channels();
        let f = kind.flat_features();
        m.conv1.weight = Param::from_tensor(tensor(self.get("conv1.weight"), [CONV1_CHANNELS, c, 3, 3], device));
        m.conv1.bias = Some(Param::from_tensor(tensor(self.get("conv1.bias"), [CONV1_CHANNELS], device)));
        m.conv2.weight =
            Param::from_tensor(tensor(self.get("conv2.weight"), [CONV2_CHANNELS, CONV1_CHANNELS, 3, 3], device));
        m.conv2.bias = Some(Param::from_tensor(tensor(self.get("conv2.bias"), [CONV2_CHANNELS], device)));
        m.fc1.weight = Param::from_tensor(linear_weight(self.get("fc1.weight"), HIDDEN, f, device));
        m.fc1.bias = Some(Param::from_tensor(tensor(self.get("fc1.bias"), [HIDDEN], device)));
        m.fc2.weight = Param::from_tensor(linear_weight(self.get("fc2.weight"), NUM_CLASSES, HIDDEN, device));
        m.fc2.bias = Some(Param::from_tensor(tensor(self.get("fc2.bias"), [NUM_CLASSES], device)));
        m
    }

    /// Reads the parameters back out of a model.
    pub fn from_model(model: &Cnn) -> Self {
        let m = model.valid();
        let bias = |b: &Option<Param<Tensor<1>>>| b.as_ref().map(|p| to_vec(p.val())).unwrap_or_default();
        let mut tensors = HashMap::new();
        tensors.insert("conv1.weight", to_vec(m.conv1.weight.val()));
        tensors.insert("conv1.bias", bias(&m.conv1.bias));
        tensors.insert("conv2.weight", to_vec(m.conv2.weight.val()));
        tensors.insert("conv2.bias", bias(&m.conv2.bias));
        tensors.insert("fc1.weight", to_vec(m.fc1.weight.val().transpose()));
        tensors.insert("fc1.bias", bias(&m.fc1.bias));
        tensors.insert("fc2.weight", to_vec(m.fc2.weight.val().transpose()));
        tensors.insert("fc2.bias", bias(&m.fc2.bias));
        WeightSet { kind: model.kind(), tensors }
    }

    /// Serialises to safetensors bytes in the exchange layout.
    pub fn to_safetensors(&self, dtype: StoreDtype) -> Result<Vec<u8>> {
        let shapes = expected_shapes(self.kind);
        let bytes: Vec<Vec<u8>> = shapes
            .iter()
            .map(|(name, _)| {
                let v = self.get(name);
                match dtype {
                    StoreDtype::F32 => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
                    StoreDtype::F16 => v.iter().flat_map(|x| f16::from_f32(*x).to_le_bytes()).collect(),
                }
            })
            .collect();
        let st_dtype = match dtype {
            StoreDtype::F32 => Dtype::F32,
            StoreDtype::F16 => Dtype::F16,
        };
        let mut views = Vec::new();
        for ((name, shape), data) in shapes.iter().zip(&bytes) {
            let view = TensorView::new(st_dtype, shape.clone(), data)
                .map_err(|e| Error::Weights(format!("tensor '{name}': {e}")))?;
            views.push((name.to_string(), view));
        }
        // One metadata entry: safetensors writes a HashMap, whose order (and so the file's bytes)
        // would otherwise vary from run to run.
        let meta: HashMap<String, String> = [("dataset".to_string(), self.kind.id().to_string())].into();
        safetensors::serialize(views, Some(meta)).map_err(|e| Error::Weights(e.to_string()))
    }
}

/// Loads a model straight from safetensors bytes.
pub fn load_model(bytes: &[u8], expected: Option<DatasetKind>, device: &Device) -> Result<Cnn> {
    Ok(parse(bytes, expected)?.to_model(device))
}
