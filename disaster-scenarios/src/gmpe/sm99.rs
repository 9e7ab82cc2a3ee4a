//! Si & Midorikawa (1999) as used by NIED J-SHIS and implemented by OpenQuake.
//!
//! Equations (NIED 2009, "Technical Reports on National Seismic Hazard Maps
//! for Japan", eq. 3.5.1-1 p. 148 for the median; eqs. 3.5.5-1 and 3.5.5-2
//! p. 151 for the standard deviation; OpenQuake module
//! `openquake.hazardlib.gsim.si_midorikawa_1999`, classes
//! `SiMidorikawa1999Asc`, `SiMidorikawa1999SInter`, `SiMidorikawa1999SSlab`):
//!
//! ```text
//! m = min(Mw, 8.3)                            (NIED note, p. 3-36)
//! log10 PGA[cm/s²] = 0.50 m + 0.0043 D + d + 0.61 − log10(X + 0.0055·10^(0.50 m)) − 0.003 X
//! log10 PGV[cm/s]  = 0.58 m + 0.0038 D + d − 1.29 − log10(X + 0.0028·10^(0.50 m)) − 0.002 X
//! ```
//!
//! with D the hypocentral depth (km, as in OpenQuake), X = Rrup (km) and the
//! fault-type term d from Si & Midorikawa (1999): PGA 0.00 / 0.01 / 0.22 and
//! PGV 0.00 / −0.02 / 0.12 for crustal / interplate / intraslab events.
//!
//! Site handling (OpenQuake): the equations give motion on engineering bedrock
//! (Vs ≈ 600 m/s); Vs30 = 400 multiplies by 1.41 (the NIED 600→400 m/s PGV
//! factor, applied by OpenQuake to PGA too); Vs30 = 800 divides by 1.25. Other
//! Vs30 values are rejected, as OpenQuake does.
//!
//! Standard deviation (log10 units, converted to natural log by × ln 10):
//! * crustal: 0.23 for X ≤ 20 km, 0.23 − 0.03·log10(X/20)/log10(1.5) for
//!   20 < X ≤ 30 km, 0.20 beyond;
//! * interplate and intraslab: 0.20 for V ≤ 25, 0.20 − 0.05 (V − 25)/25 for
//!   25 < V ≤ 50, 0.15 above, where V is the predicted median on bedrock
//!   (before the site factor). OpenQuake evaluates V in the IMT's own unit, so
//!   for PGA (in g, always far below 25) σ is 0.20; this is reproduced.
//!
//! Only the total standard deviation is defined.

use super::{G, GmpeInput, GmpeParam, GroundMotion, GroundMotionModel, Imt};
use crate::error::{HazardError, Result};

/// The tectonic type of the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sm99Kind {
    /// Active shallow crust (OpenQuake `SiMidorikawa1999Asc`).
    Crustal,
    /// Subduction interface (OpenQuake `SiMidorikawa1999SInter`).
    Interface,
    /// Subduction intraslab (OpenQuake `SiMidorikawa1999SSlab`).
    Slab,
}

/// Si & Midorikawa (1999), NIED / OpenQuake form.
#[derive(Debug, Clone, Copy)]
pub struct SiMidorikawa1999 {
    kind: Sm99Kind,
}

/// NIED amplification from Vs30 600 to 400 m/s (OpenQuake `AMP_F`).
const AMP_400: f64 = 1.41;
/// OpenQuake factor from Vs30 600 to 800 m/s (elastic, no kappa adjustment).
const AMP_800: f64 = 1.0 / 1.25;
/// NIED magnitude cap (Table 3.3.2-6 note, p. 3-36).
const MAG_CAP: f64 = 8.3;

impl SiMidorikawa1999 {
    /// A model for the given tectonic type.
    pub fn new(kind: Sm99Kind) -> Self {
        SiMidorikawa1999 { kind }
    }

    /// The tectonic type.
    pub fn kind(&self) -> Sm99Kind {
        self.kind
    }

    /// log10 of the bedrock median: PGA in g, PGV in cm/s.
    fn log10_bedrock(&self, imt: Imt, mag: f64, depth: f64, rrup: f64) -> f64 {
        let m = mag.min(MAG_CAP);
        match imt {
            Imt::Pgv => {
                // Si & Midorikawa (1999) fault-type terms for PGV.
                let d = match self.kind {
                    Sm99Kind::Crustal => 0.0,
                    Sm99Kind::Interface => -0.02,
                    Sm99Kind::Slab => 0.12,
                };
                0.58 * m + 0.0038 * depth + d
                    - 1.29
                    - (rrup + 0.0028 * 10f64.powf(0.5 * m)).log10()
                    - 0.002 * rrup
            }
            Imt::Pga => {
                let d = match self.kind {
                    Sm99Kind::Crustal => 0.0,
                    Sm99Kind::Interface => 0.01,
                    Sm99Kind::Slab => 0.22,
                };
                let gal = 0.50 * m + 0.0043 * depth + d + 0.61
                    - (rrup + 0.0055 * 10f64.powf(0.5 * m)).log10()
                    - 0.003 * rrup;
                // cm/s² to g.
                gal - (G * 100.0).log10()
            }
        }
    }

    fn sigma_log10(&self, rrup: f64, bedrock_value: f64) -> f64 {
        match self.kind {
            Sm99Kind::Crustal => {
                if rrup <= 20.0 {
                    0.23
                } else if rrup <= 30.0 {
                    0.23 - 0.03 * (rrup / 20.0).log10() / (30.0f64 / 20.0).log10()
                } else {
                    0.20
                }
            }
            Sm99Kind::Interface | Sm99Kind::Slab => {
                let v = bedrock_value;
                if v <= 25.0 {
                    0.20
                } else if v <= 50.0 {
                    0.20 - 0.05 * (v - 25.0) / 25.0
                } else {
                    0.15
                }
            }
        }
    }

    fn site_factor(vs30: f64) -> Result<f64> {
        if (vs30 - 600.0).abs() < 1e-10 {
            Ok(1.0)
        } else if (vs30 - 400.0).abs() < 1e-10 {
            Ok(AMP_400)
        } else if (vs30 - 800.0).abs() < 1e-10 {
            Ok(AMP_800)
        } else {
            Err(HazardError::InvalidInput(format!(
                "Si & Midorikawa 1999 supports only Vs30 = 400, 600 or 800 m/s (got {vs30})"
            )))
        }
    }
}

impl GroundMotionModel for SiMidorikawa1999 {
    fn name(&self) -> &'static str {
        match self.kind {
            Sm99Kind::Crustal => "sm99-crustal",
            Sm99Kind::Interface => "sm99-interface",
            Sm99Kind::Slab => "sm99-slab",
        }
    }

    fn required(&self) -> &'static [GmpeParam] {
        &[
            GmpeParam::Mag,
            GmpeParam::HypoDepth,
            GmpeParam::Rrup,
            GmpeParam::Vs30,
        ]
    }

    fn compute(&self, input: &GmpeInput, imt: Imt) -> Result<GroundMotion> {
        self.check(input)?;
        let amp = Self::site_factor(input.vs30)?;
        let log10_rock = self.log10_bedrock(imt, input.mag, input.hypo_depth, input.rrup);
        let rock = 10f64.powf(log10_rock);
        let sigma = self.sigma_log10(input.rrup, rock) * std::f64::consts::LN_10;
        Ok(GroundMotion {
            median: rock * amp,
            sigma_total: sigma,
            sigma_inter: None,
            sigma_intra: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(mag: f64, depth: f64, rrup: f64, vs30: f64) -> GmpeInput {
        GmpeInput {
            mag,
            hypo_depth: depth,
            rrup,
            vs30,
            ..GmpeInput::default()
        }
    }

    /// Worked values of GMPE_models.md (hand computation from the equations).
    #[test]
    fn crustal_worked_values() -> Result<()> {
        let m = SiMidorikawa1999::new(Sm99Kind::Crustal);
        let a600 = m.compute(&input(7.0, 10.0, 10.0, 600.0), Imt::Pga)?;
        assert!((a600.median / 0.494137 - 1.0).abs() < 1e-5);
        let a400 = m.compute(&input(7.0, 10.0, 10.0, 400.0), Imt::Pga)?;
        assert!((a400.median / 0.696733 - 1.0).abs() < 1e-5);
        let v400 = m.compute(&input(7.0, 10.0, 10.0, 400.0), Imt::Pgv)?;
        assert!((v400.median / 45.8994 - 1.0).abs() < 1e-5);
        Ok(())
    }

    #[test]
    fn rejects_unsupported_vs30() {
        let m = SiMidorikawa1999::new(Sm99Kind::Slab);
        assert!(m.compute(&input(7.0, 10.0, 10.0, 500.0), Imt::Pga).is_err());
        assert!(
            m.compute(&input(7.0, 10.0, f64::NAN, 600.0), Imt::Pga)
                .is_err()
        );
    }

    #[test]
    fn magnitude_is_capped_at_8_3() -> Result<()> {
        let m = SiMidorikawa1999::new(Sm99Kind::Interface);
        let a = m.compute(&input(8.3, 30.0, 50.0, 600.0), Imt::Pgv)?;
        let b = m.compute(&input(9.0, 30.0, 50.0, 600.0), Imt::Pgv)?;
        assert_eq!(a, b);
        Ok(())
    }
}
