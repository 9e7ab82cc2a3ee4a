//! Boore, Stewart, Seyhan & Atkinson (2014), NGA-West2, for PGA and PGV.
//!
//! Boore, D. M., Stewart, J. P., Seyhan, E. & Atkinson, G. M. (2014).
//! "NGA-West2 Equations for Predicting PGA, PGV, and 5 % Damped PSA for
//! Shallow Crustal Earthquakes." Earthquake Spectra 30(3):1057–1085.
//! Equation numbers below are the paper's. Coefficients are the PGA and PGV
//! rows of the paper's electronic supplement, as tabulated in OpenQuake
//! (`openquake.hazardlib.gsim.boore_2014`, `BooreEtAl2014.COEFFS`, and the
//! regional Δc3 of `BooreEtAl2014LowQ` / `BooreEtAl2014HighQ`).
//!
//! ```text
//! ln Y = F_E(M, mech) + F_P(Rjb, M, region) + F_S(Vs30, PGAr)        (eq. 1, basin term 0)
//! F_E  = e_mech + e4 (M − Mh) + e5 (M − Mh)²   for M ≤ Mh             (eq. 2)
//!      = e_mech + e6 (M − Mh)                  for M > Mh
//! F_P  = [c1 + c2 (M − Mref)] ln(R/Rref) + (c3 + Δc3)(R − Rref),
//!        R = sqrt(Rjb² + h²), Mref = 4.5, Rref = 1 km                  (eqs. 3, 4)
//! F_lin = c ln(min(Vs30, Vc)/Vref), Vref = 760 m/s                     (eq. 6)
//! F_nl  = f1 + f2 ln((PGAr + f3)/f3), f1 = 0, f3 = 0.1 g               (eq. 7)
//! f2    = f4 [exp(f5 (min(Vs30, 760) − 360)) − exp(f5 (760 − 360))]    (eq. 8)
//! PGAr  = median PGA for Vs30 = 760 (F_E + F_P with the PGA coefficients)
//! τ(M) = τ1 (M ≤ 4.5), τ2 (M ≥ 5.5), linear between                   (eq. 14)
//! φ(M) likewise with φ1, φ2                                            (eq. 17)
//! φ(M, Rjb) = φ(M) + ΔφR · {0; ln(Rjb/R1)/ln(R2/R1); 1}                (eq. 16)
//! φ(M, Rjb, Vs30) = φ(M, Rjb) − ΔφV · {1 (≤ V1); ln(V2/Vs30)/ln(V2/V1); 0 (≥ V2)},
//!        V1 = 225, V2 = 300 m/s                                        (eq. 15)
//! σ = sqrt(τ² + φ²)                                                    (eq. 13)
//! ```
//!
//! Mechanism from rake (OpenQuake's rule): strike-slip when |rake| ≤ 30° or
//! 180° − |rake| ≤ 30°, reverse when 30° < rake < 150°, normal otherwise; a
//! non-finite rake selects the unspecified-mechanism coefficient e0.
//!
//! The basin-depth term F_δz1 is zero for PGA and PGV in OpenQuake (it applies
//! from 0.65 s), so it is omitted. At exactly Vs30 = 225 m/s OpenQuake
//! subtracts ΔφV twice (its two masks overlap); this implementation follows the
//! paper's continuous eq. 15.

use super::{GmpeInput, GmpeParam, GroundMotion, GroundMotionModel, Imt};
use crate::error::Result;

/// The regional anelastic-attenuation variant (Δc3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bssa14Region {
    /// California and global (Δc3 = 0), OpenQuake `BooreEtAl2014`.
    Global,
    /// Italy and Japan, low Q (OpenQuake `BooreEtAl2014LowQ`).
    JapanItaly,
    /// China and Turkey, high Q (OpenQuake `BooreEtAl2014HighQ`).
    ChinaTurkey,
}

/// Coefficients of one IMT (Boore et al. 2014, electronic supplement).
#[derive(Debug, Clone, Copy)]
struct Coeffs {
    e0: f64,
    e1: f64,
    e2: f64,
    e3: f64,
    e4: f64,
    e5: f64,
    e6: f64,
    mh: f64,
    c1: f64,
    c2: f64,
    c3: f64,
    h: f64,
    dc3_china_turkey: f64,
    dc3_italy_japan: f64,
    c: f64,
    vc: f64,
    f4: f64,
    f5: f64,
    r1: f64,
    r2: f64,
    dphi_r: f64,
    dphi_v: f64,
    phi1: f64,
    phi2: f64,
    tau1: f64,
    tau2: f64,
}

/// PGA row (g).
const PGA: Coeffs = Coeffs {
    e0: 0.4473,
    e1: 0.4856,
    e2: 0.2459,
    e3: 0.4539,
    e4: 1.431,
    e5: 0.05053,
    e6: -0.1662,
    mh: 5.5,
    c1: -1.134,
    c2: 0.1917,
    c3: -0.008088,
    h: 4.5,
    dc3_china_turkey: 0.002858,
    dc3_italy_japan: -0.00255,
    c: -0.600,
    vc: 1500.0,
    f4: -0.150,
    f5: -0.00701,
    r1: 110.0,
    r2: 270.0,
    dphi_r: 0.100,
    dphi_v: 0.070,
    phi1: 0.695,
    phi2: 0.495,
    tau1: 0.398,
    tau2: 0.348,
};

/// PGV row (cm/s).
const PGV: Coeffs = Coeffs {
    e0: 5.037,
    e1: 5.078,
    e2: 4.849,
    e3: 5.033,
    e4: 1.073,
    e5: -0.1536,
    e6: 0.2252,
    mh: 6.2,
    c1: -1.243,
    c2: 0.1489,
    c3: -0.00344,
    h: 5.3,
    dc3_china_turkey: 0.004345,
    dc3_italy_japan: -0.00033,
    c: -0.840,
    vc: 1300.0,
    f4: -0.100,
    f5: -0.00844,
    r1: 105.0,
    r2: 272.0,
    dphi_r: 0.082,
    dphi_v: 0.080,
    phi1: 0.644,
    phi2: 0.552,
    tau1: 0.401,
    tau2: 0.346,
};

const MREF: f64 = 4.5;
const RREF: f64 = 1.0;
const VREF: f64 = 760.0;
const F1: f64 = 0.0;
const F3: f64 = 0.1;
const V1: f64 = 225.0;
const V2: f64 = 300.0;

/// Boore et al. (2014) for PGA and PGV.
#[derive(Debug, Clone, Copy)]
pub struct Boore2014 {
    region: Bssa14Region,
}

impl Boore2014 {
    /// A model for the given regional variant.
    pub fn new(region: Bssa14Region) -> Self {
        Boore2014 { region }
    }

    /// The regional variant.
    pub fn region(&self) -> Bssa14Region {
        self.region
    }

    fn dc3(&self, c: &Coeffs) -> f64 {
        match self.region {
            Bssa14Region::Global => 0.0,
            Bssa14Region::JapanItaly => c.dc3_italy_japan,
            Bssa14Region::ChinaTurkey => c.dc3_china_turkey,
        }
    }

    /// F_E + F_P (eqs. 2–4): ln of the median for Vs30 = 760 m/s.
    fn ln_rock(&self, c: &Coeffs, mag: f64, rake: f64, rjb: f64) -> f64 {
        let e_mech = if !rake.is_finite() {
            c.e0
        } else if rake.abs() <= 30.0 || 180.0 - rake.abs() <= 30.0 {
            c.e1
        } else if rake > 30.0 && rake < 150.0 {
            c.e3
        } else {
            c.e2
        };
        let dm = mag - c.mh;
        let f_e = if mag <= c.mh {
            e_mech + c.e4 * dm + c.e5 * dm * dm
        } else {
            e_mech + c.e6 * dm
        };
        let r = (rjb * rjb + c.h * c.h).sqrt();
        let f_p =
            (c.c1 + c.c2 * (mag - MREF)) * (r / RREF).ln() + (c.c3 + self.dc3(c)) * (r - RREF);
        f_e + f_p
    }

    fn stddevs(c: &Coeffs, mag: f64, rjb: f64, vs30: f64) -> (f64, f64, f64) {
        let tau = if mag <= 4.5 {
            c.tau1
        } else if mag >= 5.5 {
            c.tau2
        } else {
            c.tau1 + (c.tau2 - c.tau1) * (mag - 4.5)
        };
        let mut phi = if mag <= 4.5 {
            c.phi1
        } else if mag >= 5.5 {
            c.phi2
        } else {
            c.phi1 + (c.phi2 - c.phi1) * (mag - 4.5)
        };
        if rjb > c.r2 {
            phi += c.dphi_r;
        } else if rjb > c.r1 {
            phi += c.dphi_r * (rjb / c.r1).ln() / (c.r2 / c.r1).ln();
        }
        if vs30 <= V1 {
            phi -= c.dphi_v;
        } else if vs30 < V2 {
            phi -= c.dphi_v * (V2 / vs30).ln() / (V2 / V1).ln();
        }
        ((tau * tau + phi * phi).sqrt(), tau, phi)
    }
}

impl GroundMotionModel for Boore2014 {
    fn name(&self) -> &'static str {
        "bssa14"
    }

    fn required(&self) -> &'static [GmpeParam] {
        &[GmpeParam::Mag, GmpeParam::Rjb, GmpeParam::Vs30]
    }

    fn compute(&self, input: &GmpeInput, imt: Imt) -> Result<GroundMotion> {
        self.check(input)?;
        let c = match imt {
            Imt::Pga => &PGA,
            Imt::Pgv => &PGV,
        };
        let (mag, rake, rjb, vs30) = (input.mag, input.rake, input.rjb, input.vs30);
        let pga_rock = self.ln_rock(&PGA, mag, rake, rjb).exp();
        let f_lin = c.c * (vs30.min(c.vc) / VREF).ln();
        let f2 = c.f4 * ((c.f5 * (vs30.min(760.0) - 360.0)).exp() - (c.f5 * (760.0 - 360.0)).exp());
        let f_nl = F1 + f2 * ((pga_rock + F3) / F3).ln();
        let ln_y = self.ln_rock(c, mag, rake, rjb) + f_lin + f_nl;
        let (sigma, tau, phi) = Self::stddevs(c, mag, rjb, vs30);
        Ok(GroundMotion {
            median: ln_y.exp(),
            sigma_total: sigma,
            sigma_inter: Some(tau),
            sigma_intra: Some(phi),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(mag: f64, rake: f64, rjb: f64, vs30: f64) -> GmpeInput {
        GmpeInput {
            mag,
            rake,
            rjb,
            vs30,
            ..GmpeInput::default()
        }
    }

    /// Worked values of GMPE_models.md (each a row of OpenQuake's table).
    #[test]
    fn worked_values() -> Result<()> {
        let g = Boore2014::new(Bssa14Region::Global);
        let a = g.compute(&input(7.0, 0.0, 20.0, 760.0), Imt::Pga)?;
        assert!((a.median / 0.149712 - 1.0).abs() < 1e-5);
        assert!((a.sigma_total - 0.6051).abs() < 1e-4);
        let v = g.compute(&input(7.0, 0.0, 20.0, 760.0), Imt::Pgv)?;
        assert!((v.median / 12.8371 - 1.0).abs() < 1e-5);
        let j = Boore2014::new(Bssa14Region::JapanItaly);
        let a = j.compute(&input(7.0, 0.0, 20.0, 760.0), Imt::Pga)?;
        assert!((a.median / 0.142450 - 1.0).abs() < 1e-5);
        let a = g.compute(&input(8.0, -90.0, 100.0, 200.0), Imt::Pga)?;
        assert!((a.median / 0.0845571 - 1.0).abs() < 1e-5);
        assert!((a.sigma_total - 0.5493).abs() < 1e-4);
        Ok(())
    }

    /// φ is continuous in Vs30 at 225 and 300 m/s (paper eq. 15).
    #[test]
    fn phi_continuous_in_vs30() -> Result<()> {
        let g = Boore2014::new(Bssa14Region::Global);
        for v in [225.0, 300.0] {
            let lo = g.compute(&input(6.0, 0.0, 10.0, v - 1e-9), Imt::Pga)?;
            let hi = g.compute(&input(6.0, 0.0, 10.0, v + 1e-9), Imt::Pga)?;
            assert!((lo.sigma_intra.unwrap_or(0.0) - hi.sigma_intra.unwrap_or(1.0)).abs() < 1e-6);
        }
        Ok(())
    }
}
