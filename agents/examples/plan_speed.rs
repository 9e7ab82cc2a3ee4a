//! Planning time per control interval for the `optimal` and `market`
//! strategies on synthetic communities of N microgrids, 24 h horizon in
//! 1 h periods after a 15-min interval, on two topologies:
//!
//! * `ring+hub`: a ring of tie lines plus feeders (half of them intact) to
//!   the substation bus: every microgrid can reach every other, one
//!   sharing group of N (the worst case for the planner);
//! * `clusters`: the substation is damaged, ties join microgrids in rings
//!   of 10: N/10 sharing groups, each planned on its own.
//!
//! `cargo run --release -p agents --example plan_speed -- 10 100 1000`
//! prints one JSON line per strategy, solver, topology and size. The
//! simplex on one group is skipped above 100 microgrids (it takes minutes);
//! `PLAN_SPEED_SIMPLEX_MAX=1000` runs it anyway.

// Test and example code: a failed expectation ends the run with its message.
#![allow(clippy::expect_used, clippy::panic)]

use std::time::Instant;

use agents::observe::{EdgeKind, HazardState, MicrogridState, Node, Observation, PathEdge};
use agents::optimal::LpSolver;
use agents::{DisasterAnalyzer, Executor, OptimalPlanner, Pipeline, Strategy};
use grid_model::network::Priority;
use grid_model::ops::{Battery, Diesel, LoadDemand};

fn community(n: usize, clusters: bool) -> Observation {
    let periods: Vec<f64> = std::iter::once(0.25)
        .chain(std::iter::repeat_n(1.0, 24))
        .collect();
    let np = periods.len();
    let mut microgrids = Vec::with_capacity(n);
    for i in 0..n {
        // Every third microgrid has no source of its own; the others a
        // battery, and every fifth a diesel.
        let has_batt = i % 3 != 0;
        let batteries = if has_batt {
            vec![(
                i,
                Battery {
                    id: format!("b{i}"),
                    bus: 0,
                    energy_mwh: 1.0 + (i % 4) as f64 * 0.5,
                    power_mw: 0.5,
                    eta_charge: 0.95,
                    eta_discharge: 0.95,
                    soc: 0.3 + 0.6 * ((i * 37) % 100) as f64 / 100.0,
                    soc_min: 0.1,
                    soc_max: 0.95,
                    soh: 1.0,
                    in_service: true,
                },
            )]
        } else {
            Vec::new()
        };
        let diesels = if i % 5 == 1 {
            vec![(
                i,
                Diesel {
                    id: format!("d{i}"),
                    bus: 0,
                    rated_mw: 0.5,
                    fuel_l: 2000.0,
                    f0_l_per_mwh_rated: Diesel::HOMER_F0,
                    f1_l_per_mwh: Diesel::HOMER_F1,
                    in_service: true,
                },
            )]
        } else {
            Vec::new()
        };
        let loads = vec![
            LoadDemand {
                load: 3 * i,
                p_mw: 0.1,
                priority: Priority::Critical,
                sheddable: 0.0,
            },
            LoadDemand {
                load: 3 * i + 1,
                p_mw: 0.1,
                priority: Priority::Essential,
                sheddable: 0.0,
            },
            LoadDemand {
                load: 3 * i + 2,
                p_mw: 0.3,
                priority: Priority::Normal,
                sheddable: 0.2,
            },
        ];
        let ren: Vec<f64> = (0..np)
            .map(|k| {
                if has_batt {
                    0.3 * ((k as f64 / 24.0) * std::f64::consts::PI).sin().max(0.0)
                } else {
                    0.0
                }
            })
            .collect();
        microgrids.push(MicrogridState {
            name: format!("mg{i}"),
            lat: 0.0,
            lon: 0.0,
            upstream_connected: false,
            import_limit_mw: 0.0,
            loads,
            renewable_mw: ren[0],
            batteries,
            diesels,
            losses_mw: 0.0,
            demand_forecast_mw: vec![[0.1, 0.1, 0.3]; np],
            renewable_forecast_mw: ren,
            damaged_sites: (0, 3),
        });
    }
    let mut edges = Vec::new();
    for i in 0..n {
        edges.push(PathEdge {
            id: format!("mg{i}-feeder"),
            kind: EdgeKind::Feeder,
            a: Node::Mg(i),
            b: Node::Hub,
            capacity_mw: 2.0,
            loss_frac: 0.02,
            // Half the feeders are damaged: sharing goes over the ring too.
            intact: i % 2 == 0,
            switch: i,
            closed: false,
        });
        // Ring of all microgrids, or rings of 10.
        let next = if clusters {
            let base = i - i % 10;
            let size = 10.min(n - base);
            base + (i - base + 1) % size
        } else {
            (i + 1) % n
        };
        if next != i {
            edges.push(PathEdge {
                id: format!("tie-{i}"),
                kind: EdgeKind::Tie,
                a: Node::Mg(i),
                b: Node::Mg(next),
                capacity_mw: 1.0,
                loss_frac: 0.01,
                intact: true,
                switch: n + i,
                closed: false,
            });
        }
    }
    Observation {
        time_ms: 0,
        replica: 0,
        dt_h: 0.25,
        periods_h: periods,
        microgrids,
        edges,
        hazard: HazardState {
            kind: "earthquake".into(),
            severity: 3,
            hours_since_event: 1.0,
            upstream_up: false,
            substation_ok: !clusters,
            damaged: Vec::new(),
        },
    }
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10, 100, 1000]
    } else {
        sizes
    };
    let simplex_max: usize = std::env::var("PLAN_SPEED_SIMPLEX_MAX")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    for &n in &sizes {
        for (topology, clusters) in [("ring+hub", false), ("clusters", true)] {
            let obs = community(n, clusters);
            let mut runs: Vec<(&str, Box<dyn Strategy>)> =
                vec![("market", agents::strategy("market").expect("known"))];
            for (name, solver) in [
                ("optimal/simplex", LpSolver::Simplex),
                ("optimal/interior-point", LpSolver::InteriorPoint),
                ("optimal/auto", LpSolver::Auto),
            ] {
                // The simplex on one group of more than `simplex_max`.
                if solver == LpSolver::Simplex && !clusters && n > simplex_max {
                    continue;
                }
                runs.push((
                    name,
                    Box::new(OptimalPlanner {
                        solver,
                        ..OptimalPlanner::default()
                    }),
                ));
            }
            for (strategy, st) in runs {
                let mut p =
                    Pipeline::with_strategy(st, Executor::default(), DisasterAnalyzer::default());
                let reps = if n >= 1000 {
                    1
                } else if n >= 100 {
                    3
                } else {
                    20
                };
                let t0 = Instant::now();
                let mut transfers = 0;
                for _ in 0..reps {
                    transfers = p.step(&obs).plan.transfers.len();
                }
                let s = t0.elapsed().as_secs_f64() / reps as f64;
                println!(
                    "{{\"strategy\":\"{strategy}\",\"topology\":\"{topology}\",\"microgrids\":{n},\"seconds_per_interval\":{s:.6},\"transfers\":{transfers}}}"
                );
            }
        }
    }
}
