//! Errors of the asset models.

use thiserror::Error;

/// An invalid asset parameter (a PV system, a site, a wind turbine, a cloud
/// model).
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum AssetError {
    /// A numeric parameter is NaN, infinite or out of its range.
    #[error("invalid {name}: {value} (expected {expected})")]
    OutOfRange {
        /// The parameter's name.
        name: &'static str,
        /// The value given.
        value: f64,
        /// The accepted range, in words.
        expected: String,
    },
    /// A wind turbine power curve is malformed.
    #[error("invalid power curve: {0}")]
    PowerCurve(String),
}

/// Checks that `value` is finite and in `[lo, hi]`.
pub(crate) fn check(name: &'static str, value: f64, lo: f64, hi: f64) -> Result<(), AssetError> {
    if value.is_finite() && value >= lo && value <= hi {
        Ok(())
    } else {
        Err(AssetError::OutOfRange {
            name,
            value,
            expected: format!("a finite number in [{lo}, {hi}]"),
        })
    }
}
