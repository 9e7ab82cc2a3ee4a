//! Error types of grid-model.

use std::fmt;

/// A parse error in an input file: where it happened and what was expected.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    /// The file (as given by the caller).
    pub file: String,
    /// 1-based line number; 0 when the error concerns the whole file.
    pub line: usize,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// What was found and what was expected.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "{}: {}", self.file, self.message),
            (l, Some(c)) => write!(f, "{}:{}:{}: {}", self.file, l, c, self.message),
            (l, None) => write!(f, "{}:{}: {}", self.file, l, self.message),
        }
    }
}

impl std::error::Error for ParseError {}

/// Errors of the grid model and power flow.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GridError {
    /// An input file could not be parsed.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// An input file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The network is inconsistent (e.g. an element refers to a missing bus).
    #[error("invalid network: {0}")]
    InvalidNetwork(String),
}
