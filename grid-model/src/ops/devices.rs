//! Batteries and diesel generators.

/// A battery energy storage system behind a grid-forming inverter.
///
/// SoC is a fraction of the usable capacity `energy_mwh * soh`. Charging
/// stores `p * eta_charge * dt`; discharging `p` for `dt` draws
/// `p * dt / eta_discharge` from storage.
#[derive(Debug, Clone, PartialEq)]
pub struct Battery {
    /// Id.
    pub id: String,
    /// Bus index.
    pub bus: usize,
    /// Nameplate energy (MWh).
    pub energy_mwh: f64,
    /// Inverter power limit, both directions (MW).
    pub power_mw: f64,
    /// Charge efficiency (0..1].
    pub eta_charge: f64,
    /// Discharge efficiency (0..1].
    pub eta_discharge: f64,
    /// State of charge (fraction of usable energy).
    pub soc: f64,
    /// Lower SoC bound.
    pub soc_min: f64,
    /// Upper SoC bound.
    pub soc_max: f64,
    /// State of health: usable fraction of nameplate energy.
    pub soh: f64,
    /// In service (not damaged).
    pub in_service: bool,
}

impl Battery {
    fn usable_mwh(&self) -> f64 {
        self.energy_mwh * self.soh
    }

    /// Largest discharge power (MW) sustainable for `dt_h` hours.
    pub fn max_discharge_mw(&self, dt_h: f64) -> f64 {
        if !self.in_service || dt_h <= 0.0 {
            return 0.0;
        }
        let e = ((self.soc - self.soc_min) * self.usable_mwh()).max(0.0);
        self.power_mw.min(e * self.eta_discharge / dt_h)
    }

    /// Largest charge power (MW) acceptable for `dt_h` hours.
    pub fn max_charge_mw(&self, dt_h: f64) -> f64 {
        if !self.in_service || dt_h <= 0.0 {
            return 0.0;
        }
        let e = ((self.soc_max - self.soc) * self.usable_mwh()).max(0.0);
        self.power_mw.min(e / (self.eta_charge * dt_h))
    }

    /// Applies `p_mw` (positive = discharge, negative = charge) for `dt_h`
    /// hours. The caller keeps `p_mw` within the limits above; the SoC is
    /// clamped to its bounds to absorb rounding.
    pub fn apply(&mut self, p_mw: f64, dt_h: f64) {
        let u = self.usable_mwh();
        if u <= 0.0 {
            return;
        }
        let de = if p_mw >= 0.0 {
            -p_mw * dt_h / self.eta_discharge
        } else {
            -p_mw * dt_h * self.eta_charge
        };
        self.soc =
            (self.soc + de / u).clamp(self.soc_min.min(self.soc), self.soc_max.max(self.soc));
    }

    /// Can form a grid this interval (in service, above its SoC floor).
    pub fn can_form_grid(&self) -> bool {
        self.in_service && self.soc > self.soc_min + 1e-9
    }
}

/// A diesel generator with a fuel tank and a linear fuel curve.
///
/// Fuel use (litres per hour) = `f0 * rated_mw + f1 * p_mw`, HOMER's linear
/// fuel curve; HOMER's default coefficients for a diesel genset are
/// f0 = 0.08145 l/h per kW rated and f1 = 0.246 l/h per kW output
/// (HOMER Pro documentation, "Fuel Curve"), i.e. 81.45 and 246 l/h per MW.
#[derive(Debug, Clone, PartialEq)]
pub struct Diesel {
    /// Id.
    pub id: String,
    /// Bus index.
    pub bus: usize,
    /// Rated power (MW).
    pub rated_mw: f64,
    /// Fuel in the tank (litres).
    pub fuel_l: f64,
    /// No-load coefficient (l/h per MW rated).
    pub f0_l_per_mwh_rated: f64,
    /// Incremental coefficient (l/h per MW output).
    pub f1_l_per_mwh: f64,
    /// In service (not damaged).
    pub in_service: bool,
}

impl Diesel {
    /// HOMER's default fuel curve coefficients (l/h per MW).
    pub const HOMER_F0: f64 = 81.45;
    /// HOMER's default incremental fuel coefficient (l/h per MW).
    pub const HOMER_F1: f64 = 246.0;

    /// Largest output (MW) the fuel allows for `dt_h` hours.
    pub fn max_mw(&self, dt_h: f64) -> f64 {
        if !self.in_service || dt_h <= 0.0 || self.fuel_l <= 0.0 {
            return 0.0;
        }
        let idle = self.f0_l_per_mwh_rated * self.rated_mw * dt_h;
        if self.fuel_l <= idle {
            return 0.0;
        }
        self.rated_mw
            .min((self.fuel_l - idle) / (self.f1_l_per_mwh * dt_h))
    }

    /// Burns fuel for `p_mw` over `dt_h` (no fuel is burnt when `p_mw` is 0:
    /// the unit is off).
    pub fn apply(&mut self, p_mw: f64, dt_h: f64) {
        if p_mw <= 0.0 {
            return;
        }
        let used = (self.f0_l_per_mwh_rated * self.rated_mw + self.f1_l_per_mwh * p_mw) * dt_h;
        self.fuel_l = (self.fuel_l - used).max(0.0);
    }

    /// Can form a grid (in service, with fuel).
    pub fn can_form_grid(&self) -> bool {
        self.in_service && self.fuel_l > 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batt() -> Battery {
        Battery {
            id: "b".into(),
            bus: 0,
            energy_mwh: 2.0,
            power_mw: 1.0,
            eta_charge: 0.95,
            eta_discharge: 0.95,
            soc: 0.5,
            soc_min: 0.1,
            soc_max: 0.9,
            soh: 1.0,
            in_service: true,
        }
    }

    #[test]
    fn battery_limits_and_soc_integration() {
        let mut b = batt();
        // 0.4 * 2 MWh = 0.8 MWh above the floor; over 1 h at eta 0.95: 0.76 MW.
        assert!((b.max_discharge_mw(1.0) - 0.76).abs() < 1e-12);
        assert!((b.max_discharge_mw(0.25) - 1.0).abs() < 1e-12);
        b.apply(0.76, 1.0);
        assert!((b.soc - 0.1).abs() < 1e-12);
        assert_eq!(b.max_discharge_mw(1.0), 0.0);
        assert!(!b.can_form_grid());
        let c = b.max_charge_mw(1.0);
        assert!((c - 1.0).abs() < 1e-12);
        b.apply(-1.0, 1.0);
        assert!((b.soc - (0.1 + 0.95 / 2.0)).abs() < 1e-12);
    }

    #[test]
    fn diesel_runs_out_of_fuel() {
        let mut d = Diesel {
            id: "d".into(),
            bus: 0,
            rated_mw: 0.5,
            fuel_l: 200.0,
            f0_l_per_mwh_rated: Diesel::HOMER_F0,
            f1_l_per_mwh: Diesel::HOMER_F1,
            in_service: true,
        };
        // 1 h at 0.5 MW uses 81.45*0.5 + 246*0.5 = 163.725 l.
        assert_eq!(d.max_mw(1.0), 0.5);
        d.apply(0.5, 1.0);
        assert!((d.fuel_l - 36.275).abs() < 1e-9);
        let m = d.max_mw(1.0);
        assert!((m - (36.275 - 40.725f64).max(0.0)).abs() < 1e-12 || m == 0.0);
        assert_eq!(m, 0.0);
    }
}
