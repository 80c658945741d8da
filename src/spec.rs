//! What a network takes and names: the size of its input image and its classes. Every method,
//! the evaluation and the faces of the tool read these instead of a dataset, so a model loaded
//! from ONNX and the tutorial's networks go through the same code.

use burn::tensor::{Device, Tensor, TensorData};
use serde::Serialize;

use crate::{Error, Result};

/// An H x W x C image in [0, 1] in, one logit per class out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InputSpec {
    pub height: usize,
    pub width: usize,
    pub channels: usize,
    pub class_names: Vec<String>,
}

/// (A data set's spec, `InputSpec::of`, lives with the data sets in `crate::model`: the spec
/// knows no data set.)
impl InputSpec {
    /// An image of this size whose classes are named "class 0" … "class k−1".
    pub fn numbered(height: usize, width: usize, channels: usize, classes: usize) -> Self {
        InputSpec { height, width, channels, class_names: (0..classes).map(|k| format!("class {k}")).collect() }
    }

    pub fn classes(&self) -> usize {
        self.class_names.len()
    }
    pub fn pixels(&self) -> usize {
        self.height * self.width
    }
    /// Values in one H x W x C image.
    pub fn input_len(&self) -> usize {
        self.pixels() * self.channels
    }
    /// The longer side: what defaults that scale with the image (steps, blur) read.
    pub fn side(&self) -> usize {
        self.height.max(self.width)
    }
    /// "28x28x1".
    pub fn describe(&self) -> String {
        format!("{}x{}x{}", self.height, self.width, self.channels)
    }

    /// One or more H x W x C images in [0, 1], concatenated -> the network's [N, C, H, W] input.
    pub fn images_to_tensor(&self, hwc: &[f32], device: &Device) -> Result<Tensor<4>> {
        let per = self.input_len();
        if hwc.is_empty() || !hwc.len().is_multiple_of(per) {
            return Err(Error::Input(format!(
                "expected a multiple of {per} values ({} images), got {}",
                self.describe(),
                hwc.len()
            )));
        }
        crate::validate::check_pixels(hwc, "image")?;
        self.hwc_tensor(hwc.to_vec(), device)
    }

    /// H x W x C values that are not pixels (an attribution) in the network's [N, C, H, W] layout.
    pub fn hwc_tensor(&self, hwc: Vec<f32>, device: &Device) -> Result<Tensor<4>> {
        let per = self.input_len();
        if hwc.is_empty() || !hwc.len().is_multiple_of(per) {
            return Err(Error::Input(format!("expected a multiple of {per} values, got {}", hwc.len())));
        }
        let n = hwc.len() / per;
        let t = Tensor::<4>::from_data(TensorData::new(hwc, [n, self.height, self.width, self.channels]), device);
        Ok(t.permute([0, 3, 1, 2]))
    }

    /// Exactly one image: the error names the expected size.
    pub fn check_one(&self, image: &[f32]) -> Result<()> {
        if image.len() == self.input_len() {
            return Ok(());
        }
        Err(Error::Input(format!("expected {} values ({}), got {}", self.input_len(), self.describe(), image.len())))
    }

    /// A class index given by a user, checked against the number of classes.
    pub fn check_class(&self, t: usize, what: &str) -> Result<usize> {
        if t < self.classes() {
            return Ok(t);
        }
        Err(Error::Options(format!("{what} {t} is out of range 0..{}", self.classes() - 1)))
    }
}
