//! Errors of scenario loading, preparation and running.

/// Errors of scenario loading and running.
///
/// Input errors ([`Io`](Self::Io), [`Parse`](Self::Parse),
/// [`Invalid`](Self::Invalid)) describe the input, never a command-line
/// flag: front ends add their own words. Failures of the computation are
/// [`Sim`](Self::Sim) (with the kernel's error kept as the source where
/// there is one) and [`Output`](Self::Output).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// Path.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The TOML is malformed or does not match the schema.
    #[error("{}: {message}", at_line_col(file, *line, *column))]
    Parse {
        /// File.
        file: String,
        /// 1-based line (0: not applicable, e.g. a Parquet file).
        line: usize,
        /// 1-based column (0: not applicable).
        column: usize,
        /// What was expected.
        message: String,
    },
    /// A value is invalid (the message says where and why).
    #[error("{0}")]
    Invalid(String),
    /// The simulation kernel failed (the kernel's error is the source).
    #[error("simulation failed: {0}")]
    Kernel(#[from] sim_core::SimError),
    /// The simulation failed for a reason of its own (interrupted, a
    /// replica panicked, a controller stopped it).
    #[error("simulation failed: {0}")]
    Sim(String),
    /// Writing outputs failed.
    #[error("cannot write outputs: {0}")]
    Output(String),
}

impl ScenarioError {
    /// Whether the error is in the input (a file or a value) rather than in
    /// the computation or the outputs: front ends map it to "bad input".
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            ScenarioError::Io { .. } | ScenarioError::Parse { .. } | ScenarioError::Invalid(_)
        )
    }
}

/// `file:line:column`, or `file` alone when there is no line (0).
pub(crate) fn at_line_col(file: &str, line: usize, column: usize) -> String {
    if line == 0 {
        file.to_owned()
    } else {
        format!("{file}:{line}:{column}")
    }
}
