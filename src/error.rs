use thiserror::Error;

/// Every failure a user can cause (bad file, wrong shape, NaN) ends up here with a message that
/// names the problem; nothing on those paths panics.
#[derive(Debug, Error)]
pub enum Error {
    #[error("{path}: {message}")]
    File { path: String, message: String },
    #[error("weights: {0}")]
    Weights(String),
    #[error("input: {0}")]
    Input(String),
    #[error("options: {0}")]
    Options(String),
    #[error("data: {0}")]
    Data(String),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn file(path: impl AsRef<std::path::Path>, message: impl std::fmt::Display) -> Self {
        Error::File { path: path.as_ref().display().to_string(), message: message.to_string() }
    }
}
