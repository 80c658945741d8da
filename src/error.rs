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
    #[error("model: {0}")]
    Model(String),
    /// A training run that cannot go on (its loss or weights left the finite numbers).
    #[error("training: {0}")]
    Training(String),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The message without its category ("input: ", "options: "), for re-wrapping under a file
    /// name or another layer's prefix.
    pub fn detail(self) -> String {
        match self {
            Error::Input(m)
            | Error::Options(m)
            | Error::Data(m)
            | Error::Weights(m)
            | Error::Model(m)
            | Error::Training(m) => m,
            other => other.to_string(),
        }
    }

    pub fn file(path: impl AsRef<std::path::Path>, message: impl std::fmt::Display) -> Self {
        Error::File { path: path.as_ref().display().to_string(), message: message.to_string() }
    }
}
