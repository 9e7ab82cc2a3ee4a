//! Reading and parsing a scenario file, with the source text kept for
//! error locations.

use std::path::{Path, PathBuf};

use crate::ScenarioError;
use crate::schema::ScenarioFile;

/// A loaded scenario with its source text (for error locations).
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The parsed file.
    pub file: ScenarioFile,
    /// The source text.
    pub text: String,
    /// The file name used in messages.
    pub name: String,
}

/// 1-based (line, column) of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(offset, |p| offset - p - 1) + 1;
    (line, col)
}

impl Loaded {
    /// `file:line:col` of the first place `needle` appears as a quoted
    /// string or a key; `file` alone if it does not.
    pub fn at(&self, needle: &str) -> String {
        let quoted = format!("\"{needle}\"");
        let pos = self
            .text
            .find(&quoted)
            .or_else(|| self.text.find(&format!("{needle} =")))
            .or_else(|| self.text.find(needle));
        match pos {
            Some(p) => {
                let (l, c) = line_col(&self.text, p);
                format!("{}:{l}:{c}", self.name)
            }
            None => self.name.clone(),
        }
    }

    /// The folder that the file's relative paths (profiles, tracks) are
    /// relative to: the scenario file's own folder.
    pub fn base_dir(&self) -> PathBuf {
        Path::new(&self.name)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }
}

/// Reads and parses a scenario file.
pub fn load(path: impl AsRef<Path>) -> Result<Loaded, ScenarioError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
        path: path.display().to_string(),
        source,
    })?;
    parse(&text, &path.display().to_string())
}

/// Parses scenario text; `name` is used in messages.
pub fn parse(text: &str, name: &str) -> Result<Loaded, ScenarioError> {
    let file: ScenarioFile = toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
        ScenarioError::Parse {
            file: name.to_string(),
            line,
            column,
            message: e.message().trim().to_string(),
        }
    })?;
    Ok(Loaded {
        file,
        text: text.to_string(),
        name: name.to_string(),
    })
}
