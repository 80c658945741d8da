//! Which burn backend tensors live on. burn 0.22 picks the backend at run time through the device.

use burn::tensor::Device;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum BackendKind {
    /// burn-flex: pure Rust, SIMD, works in WASM; ~50x faster than ndarray on this CNN's gradient pass.
    #[default]
    Flex,
    /// burn-ndarray: deprecated upstream, kept behind the `ndarray` cargo feature.
    #[cfg(feature = "ndarray")]
    NdArray,
}

impl BackendKind {
    pub fn device(self) -> Device {
        match self {
            BackendKind::Flex => Device::flex(),
            #[cfg(feature = "ndarray")]
            #[allow(deprecated)]
            BackendKind::NdArray => Device::ndarray(),
        }
    }
}

/// The default inference device (no autodiff); methods turn autodiff on where they need it.
pub fn default_device() -> Device {
    BackendKind::default().device()
}
