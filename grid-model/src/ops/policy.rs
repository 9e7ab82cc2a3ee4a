//! Commands, the policy seam, the baseline policy and the settlement of one
//! island's interval.

use serde::{Deserialize, Serialize};

use super::devices::{Battery, Diesel};
use crate::network::Priority;

/// A control action. The same type drives the simulator and real devices;
/// indices refer to the simulation's asset vectors (loads, batteries,
/// diesels, switches of the network).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Command {
    /// Battery setpoint (MW; positive discharges, negative charges).
    SetBattery {
        /// Battery index.
        battery: usize,
        /// Setpoint (MW).
        p_mw: f64,
    },
    /// Diesel setpoint (MW, >= 0).
    SetDiesel {
        /// Diesel index.
        diesel: usize,
        /// Setpoint (MW).
        p_mw: f64,
    },
    /// Shed this fraction (0..1) of a load's demand.
    ShedLoad {
        /// Load index.
        load: usize,
        /// Fraction shed.
        fraction: f64,
    },
    /// Open a switch.
    OpenSwitch {
        /// Switch index.
        switch: usize,
    },
    /// Close a switch.
    CloseSwitch {
        /// Switch index.
        switch: usize,
    },
    /// Exchange power between two microgrids over a closed path (tie line
    /// or the surviving distribution network): the sending microgrid's
    /// controller raises its output by `p_mw`, the receiving one counts
    /// `p_mw` less path losses as supply. On a device this is the setpoint
    /// of the interconnection controller.
    Transfer {
        /// Sending microgrid index.
        from: usize,
        /// Receiving microgrid index.
        to: usize,
        /// Power leaving the sender (MW, >= 0).
        p_mw: f64,
    },
}

/// One load's demand this interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadDemand {
    /// Load index.
    pub load: usize,
    /// Demand (MW).
    pub p_mw: f64,
    /// Priority class.
    pub priority: Priority,
    /// Fraction of the demand that may be curtailed without disconnecting
    /// the load (flexibility), 0..1.
    pub sheddable: f64,
}

/// What a policy sees of one energised island for one interval.
#[derive(Debug, Clone)]
pub struct IslandView<'a> {
    /// Interval length (hours).
    pub dt_h: f64,
    /// Loads of the island.
    pub loads: Vec<LoadDemand>,
    /// Available renewable power (PV + wind, MW).
    pub renewable_mw: f64,
    /// Batteries of the island: (index, state).
    pub batteries: Vec<(usize, &'a Battery)>,
    /// Diesels of the island: (index, state).
    pub diesels: Vec<(usize, &'a Diesel)>,
    /// `Some(limit)` when the island reaches the main grid, with the import
    /// limit (MW); `None` when islanded.
    pub grid_import_mw: Option<f64>,
    /// Estimated network losses (MW).
    pub losses_mw: f64,
    /// Planned net import from other microgrids (MW; negative = export).
    /// Zero for a whole island; set on a microgrid's own view when it
    /// shares energy with others (see [`Command::Transfer`]).
    pub exchange_mw: f64,
}

/// A response strategy: decides each energised island's commands each
/// control interval. Implementations must be deterministic functions of
/// their inputs and their own state.
pub trait Policy: Send {
    /// Short name (used in outputs).
    fn name(&self) -> &str;
    /// Commands for one island.
    fn decide(&mut self, view: &IslandView<'_>) -> Vec<Command>;
}

/// The baseline policy: each island alone, no sharing.
///
/// - Batteries cover the deficit (demand + losses - renewables) in
///   proportion to their available discharge power, then diesels in
///   proportion to theirs; surplus charges the batteries.
/// - Critical-first reserve: when islanded, if the island's average battery
///   SoC (usable energy above the floors over usable range) falls below
///   `reserve_normal`, normal loads are shed; below `reserve_essential`,
///   essential loads too, so the remaining energy is kept for critical
///   loads. Diesel fuel is not reserved.
/// - Any deficit left is shed by [`settle`] in priority order.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorityShedding {
    /// SoC fraction under which normal loads are shed while islanded.
    pub reserve_normal: f64,
    /// SoC fraction under which essential loads are shed while islanded.
    pub reserve_essential: f64,
}

impl Default for PriorityShedding {
    fn default() -> Self {
        PriorityShedding {
            reserve_normal: 0.5,
            reserve_essential: 0.25,
        }
    }
}

impl Policy for PriorityShedding {
    fn name(&self) -> &str {
        "priority"
    }

    fn decide(&mut self, v: &IslandView<'_>) -> Vec<Command> {
        let mut cmds = Vec::new();
        let shed = |cls: Priority, cmds: &mut Vec<Command>| {
            for l in v.loads.iter().filter(|l| l.priority == cls) {
                cmds.push(Command::ShedLoad {
                    load: l.load,
                    fraction: 1.0,
                });
            }
        };
        let mut demand: f64 = v.loads.iter().map(|l| l.p_mw).sum();
        if v.grid_import_mw.is_none()
            && !v.batteries.is_empty()
            && v.diesels.iter().all(|(_, d)| d.max_mw(v.dt_h) <= 0.0)
        {
            let (mut e, mut cap) = (0.0, 0.0);
            for (_, b) in &v.batteries {
                e += (b.soc - b.soc_min).max(0.0) * b.energy_mwh * b.soh;
                cap += (b.soc_max - b.soc_min).max(0.0) * b.energy_mwh * b.soh;
            }
            let frac = if cap > 0.0 { e / cap } else { 0.0 };
            if frac < self.reserve_normal {
                shed(Priority::Normal, &mut cmds);
                demand -= v
                    .loads
                    .iter()
                    .filter(|l| l.priority == Priority::Normal)
                    .map(|l| l.p_mw)
                    .sum::<f64>();
            }
            if frac < self.reserve_essential {
                shed(Priority::Essential, &mut cmds);
                demand -= v
                    .loads
                    .iter()
                    .filter(|l| l.priority == Priority::Essential)
                    .map(|l| l.p_mw)
                    .sum::<f64>();
            }
        }
        if v.grid_import_mw.is_some() {
            // Connected: charge batteries from surplus renewables only.
            let surplus = (v.renewable_mw + v.exchange_mw - demand - v.losses_mw).max(0.0);
            charge(v, surplus, &mut cmds);
            return cmds;
        }
        let net = demand + v.losses_mw - v.renewable_mw - v.exchange_mw;
        if net > 0.0 {
            let bmax: Vec<f64> = v
                .batteries
                .iter()
                .map(|(_, b)| b.max_discharge_mw(v.dt_h))
                .collect();
            let total_b: f64 = bmax.iter().sum();
            let from_b = net.min(total_b);
            for ((k, _), m) in v.batteries.iter().zip(&bmax) {
                let p = if total_b > 0.0 {
                    from_b * m / total_b
                } else {
                    0.0
                };
                cmds.push(Command::SetBattery {
                    battery: *k,
                    p_mw: p,
                });
            }
            let rest = net - from_b;
            let dmax: Vec<f64> = v.diesels.iter().map(|(_, d)| d.max_mw(v.dt_h)).collect();
            let total_d: f64 = dmax.iter().sum();
            let from_d = rest.min(total_d);
            for ((k, _), m) in v.diesels.iter().zip(&dmax) {
                let p = if total_d > 0.0 {
                    from_d * m / total_d
                } else {
                    0.0
                };
                cmds.push(Command::SetDiesel {
                    diesel: *k,
                    p_mw: p,
                });
            }
        } else {
            charge(v, -net, &mut cmds);
        }
        cmds
    }
}

fn charge(v: &IslandView<'_>, surplus: f64, cmds: &mut Vec<Command>) {
    let cmax: Vec<f64> = v
        .batteries
        .iter()
        .map(|(_, b)| b.max_charge_mw(v.dt_h))
        .collect();
    let total: f64 = cmax.iter().sum();
    let p = surplus.min(total);
    for ((k, _), m) in v.batteries.iter().zip(&cmax) {
        let q = if total > 0.0 { p * m / total } else { 0.0 };
        cmds.push(Command::SetBattery {
            battery: *k,
            p_mw: -q,
        });
    }
}

/// The settled dispatch of one island for one interval.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Settlement {
    /// Served power per load of the view (MW, same order as `view.loads`).
    pub served_mw: Vec<f64>,
    /// Battery power per battery of the view (MW, + discharge).
    pub battery_mw: Vec<f64>,
    /// Diesel power per diesel of the view (MW).
    pub diesel_mw: Vec<f64>,
    /// Grid import (MW, negative = export).
    pub grid_mw: f64,
    /// Renewable power used (MW).
    pub renewable_used_mw: f64,
    /// Renewable power curtailed (MW).
    pub curtailed_mw: f64,
    /// Losses covered (MW).
    pub losses_mw: f64,
    /// Realised exchange with other microgrids (MW, + import).
    pub exchange_mw: f64,
}

impl Settlement {
    /// `supply - (served + charge + losses)`: zero up to rounding.
    pub fn balance_error_mw(&self) -> f64 {
        let supply = self.renewable_used_mw
            + self.battery_mw.iter().map(|p| p.max(0.0)).sum::<f64>()
            + self.diesel_mw.iter().sum::<f64>()
            + self.grid_mw
            + self.exchange_mw;
        let use_ = self.served_mw.iter().sum::<f64>()
            + self.battery_mw.iter().map(|p| (-p).max(0.0)).sum::<f64>()
            + self.losses_mw;
        supply - use_
    }
}

/// Applies commands to one island within every limit and balances it (see
/// the module docs). Commands that refer to assets outside the view are
/// ignored.
///
/// The phases, in order: the commanded setpoints clamped to the units'
/// limits; the main grid's share of the imbalance; units raised or lowered
/// ([`rebalance_units`]); renewables curtailed; an import refused or an
/// export cut; load shed by priority ([`shed_by_priority`]).
pub fn settle(v: &IslandView<'_>, cmds: &[Command]) -> Settlement {
    let dt = v.dt_h;
    let (shed, mut bset, mut dset) = setpoints(v, cmds);
    let bmax_d: Vec<f64> = v
        .batteries
        .iter()
        .map(|(_, b)| b.max_discharge_mw(dt))
        .collect();
    let bmax_c: Vec<f64> = v
        .batteries
        .iter()
        .map(|(_, b)| b.max_charge_mw(dt))
        .collect();
    let dmax: Vec<f64> = v.diesels.iter().map(|(_, d)| d.max_mw(dt)).collect();
    for i in 0..bset.len() {
        bset[i] = bset[i].clamp(-bmax_c[i], bmax_d[i]);
    }
    for i in 0..dset.len() {
        dset[i] = dset[i].clamp(0.0, dmax[i]);
    }
    let mut served: Vec<f64> = v
        .loads
        .iter()
        .zip(&shed)
        .map(|(l, s)| l.p_mw.max(0.0) * (1.0 - s))
        .collect();
    let renewable = v.renewable_mw.max(0.0);
    let losses = v.losses_mw.max(0.0);
    let mut exchange = if v.exchange_mw.is_finite() {
        v.exchange_mw
    } else {
        0.0
    };
    // Imbalance: positive = deficit.
    let mut gap = served.iter().sum::<f64>() + losses
        - renewable
        - exchange
        - bset.iter().sum::<f64>()
        - dset.iter().sum::<f64>();
    let mut grid = 0.0;
    if let Some(limit) = v.grid_import_mw {
        // The main grid forms the island's voltage and takes the balance.
        grid = gap.min(limit.max(0.0));
        gap -= grid;
    }
    gap = rebalance_units(gap, &mut bset, &mut dset, &bmax_d, &bmax_c, &dmax);
    let mut curtailed = 0.0;
    if gap < 0.0 {
        curtailed = (-gap).min(renewable);
        gap += curtailed;
    }
    if gap < 0.0 && exchange > 0.0 {
        // An import that cannot be absorbed is refused (the sender keeps it).
        let cut = (-gap).min(exchange);
        exchange -= cut;
        gap += cut;
    }
    if gap > 0.0 && exchange < 0.0 {
        // An export the island cannot supply is cut before its own loads.
        let cut = gap.min(-exchange);
        exchange += cut;
        gap -= cut;
    }
    if gap > 0.0 {
        gap = shed_by_priority(&v.loads, &mut served, gap);
    }
    // Any residual (losses larger than everything) is dropped from losses.
    let losses_covered = (losses - gap.max(0.0)).max(0.0);
    Settlement {
        served_mw: served,
        battery_mw: bset,
        diesel_mw: dset,
        grid_mw: grid,
        renewable_used_mw: renewable - curtailed,
        curtailed_mw: curtailed,
        losses_mw: losses_covered,
        exchange_mw: exchange,
    }
}

/// The commanded setpoints, per entry of the view: fraction shed per load,
/// battery and diesel power (a later command for the same asset wins).
fn setpoints(v: &IslandView<'_>, cmds: &[Command]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let n = v.loads.len();
    let mut shed = vec![0.0f64; n];
    let mut bset: Vec<f64> = vec![0.0; v.batteries.len()];
    let mut dset: Vec<f64> = vec![0.0; v.diesels.len()];
    for c in cmds {
        match *c {
            Command::ShedLoad { load, fraction } => {
                if let Some(i) = v.loads.iter().position(|l| l.load == load) {
                    shed[i] = fraction.clamp(0.0, 1.0);
                }
            }
            Command::SetBattery { battery, p_mw } => {
                if let Some(i) = v.batteries.iter().position(|(k, _)| *k == battery) {
                    bset[i] = p_mw;
                }
            }
            Command::SetDiesel { diesel, p_mw } => {
                if let Some(i) = v.diesels.iter().position(|(k, _)| *k == diesel) {
                    dset[i] = p_mw;
                }
            }
            Command::OpenSwitch { .. } | Command::CloseSwitch { .. } | Command::Transfer { .. } => {
            }
        }
    }
    (shed, bset, dset)
}

/// Moves the units towards balance: a deficit (`gap > 0`) raises batteries,
/// then diesels, to their limits; a surplus lowers diesels, then charges
/// batteries. Returns the imbalance left.
fn rebalance_units(
    mut gap: f64,
    bset: &mut [f64],
    dset: &mut [f64],
    bmax_d: &[f64],
    bmax_c: &[f64],
    dmax: &[f64],
) -> f64 {
    if gap > 0.0 {
        // Deficit: raise batteries, then diesels, to their limits.
        for i in 0..bset.len() {
            let up = (bmax_d[i] - bset[i]).max(0.0).min(gap);
            bset[i] += up;
            gap -= up;
        }
        for i in 0..dset.len() {
            let up = (dmax[i] - dset[i]).max(0.0).min(gap);
            dset[i] += up;
            gap -= up;
        }
    } else if gap < 0.0 {
        // Surplus: lower diesels, then charge batteries.
        for i in 0..dset.len() {
            let down = dset[i].min(-gap);
            dset[i] -= down;
            gap += down;
        }
        for i in 0..bset.len() {
            let down = (bset[i] + bmax_c[i]).max(0.0).min(-gap);
            bset[i] -= down;
            gap += down;
        }
    }
    gap
}

/// Closes a deficit `gap` (> 0) by shedding the `served` power of the
/// view's `loads`. Returns the deficit left (zero up to rounding unless the
/// losses exceed everything).
fn shed_by_priority(loads: &[LoadDemand], served: &mut [f64], mut gap: f64) -> f64 {
    // Shed by priority: normal, essential, critical; the sheddable part
    // of a class first, then the rest of it, proportionally.
    'outer: for cls in [Priority::Normal, Priority::Essential, Priority::Critical] {
        for flexible_only in [true, false] {
            let avail: Vec<f64> = loads
                .iter()
                .zip(&*served)
                .map(|(l, &s)| {
                    if l.priority != cls {
                        0.0
                    } else if flexible_only {
                        (s - l.p_mw * (1.0 - l.sheddable.clamp(0.0, 1.0))).max(0.0)
                    } else {
                        s
                    }
                })
                .collect();
            let total: f64 = avail.iter().sum();
            if total <= 0.0 {
                continue;
            }
            let cut = gap.min(total);
            for i in 0..loads.len() {
                served[i] = (served[i] - cut * avail[i] / total).max(0.0);
            }
            gap -= cut;
            if gap <= 1e-12 {
                break 'outer;
            }
        }
    }
    gap
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batt(soc: f64) -> Battery {
        Battery {
            id: "b".into(),
            bus: 0,
            energy_mwh: 1.0,
            power_mw: 0.5,
            eta_charge: 0.95,
            eta_discharge: 0.95,
            soc,
            soc_min: 0.1,
            soc_max: 0.95,
            soh: 1.0,
            in_service: true,
        }
    }

    fn loads() -> Vec<LoadDemand> {
        vec![
            LoadDemand {
                load: 0,
                p_mw: 0.3,
                priority: Priority::Critical,
                sheddable: 0.0,
            },
            LoadDemand {
                load: 1,
                p_mw: 0.3,
                priority: Priority::Essential,
                sheddable: 0.2,
            },
            LoadDemand {
                load: 2,
                p_mw: 0.4,
                priority: Priority::Normal,
                sheddable: 0.5,
            },
        ]
    }

    #[test]
    fn critical_load_is_the_last_to_be_shed() {
        let b = batt(0.9);
        let v = IslandView {
            dt_h: 0.25,
            loads: loads(),
            renewable_mw: 0.0,
            batteries: vec![(0, &b)],
            diesels: vec![],
            grid_import_mw: None,
            losses_mw: 0.0,
            exchange_mw: 0.0,
        };
        // Battery gives at most 0.5 MW: 0.5 MW of 1.0 MW must be shed.
        let s = settle(&v, &[]);
        assert!(
            (s.served_mw[0] - 0.3).abs() < 1e-12,
            "critical fully served"
        );
        assert!((s.served_mw[1] - 0.2).abs() < 1e-12, "essential loses 0.1");
        assert!(s.served_mw[2].abs() < 1e-12, "normal fully shed");
        assert!(s.balance_error_mw().abs() < 1e-9);
    }

    #[test]
    fn surplus_charges_then_curtails_and_balances() {
        let b = batt(0.9);
        let v = IslandView {
            dt_h: 1.0,
            loads: loads(),
            renewable_mw: 3.0,
            batteries: vec![(0, &b)],
            diesels: vec![],
            grid_import_mw: None,
            losses_mw: 0.01,
            exchange_mw: 0.0,
        };
        let s = settle(&v, &[]);
        let room = b.max_charge_mw(1.0);
        assert!((s.battery_mw[0] + room).abs() < 1e-12);
        assert!((s.curtailed_mw - (3.0 - 1.0 - 0.01 - room)).abs() < 1e-12);
        assert!(s.balance_error_mw().abs() < 1e-9);
    }

    #[test]
    fn baseline_keeps_battery_for_critical_loads_when_low() {
        let b = batt(0.3); // (0.3-0.1)/(0.95-0.1) = 0.235 < 0.25
        let v = IslandView {
            dt_h: 0.25,
            loads: loads(),
            renewable_mw: 0.0,
            batteries: vec![(0, &b)],
            diesels: vec![],
            grid_import_mw: None,
            losses_mw: 0.0,
            exchange_mw: 0.0,
        };
        let cmds = PriorityShedding::default().decide(&v);
        let s = settle(&v, &cmds);
        assert_eq!(s.served_mw[1], 0.0);
        assert_eq!(s.served_mw[2], 0.0);
        assert!((s.served_mw[0] - 0.3).abs() < 1e-12);
        assert!((s.battery_mw[0] - 0.3).abs() < 1e-12);
        assert!(s.balance_error_mw().abs() < 1e-9);
    }

    #[test]
    fn setpoints_are_clamped_to_limits() {
        let b = batt(0.12);
        let v = IslandView {
            dt_h: 1.0,
            loads: loads(),
            renewable_mw: 0.0,
            batteries: vec![(0, &b)],
            diesels: vec![],
            grid_import_mw: Some(10.0),
            losses_mw: 0.0,
            exchange_mw: 0.0,
        };
        let s = settle(
            &v,
            &[Command::SetBattery {
                battery: 0,
                p_mw: 5.0,
            }],
        );
        assert!((s.battery_mw[0] - b.max_discharge_mw(1.0)).abs() < 1e-12);
        assert!((s.grid_mw - (1.0 - s.battery_mw[0])).abs() < 1e-12);
        assert!(s.balance_error_mw().abs() < 1e-9);
    }

    #[test]
    fn export_is_cut_before_own_loads_and_unusable_import_is_refused() {
        // Loads total 1.0 MW (0.3 critical); no local sources: an export of
        // 0.5 MW cannot be supplied at all and is cut, loads are shed.
        let v = IslandView {
            dt_h: 1.0,
            loads: loads(),
            renewable_mw: 0.0,
            batteries: vec![],
            diesels: vec![],
            grid_import_mw: None,
            losses_mw: 0.0,
            exchange_mw: -0.5,
        };
        let s = settle(&v, &[]);
        assert_eq!(s.exchange_mw, 0.0);
        assert!(s.served_mw.iter().all(|&x| x == 0.0));
        assert!(s.balance_error_mw().abs() < 1e-12);
        // 1.6 MW of import into a 1.0 MW island: 0.6 MW is refused.
        let v2 = IslandView {
            exchange_mw: 1.6,
            ..v.clone()
        };
        let s2 = settle(&v2, &[]);
        assert!((s2.exchange_mw - 1.0).abs() < 1e-12);
        assert!((s2.served_mw.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // 0.4 MW of import serves the critical load (0.3 MW) first.
        let v3 = IslandView {
            exchange_mw: 0.4,
            ..v
        };
        let s3 = settle(&v3, &[]);
        assert!((s3.served_mw[0] - 0.3).abs() < 1e-12, "{:?}", s3.served_mw);
        assert!((s3.served_mw.iter().sum::<f64>() - 0.4).abs() < 1e-12);
        assert!(s3.balance_error_mw().abs() < 1e-12);
    }
}
