//! Synthetic communities of any size, for tests and the planner's speed
//! benchmark (the same shape as `agents/examples/plan_speed.rs`, with
//! random states drawn from a seed).

use agents::observe::{EdgeKind, HazardState, MicrogridState, Node, Observation, PathEdge};
use grid_model::network::Priority;
use grid_model::ops::{Battery, Diesel, LoadDemand};

use crate::rng::SplitMix64;

/// A community of `n` islanded microgrids, 24 h horizon in 1 h periods
/// after a 15-min interval. Two of three microgrids have a battery (random
/// size and state of charge), one in five a diesel (random fuel), the rest
/// nothing of their own; demand per class and PV are random. Edges: each
/// microgrid's feeder to the substation bus (intact with probability 1/2),
/// and tie lines in a ring over all microgrids, or, with `clusters`, in
/// rings of 10. With `connected_frac > 0` that fraction of microgrids is
/// still fed by the upstream grid.
pub fn community(n: usize, seed: u64, clusters: bool, connected_frac: f64) -> Observation {
    let mut rng = SplitMix64::fork(seed, "synthetic-community");
    let periods: Vec<f64> = std::iter::once(0.25)
        .chain(std::iter::repeat_n(1.0, 24))
        .collect();
    let np = periods.len();
    let mut microgrids = Vec::with_capacity(n);
    for i in 0..n {
        let has_batt = i % 3 != 0;
        let batteries = if has_batt {
            vec![(
                i,
                Battery {
                    id: format!("b{i}"),
                    bus: 0,
                    energy_mwh: 0.5 + 2.0 * rng.next_f64(),
                    power_mw: 0.2 + 0.5 * rng.next_f64(),
                    eta_charge: 0.95,
                    eta_discharge: 0.95,
                    soc: 0.1 + 0.85 * rng.next_f64(),
                    soc_min: 0.1,
                    soc_max: 0.95,
                    soh: 1.0,
                    in_service: rng.next_f64() > 0.05,
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
                    rated_mw: 0.3 + 0.4 * rng.next_f64(),
                    fuel_l: 3000.0 * rng.next_f64(),
                    f0_l_per_mwh_rated: Diesel::HOMER_F0,
                    f1_l_per_mwh: Diesel::HOMER_F1,
                    in_service: true,
                },
            )]
        } else {
            Vec::new()
        };
        let d = [
            0.02 + 0.15 * rng.next_f64(),
            0.02 + 0.15 * rng.next_f64(),
            0.05 + 0.3 * rng.next_f64(),
        ];
        let loads: Vec<LoadDemand> = [Priority::Critical, Priority::Essential, Priority::Normal]
            .iter()
            .enumerate()
            .map(|(c, &priority)| LoadDemand {
                load: 3 * i + c,
                p_mw: d[c],
                priority,
                sheddable: if c == 2 { 0.2 } else { 0.0 },
            })
            .collect();
        let pv = if has_batt { 0.5 * rng.next_f64() } else { 0.0 };
        let phase = rng.next_f64() * 24.0;
        let ren: Vec<f64> = (0..np)
            .map(|k| {
                pv * (((k as f64 + phase) / 24.0) * 2.0 * std::f64::consts::PI)
                    .sin()
                    .max(0.0)
            })
            .collect();
        let connected = rng.next_f64() < connected_frac;
        microgrids.push(MicrogridState {
            name: format!("mg{i}"),
            lat: 0.0,
            lon: 0.0,
            upstream_connected: connected,
            import_limit_mw: if connected { 5.0 } else { 0.0 },
            loads,
            renewable_mw: ren[0],
            batteries,
            diesels,
            losses_mw: 0.0,
            demand_forecast_mw: (0..np)
                .map(|k| {
                    let f = 1.0 + 0.2 * ((k as f64 / 24.0) * 2.0 * std::f64::consts::PI).sin();
                    [d[0], d[1] * f, d[2] * f]
                })
                .collect(),
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
            capacity_mw: 0.5 + 1.5 * rng.next_f64(),
            loss_frac: 0.02,
            intact: rng.next_f64() < 0.5,
            switch: i,
            closed: false,
        });
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
                capacity_mw: 0.1 + 0.9 * rng.next_f64(),
                loss_frac: 0.01,
                intact: rng.next_f64() < 0.8,
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
            severity: 4,
            hours_since_event: 6.0,
            upstream_up: connected_frac > 0.0,
            substation_ok: true,
            damaged: Vec::new(),
        },
    }
}
