//! Planning time per control interval: the shipped `gnn` planner against
//! the `optimal` LP on synthetic communities ([`gnn::synth::community`]:
//! 24 h horizon in 1 h periods after a 15-min interval; a ring of ties
//! plus feeders, half of them intact, so one sharing group of N).
//!
//! `cargo run --release -p gnn --example planner_speed -- 100 1000 10000`
//! prints one JSON line per size: the LP's time (skipped above
//! `PLANNER_SPEED_LP_MAX`, default 1000 microgrids), the GNN's whole plan
//! (features, forward pass, projection), its forward pass alone, and the
//! speedup, and the priority-weighted power the GNN's plan serves in this
//! interval relative to the LP's. Analyzer time (shared by every
//! strategy) is excluded.

use std::time::Instant;

use agents::OptimalPlanner;
use agents::plan::Strategy;

/// Priority-weighted power served this interval by a plan's dispatch
/// (`sum w_c * demand_c * (1 - shed_c)` over dispatched microgrids).
fn weighted_served(obs: &agents::Observation, plan: &agents::Plan) -> f64 {
    let mut s = 0.0;
    if let Some(d) = &plan.dispatch {
        for (m, x) in d.iter().enumerate() {
            if let Some(x) = x {
                let dem = gnn::planner::limits(obs, m).demand;
                for c in 0..3 {
                    s += agents::optimal::WEIGHTS[c] * dem[c] * (1.0 - x.shed[c]);
                }
            }
        }
    }
    s
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    let sizes = if sizes.is_empty() {
        vec![100, 1000, 10000]
    } else {
        sizes
    };
    let lp_max: usize = std::env::var("PLANNER_SPEED_LP_MAX")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let device = gnn::cpu();
    let mut gnn_plan = gnn::planner::GnnPlanner::shipped()?;
    for n in sizes {
        let obs = gnn::synth::community(n, 1, false, 0.0);
        let analyses = agents::Analyses::of(&obs);
        let input = analyses.input(&obs);
        // Warm-up, then the median of `reps`.
        let _ = gnn_plan.plan(&input)?;
        let reps = if n >= 10_000 { 5 } else { 20 };
        let mut t_plan = Vec::new();
        let mut t_fwd = Vec::new();
        let mut bad = 0;
        for _ in 0..reps {
            let t0 = Instant::now();
            let plan = gnn_plan.plan(&input)?;
            t_plan.push(t0.elapsed().as_secs_f64());
            bad += gnn::planner::check(&obs, &analyses.grid, &plan).len();
            let (g, x, _) = gnn::planner::encode(&input);
            let t1 = Instant::now();
            let gt = g.to_tensors(&device);
            let xt = burn::prelude::Tensor::<3>::from_data(
                burn::prelude::TensorData::new(x, [1, g.n, gnn::planner::NODE_DIM]),
                &device,
            );
            let y = gnn_plan.model().forward(xt, &gt);
            let _: Vec<f32> = y.into_data().iter::<f32>().collect();
            t_fwd.push(t1.elapsed().as_secs_f64());
        }
        let med = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let gnn_s = med(&mut t_plan);
        let fwd_s = med(&mut t_fwd);
        let gnn_served = weighted_served(&obs, &gnn_plan.plan(&input)?);
        let (lp_s, lp_served) = if n <= lp_max {
            let mut lp = OptimalPlanner::default();
            let t0 = Instant::now();
            let plan = lp.plan(&input)?;
            (
                Some(t0.elapsed().as_secs_f64()),
                Some(weighted_served(&obs, &plan)),
            )
        } else {
            (None, None)
        };
        println!(
            "{{\"microgrids\": {n}, \"optimal_s\": {}, \"gnn_plan_s\": {gnn_s:.6}, \"gnn_forward_s\": {fwd_s:.6}, \"speedup\": {}, \"infeasible_commands\": {bad}, \"interval_served_ratio\": {}}}",
            lp_s.map_or("null".into(), |s| format!("{s:.4}")),
            lp_s.map_or("null".into(), |s| format!("{:.1}", s / gnn_s)),
            lp_served.map_or("null".into(), |s| format!("{:.4}", gnn_served / s)),
        );
    }
    Ok(())
}
