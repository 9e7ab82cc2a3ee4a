//! Wind power from a turbine power curve.

use super::error::{AssetError, check};

/// A wind turbine described by its power curve.
///
/// Output at hub-height wind speed `v` (m/s):
///
/// - 0 below the cut-in speed, and 0 at or above the cut-out speed (the
///   turbine stops; no hysteresis is modelled);
/// - between them, linear interpolation in the curve's points;
/// - below the first point (but above cut-in): interpolation from
///   (cut-in, 0) to the first point;
/// - above the last point (but below cut-out): the last point's power.
///
/// The rated power is the curve's largest power; the rated speed is the
/// lowest speed where the curve reaches it. A NaN or negative speed gives 0.
#[derive(Debug, Clone, PartialEq)]
pub struct WindTurbine {
    curve: Vec<(f64, f64)>,
    cut_in_m_s: f64,
    cut_out_m_s: f64,
    rated_kw: f64,
    rated_speed_m_s: f64,
}

impl WindTurbine {
    /// A turbine from its power curve: `(speed m/s, power kW)` points with
    /// strictly increasing speeds, the first at or above `cut_in_m_s`, and
    /// finite non-negative powers, at least one of them positive;
    /// `0 ≤ cut_in_m_s < cut_out_m_s ≤ 200`.
    pub fn from_curve(
        curve: Vec<(f64, f64)>,
        cut_in_m_s: f64,
        cut_out_m_s: f64,
    ) -> Result<Self, AssetError> {
        if curve.is_empty() {
            return Err(AssetError::PowerCurve("no points".into()));
        }
        check("cut_in_m_s", cut_in_m_s, 0.0, 200.0)?;
        check("cut_out_m_s", cut_out_m_s, cut_in_m_s, 200.0)?;
        if cut_out_m_s <= cut_in_m_s {
            return Err(AssetError::PowerCurve(format!(
                "cut-out speed {cut_out_m_s} m/s must exceed cut-in speed {cut_in_m_s} m/s"
            )));
        }
        for (i, &(v, p)) in curve.iter().enumerate() {
            if !(v.is_finite() && v >= 0.0 && p.is_finite() && p >= 0.0) {
                return Err(AssetError::PowerCurve(format!(
                    "point {i} ({v} m/s, {p} kW): speed and power must be finite and non-negative"
                )));
            }
            if i > 0 && v <= curve[i - 1].0 {
                return Err(AssetError::PowerCurve(format!(
                    "point {i}: speeds must increase strictly"
                )));
            }
        }
        if curve[0].0 < cut_in_m_s {
            return Err(AssetError::PowerCurve(format!(
                "first point at {} m/s is below the cut-in speed {cut_in_m_s} m/s",
                curve[0].0
            )));
        }
        let rated_kw = curve.iter().fold(0.0_f64, |m, &(_, p)| m.max(p));
        if rated_kw <= 0.0 {
            return Err(AssetError::PowerCurve(
                "no point with positive power".into(),
            ));
        }
        let rated_speed_m_s = curve
            .iter()
            .find(|&&(_, p)| p >= rated_kw)
            .map_or(cut_out_m_s, |&(v, _)| v);
        Ok(Self {
            curve,
            cut_in_m_s,
            cut_out_m_s,
            rated_kw,
            rated_speed_m_s,
        })
    }

    /// A generic turbine: power rising as `v³` between cut-in and rated
    /// speed (`P = P_r (v³ − v_ci³) / (v_r³ − v_ci³)`, the usual textbook
    /// idealisation), sampled every 0.5 m/s into a piecewise-linear curve,
    /// flat at `rated_kw` up to cut-out.
    pub fn generic(
        rated_kw: f64,
        cut_in_m_s: f64,
        rated_speed_m_s: f64,
        cut_out_m_s: f64,
    ) -> Result<Self, AssetError> {
        check("rated_kw", rated_kw, 1e-9, 1e9)?;
        check("cut_in_m_s", cut_in_m_s, 0.0, 200.0)?;
        check("rated_speed_m_s", rated_speed_m_s, cut_in_m_s + 1e-6, 200.0)?;
        check("cut_out_m_s", cut_out_m_s, rated_speed_m_s, 200.0)?;
        let (a, b) = (cut_in_m_s.powi(3), rated_speed_m_s.powi(3));
        let mut curve = vec![(cut_in_m_s, 0.0)];
        let mut v = (cut_in_m_s * 2.0).floor() / 2.0 + 0.5;
        while v < rated_speed_m_s {
            curve.push((v, rated_kw * (v.powi(3) - a) / (b - a)));
            v += 0.5;
        }
        curve.push((rated_speed_m_s, rated_kw));
        Self::from_curve(curve, cut_in_m_s, cut_out_m_s)
    }

    /// Power output, kW, at hub-height wind speed `v_m_s`.
    #[must_use]
    pub fn power_kw(&self, v_m_s: f64) -> f64 {
        if !(v_m_s >= self.cut_in_m_s && v_m_s < self.cut_out_m_s) {
            return 0.0;
        }
        let first = self.curve[0];
        if v_m_s <= first.0 {
            if first.0 <= self.cut_in_m_s {
                return first.1;
            }
            return first.1 * (v_m_s - self.cut_in_m_s) / (first.0 - self.cut_in_m_s);
        }
        // First point with speed >= v (exists unless v is past the end).
        let i = self.curve.partition_point(|&(s, _)| s < v_m_s);
        match (self.curve.get(i.wrapping_sub(1)), self.curve.get(i)) {
            (Some(&(v0, p0)), Some(&(v1, p1))) => p0 + (p1 - p0) * (v_m_s - v0) / (v1 - v0),
            _ => self.curve.last().map_or(0.0, |&(_, p)| p),
        }
    }

    /// The power curve's points, `(m/s, kW)`.
    #[must_use]
    pub fn curve(&self) -> &[(f64, f64)] {
        &self.curve
    }

    /// Rated (largest) power, kW.
    #[must_use]
    pub fn rated_kw(&self) -> f64 {
        self.rated_kw
    }

    /// Lowest speed at which the curve reaches rated power, m/s.
    #[must_use]
    pub fn rated_speed_m_s(&self) -> f64 {
        self.rated_speed_m_s
    }

    /// Cut-in speed, m/s.
    #[must_use]
    pub fn cut_in_m_s(&self) -> f64 {
        self.cut_in_m_s
    }

    /// Cut-out speed, m/s.
    #[must_use]
    pub fn cut_out_m_s(&self) -> f64 {
        self.cut_out_m_s
    }
}

/// Wind speed at height `z_m` from a speed `v_ref_m_s` measured at
/// `z_ref_m`, by the power law `v (z / z_ref)^α`; α = 1/7 is the classic
/// open-terrain value (Peterson & Hennessey, *J. Appl. Meteorology* 17,
/// 390–394, 1978). Non-positive heights give 0.
#[must_use]
pub fn wind_speed_at_height(v_ref_m_s: f64, z_ref_m: f64, z_m: f64, shear_exponent: f64) -> f64 {
    if z_ref_m > 0.0 && z_m > 0.0 {
        v_ref_m_s * (z_m / z_ref_m).powf(shear_exponent)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curve_interpolation_and_limits() {
        let t = WindTurbine::from_curve(
            vec![(3.0, 0.0), (5.0, 100.0), (10.0, 1000.0), (12.0, 1000.0)],
            3.0,
            25.0,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.power_kw(2.9), 0.0);
        assert_eq!(t.power_kw(3.0), 0.0);
        assert!((t.power_kw(4.0) - 50.0).abs() < 1e-12);
        assert!((t.power_kw(7.5) - 550.0).abs() < 1e-12);
        assert_eq!(t.power_kw(10.0), 1000.0);
        assert_eq!(t.power_kw(20.0), 1000.0);
        assert_eq!(t.power_kw(25.0), 0.0);
        assert_eq!(t.power_kw(f64::NAN), 0.0);
        assert_eq!(t.rated_kw(), 1000.0);
        assert_eq!(t.rated_speed_m_s(), 10.0);
    }

    #[test]
    fn curve_validation() {
        assert!(WindTurbine::from_curve(vec![], 3.0, 25.0).is_err());
        assert!(WindTurbine::from_curve(vec![(5.0, 1.0), (5.0, 2.0)], 3.0, 25.0).is_err());
        assert!(WindTurbine::from_curve(vec![(2.0, 1.0)], 3.0, 25.0).is_err());
        assert!(WindTurbine::from_curve(vec![(5.0, 1.0)], 3.0, 3.0).is_err());
        assert!(WindTurbine::from_curve(vec![(5.0, -1.0)], 3.0, 25.0).is_err());
    }

    #[test]
    fn generic_turbine() {
        let t = WindTurbine::generic(2000.0, 3.0, 12.0, 25.0).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.power_kw(3.0), 0.0);
        let exact = 2000.0 * (8.0_f64.powi(3) - 27.0) / (1728.0 - 27.0);
        assert!((t.power_kw(8.0) - exact).abs() < 1e-9);
        assert_eq!(t.power_kw(12.0), 2000.0);
        assert_eq!(t.power_kw(24.9), 2000.0);
        assert_eq!(t.power_kw(25.0), 0.0);
        let mut last = 0.0;
        for i in 0..300 {
            let p = t.power_kw(f64::from(i) * 0.08);
            assert!(p >= last - 1e-12 || i as f64 * 0.08 >= 25.0);
            last = p;
        }
    }

    #[test]
    fn shear() {
        assert!(
            (wind_speed_at_height(5.0, 10.0, 80.0, 1.0 / 7.0) - 5.0 * 8.0_f64.powf(1.0 / 7.0))
                .abs()
                < 1e-12
        );
        assert_eq!(wind_speed_at_height(5.0, 0.0, 80.0, 1.0 / 7.0), 0.0);
    }
}
