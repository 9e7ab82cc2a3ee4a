//! The executor: turns a plan into [`Command`]s, refusing what cannot be
//! done.

use grid_model::ops::{Command, IslandView, Policy, PriorityShedding};

use crate::observe::{EdgeKind, MicrogridState, Observation, class_index};
use crate::plan::{Dispatch, Plan, Transfer};
use crate::roles::GridReport;

/// What the executor did with a plan.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Execution {
    /// Commands for the simulator or the devices.
    pub commands: Vec<Command>,
    /// Transfers carried out.
    pub accepted: Vec<Transfer>,
    /// Refusals, in words (a transfer over a broken or unusable path, or
    /// over capacity).
    pub refused: Vec<String>,
    /// Planned net import per microgrid (MW).
    pub exchange_mw: Vec<f64>,
}

/// The executor.
///
/// 1. Every transfer is checked: each edge of its path must be usable now
///    (intact, and in the grid analyzer's report) and the transfers' power
///    on each edge (the sent power less the losses of the path's earlier
///    edges) must stay within its capacity; otherwise the transfer is
///    refused and the refusal logged.
/// 2. Switches: the switches of the edges of accepted paths are closed;
///    other closed tie switches are opened, and so are closed feeder (PCC)
///    switches used for sharing that no accepted path needs (feeders are
///    left alone while the upstream grid feeds the hub).
/// 3. Each microgrid's units and loads: the plan's dispatch when it has one
///    (the optimal planner), clamped to every battery, diesel and fuel
///    limit; otherwise the local controller, [`PriorityShedding`], on the
///    microgrid's own view with the planned exchange.
/// 4. A [`Command::Transfer`] per accepted transfer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Executor {
    /// The local controller of each microgrid.
    pub local: PriorityShedding,
}

impl Executor {
    /// Carries out a plan: the four steps of the [`Executor`] docs, in
    /// order.
    pub fn execute(&mut self, obs: &Observation, grid: &GridReport, plan: &Plan) -> Execution {
        let mut ex = Execution {
            exchange_mw: vec![0.0; obs.microgrids.len()],
            ..Execution::default()
        };
        check_transfers(obs, grid, plan, &mut ex);
        set_switches(obs, grid, &mut ex);
        // Units and loads.
        for (m, mg) in obs.microgrids.iter().enumerate() {
            let planned = plan
                .dispatch
                .as_ref()
                .and_then(|d| d.get(m).copied().flatten());
            if let Some(d) = planned {
                follow_dispatch(obs, m, mg, &d, &mut ex);
            } else {
                self.run_local(obs, m, mg, &mut ex);
            }
        }
        for t in &ex.accepted {
            ex.commands.push(Command::Transfer {
                from: t.from,
                to: t.to,
                p_mw: t.sent_mw,
            });
        }
        ex
    }

    /// Step 3 without a planned dispatch: microgrid `m`'s local controller
    /// decides on its own view with the planned exchange.
    fn run_local(&mut self, obs: &Observation, m: usize, mg: &MicrogridState, ex: &mut Execution) {
        let view = IslandView {
            dt_h: obs.dt_h,
            loads: mg.loads.clone(),
            renewable_mw: if mg.can_form_grid() || mg.upstream_connected {
                mg.renewable_mw
            } else {
                0.0
            },
            batteries: mg.batteries.iter().map(|(k, b)| (*k, b)).collect(),
            diesels: mg.diesels.iter().map(|(k, d)| (*k, d)).collect(),
            grid_import_mw: mg.upstream_connected.then_some(mg.import_limit_mw),
            losses_mw: mg.losses_mw,
            exchange_mw: ex.exchange_mw[m],
        };
        // A microgrid without a grid-forming unit that imports is
        // energised by its neighbour: the joint island's settlement
        // sheds island-wide in priority order, so nothing is shed
        // here explicitly.
        let mut cmds = self.local.decide(&view);
        // A microgrid that shares takes no more than its own supply
        // plus what it imports (or less what it exports): loads
        // above that are shed, normal first, so a joint island does
        // not run one microgrid's units for another's loads beyond
        // the plan.
        if ex.exchange_mw[m].abs() > 1e-9 && !mg.upstream_connected {
            cap_loads(obs, mg, ex.exchange_mw[m], &mut cmds);
        }
        ex.commands.extend(cmds);
    }
}

/// Step 1: accepts each transfer whose path is usable now and within every
/// edge's capacity (after the transfers accepted before it), books its
/// exchange, and logs a refusal for every other.
fn check_transfers(obs: &Observation, grid: &GridReport, plan: &Plan, ex: &mut Execution) {
    let mut used = vec![0.0f64; obs.edges.len()];
    for t in &plan.transfers {
        let bad: Vec<&str> = t
            .path
            .iter()
            .filter(|&&e| !grid.usable.iter().any(|u| u.edge == e))
            .map(|&e| obs.edges.get(e).map_or("?", |x| x.id.as_str()))
            .collect();
        if t.path.is_empty() || !bad.is_empty() || !(t.sent_mw.is_finite() && t.sent_mw >= 0.0) {
            ex.refused.push(format!(
                "refused {:.3} MW from {} to {}: path {} is broken or not usable now",
                t.sent_mw,
                name(obs, t.from),
                name(obs, t.to),
                if bad.is_empty() {
                    "(empty)".to_string()
                } else {
                    bad.join(", ")
                }
            ));
            continue;
        }
        // Power on each edge of the path: the sent power less the losses
        // of the edges before it (as the router, the LP and its
        // decomposition book it).
        let mut on_edge = Vec::with_capacity(t.path.len());
        let mut flow = t.sent_mw;
        for &e in &t.path {
            on_edge.push((e, flow));
            flow *= 1.0 - obs.edges[e].loss_frac;
        }
        let over = on_edge
            .iter()
            .find(|&&(e, f)| used[e] + f > obs.edges[e].capacity_mw * (1.0 + 1e-6) + 1e-9);
        if let Some(&(e, f)) = over {
            ex.refused.push(format!(
                "refused {:.3} MW from {} to {}: {} would carry {:.3} MW over its {:.3} MW capacity",
                t.sent_mw,
                name(obs, t.from),
                name(obs, t.to),
                obs.edges[e].id,
                used[e] + f,
                obs.edges[e].capacity_mw
            ));
            continue;
        }
        for &(e, f) in &on_edge {
            used[e] += f;
        }
        ex.exchange_mw[t.from] -= t.sent_mw;
        ex.exchange_mw[t.to] += t.delivered_mw;
        ex.accepted.push(t.clone());
    }
}

/// Step 2: closes the switches of the edges of accepted paths; opens other
/// closed tie switches, and closed feeder switches while the hub is not fed
/// upstream.
fn set_switches(obs: &Observation, grid: &GridReport, ex: &mut Execution) {
    let mut need = vec![false; obs.edges.len()];
    for t in &ex.accepted {
        for &e in &t.path {
            need[e] = true;
        }
    }
    for (e, edge) in obs.edges.iter().enumerate() {
        if need[e] {
            if !edge.closed {
                ex.commands.push(Command::CloseSwitch {
                    switch: edge.switch,
                });
            }
        } else if edge.closed {
            let sharing_feeder = edge.kind == EdgeKind::Feeder && !grid.hub_fed;
            if edge.kind == EdgeKind::Tie || sharing_feeder {
                ex.commands.push(Command::OpenSwitch {
                    switch: edge.switch,
                });
            }
        }
    }
}

/// Step 3 with a planned dispatch `d` for microgrid `m`: batteries and
/// diesels in proportion to their limits, the planned shedding per class,
/// and loads capped to the supply plus exchange while sharing.
fn follow_dispatch(
    obs: &Observation,
    m: usize,
    mg: &MicrogridState,
    d: &Dispatch,
    ex: &mut Execution,
) {
    // Batteries in proportion to their available power.
    if d.battery_mw >= 0.0 {
        let caps: Vec<f64> = mg
            .batteries
            .iter()
            .map(|(_, b)| b.max_discharge_mw(obs.dt_h))
            .collect();
        split(&caps, d.battery_mw, |k, p| {
            ex.commands.push(Command::SetBattery {
                battery: mg.batteries[k].0,
                p_mw: p,
            });
        });
    } else {
        let caps: Vec<f64> = mg
            .batteries
            .iter()
            .map(|(_, b)| b.max_charge_mw(obs.dt_h))
            .collect();
        split(&caps, -d.battery_mw, |k, p| {
            ex.commands.push(Command::SetBattery {
                battery: mg.batteries[k].0,
                p_mw: -p,
            });
        });
    }
    let caps: Vec<f64> = mg.diesels.iter().map(|(_, g)| g.max_mw(obs.dt_h)).collect();
    split(&caps, d.diesel_mw, |k, p| {
        ex.commands.push(Command::SetDiesel {
            diesel: mg.diesels[k].0,
            p_mw: p,
        });
    });
    let mut sheds = Vec::new();
    for l in &mg.loads {
        let f = d.shed[class_index(l.priority)];
        if f > 1e-9 {
            sheds.push(Command::ShedLoad {
                load: l.load,
                fraction: f.clamp(0.0, 1.0),
            });
        }
    }
    if ex.exchange_mw[m].abs() > 1e-9 && !mg.upstream_connected {
        cap_loads(obs, mg, ex.exchange_mw[m], &mut sheds);
    }
    ex.commands.extend(sheds);
}

fn name(obs: &Observation, m: usize) -> &str {
    obs.microgrids.get(m).map_or("?", |x| x.name.as_str())
}

/// Splits `total` over units with the given limits, in proportion to them,
/// never above a unit's limit.
fn split(caps: &[f64], total: f64, mut emit: impl FnMut(usize, f64)) {
    let sum: f64 = caps.iter().map(|c| c.max(0.0)).sum();
    let total = total.clamp(0.0, sum);
    for (k, c) in caps.iter().enumerate() {
        let p = if sum > 0.0 {
            (total * c.max(0.0) / sum).min(c.max(0.0))
        } else {
            0.0
        };
        emit(k, p);
    }
}

/// Sheds a sharing microgrid's essential and normal loads above `own supply +
/// exchange` (supply goes to critical load first; sheds already commanded
/// count). Critical load is left to the joint island's settlement.
fn cap_loads(obs: &Observation, mg: &MicrogridState, exchange_mw: f64, cmds: &mut Vec<Command>) {
    let supply = if mg.can_form_grid() {
        mg.renewable_mw
            + mg.batteries
                .iter()
                .map(|(_, b)| b.max_discharge_mw(obs.dt_h))
                .sum::<f64>()
            + mg.diesels
                .iter()
                .map(|(_, d)| d.max_mw(obs.dt_h))
                .sum::<f64>()
    } else {
        0.0
    };
    let mut left = (supply + exchange_mw - mg.losses_mw).max(0.0);
    let shed_now = |load: usize, cmds: &[Command]| -> f64 {
        cmds.iter()
            .rev()
            .find_map(|c| match *c {
                Command::ShedLoad { load: l, fraction } if l == load => Some(fraction),
                _ => None,
            })
            .unwrap_or(0.0)
    };
    for cls in crate::observe::CLASSES {
        for l in mg.loads.iter().filter(|l| l.priority == cls) {
            let p = l.p_mw.max(0.0);
            if p <= 0.0 {
                continue;
            }
            let want = p * (1.0 - shed_now(l.load, cmds));
            let served = want.min(left);
            left -= served;
            let f = 1.0 - served / p;
            // Critical load is never shed here: if the joint island runs
            // short, its settlement sheds island-wide, lower classes first.
            if cls != grid_model::network::Priority::Critical && f > shed_now(l.load, cmds) + 1e-12
            {
                cmds.push(Command::ShedLoad {
                    load: l.load,
                    fraction: f.clamp(0.0, 1.0),
                });
            }
        }
    }
}
