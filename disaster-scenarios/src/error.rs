//! Error type of the crate.

use std::path::PathBuf;

/// Everything that can go wrong in `disaster-scenarios`.
///
/// Errors caused by a file carry the file, and where possible the line and the
/// column or field, so that a user can find the problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HazardError {
    /// A file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A value in a file is missing or malformed.
    #[error("{}: field `{field}`: {message}", at_line(file, *line))]
    Parse {
        /// The file (or a description of the input when it is not a file).
        file: String,
        /// 1-based line number (0 when unknown).
        line: u64,
        /// The column name or field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A file lacks a required column or element.
    #[error("{file}: missing column or element `{name}`")]
    Missing {
        /// The file.
        file: String,
        /// The column or element name.
        name: String,
    },
    /// A model input is outside the model's domain (e.g. an unsupported Vs30).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// Data shipped with the crate is inconsistent (a bug).
    #[error("internal data error: {0}")]
    Data(String),
}

impl HazardError {
    /// Builds a [`HazardError::Parse`].
    pub fn parse(
        file: impl Into<String>,
        line: u64,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        HazardError::Parse {
            file: file.into(),
            line,
            field: field.into(),
            message: message.into(),
        }
    }

    /// Builds a [`HazardError::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        HazardError::Io {
            path: path.into(),
            source,
        }
    }
}

/// `file:line`, or `file` alone when the line is unknown (0).
fn at_line(file: &str, line: u64) -> String {
    if line == 0 {
        file.to_owned()
    } else {
        format!("{file}:{line}")
    }
}

/// Result alias of the crate.
pub type Result<T> = std::result::Result<T, HazardError>;
