//! The `priority` strategy: a greedy, critical-first sharing heuristic.

use crate::observe::Observation;
use crate::plan::{Plan, PlanError, PlanInput, Router, Strategy, Transfer, own_position};

/// Greedy critical-first sharing.
///
/// Every interval, among islanded microgrids that can reach each other:
///
/// 1. each microgrid's own supply this interval (renewables, plus what its
///    batteries and diesels can give) is allocated to its own demand,
///    critical first ([`own_position`]); what it cannot cover is its deficit
///    per class, what is left its spare power;
/// 2. a microgrid may give only while its energy over the planning horizon
///    (renewables + storage + fuel, from the energy analyzer) exceeds its
///    own critical and essential demand over the horizon, by `margin`
///    (default 10 %); it gives at most its spare power and at most that
///    energy surplus spread over the horizon;
/// 3. deficits are served class by class (critical, then essential; normal
///    loads are not served by sharing), the largest deficit first; each is
///    taken from the donor with the most spare power, over the path with
///    the fewest edges that still has capacity, until the deficit or the
///    donors are exhausted;
/// 4. a critical deficit still left is covered by donors that serve their
///    own essential or normal load: they shed it and give that power (no
///    microgrid's critical load goes short while a joined neighbour serves
///    lower classes), whatever their energy margin.
///
/// Ties are broken by microgrid index, so the plan is deterministic.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorityHeuristic {
    /// Required energy margin of a donor over its own critical + essential
    /// horizon demand (fraction).
    pub margin: f64,
}

impl Default for PriorityHeuristic {
    fn default() -> Self {
        PriorityHeuristic { margin: 0.1 }
    }
}

impl Strategy for PriorityHeuristic {
    fn name(&self) -> &'static str {
        "priority"
    }

    fn plan(&mut self, input: &PlanInput<'_>) -> Result<Plan, PlanError> {
        let obs = input.obs;
        let horizon_h: f64 = obs.periods_h.iter().sum::<f64>().max(obs.dt_h);
        let mut sharing = Sharing {
            obs,
            router: Router::new(input.grid),
            transfers: Vec::new(),
            notes: Vec::new(),
        };
        for group in &input.grid.groups {
            let pos = self.positions(input, group, horizon_h);
            // What each donor has given in this group, across both classes.
            let mut given_by: Vec<(usize, f64)> = Vec::new();
            for class in 0..2 {
                sharing.serve_class(&pos, class, &mut given_by);
            }
        }
        let Sharing {
            transfers, notes, ..
        } = sharing;
        let rationale = rationale(&transfers, notes);
        Ok(Plan {
            strategy: "priority".into(),
            confidence: 0.8,
            transfers,
            rationale,
            ..Plan::default()
        })
    }
}

/// The positions of one group's microgrids (steps 1 and 2), each list in
/// group order.
struct GroupPositions {
    /// Deficit per class (critical, essential, normal) of each microgrid.
    deficit: Vec<(usize, [f64; 3])>,
    /// What each microgrid may give for a receiver's critical and for its
    /// essential load.
    spare_by_class: Vec<(usize, [f64; 2])>,
    /// Power of each grid-forming microgrid beyond its own critical load
    /// (step 4).
    lower: Vec<(usize, f64)>,
}

impl PriorityHeuristic {
    /// Steps 1 and 2 for the microgrids of `group`: own deficits, and what
    /// each may give given its energy over the horizon of `horizon_h` hours.
    fn positions(&self, input: &PlanInput<'_>, group: &[usize], horizon_h: f64) -> GroupPositions {
        let obs = input.obs;
        let mut deficit = Vec::new();
        let mut spare_by_class: Vec<(usize, [f64; 2])> = Vec::new();
        let mut lower: Vec<(usize, f64)> = Vec::new();
        for &m in group {
            let (d, s) = own_position(obs, m);
            let mg = &obs.microgrids[m];
            let mut need = 0.0;
            for (k, h) in obs.periods_h.iter().enumerate() {
                let f = mg.demand_forecast_mw.get(k).copied().unwrap_or([0.0; 3]);
                need += (f[0] + f[1]) * h;
            }
            let e = &input.energy.positions[m];
            let have = e.stored_mwh
                + e.fuel_mwh
                + obs
                    .periods_h
                    .iter()
                    .enumerate()
                    .map(|(k, h)| mg.renewable_forecast_mw.get(k).copied().unwrap_or(0.0) * h)
                    .sum::<f64>();
            let surplus_e = have - need * (1.0 + self.margin);
            // Spare power for a receiver's critical load: what is left
            // after the donor's own critical load (the donor sheds its
            // own lower classes first); for essential load: after its own
            // critical and essential load.
            let dem = mg.demand_by_class();
            let give = |own: f64| {
                if surplus_e > 0.0 && mg.can_form_grid() {
                    (s + dem[0] + dem[1] + dem[2] - own)
                        .max(0.0)
                        .min(surplus_e / horizon_h)
                } else {
                    0.0
                }
            };
            if mg.can_form_grid() {
                // Power now beyond its own critical load (its own
                // essential and normal load would be shed to give it).
                lower.push((m, (s + dem[1] + dem[2]).max(0.0)));
            }
            deficit.push((m, d));
            spare_by_class.push((m, [give(dem[0]), give(dem[0] + dem[1])]));
        }
        GroupPositions {
            deficit,
            spare_by_class,
            lower,
        }
    }
}

/// The sharing plan as it is built, over all groups.
struct Sharing<'a> {
    obs: &'a Observation,
    /// Residual edge capacities, shared by all groups.
    router: Router,
    /// Transfers booked so far.
    transfers: Vec<Transfer>,
    /// Deficits left unserved, in words.
    notes: Vec<String>,
}

impl Sharing<'_> {
    /// Step 3 for class `class` (0 critical, 1 essential) of one group, and
    /// step 4 for critical load: serves the group's deficits of that class,
    /// largest first.
    fn serve_class(
        &mut self,
        pos: &GroupPositions,
        class: usize,
        given_by: &mut Vec<(usize, f64)>,
    ) {
        let mut spare: Vec<(usize, f64)> = pos
            .spare_by_class
            .iter()
            .map(|(m, g)| (*m, g[class]))
            .collect();
        // What was given for critical load is gone for essential.
        for (m, given) in given_by.iter() {
            if let Some(x) = spare.iter_mut().find(|x| x.0 == *m) {
                x.1 = (x.1 - given).max(0.0);
            }
        }
        let mut order: Vec<(usize, f64)> = pos
            .deficit
            .iter()
            .map(|(m, d)| (*m, d[class]))
            .filter(|(_, d)| *d > 1e-9)
            .collect();
        order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        for (to, mut want) in order {
            want = self.from_spare(&mut spare, to, want, class, given_by);
            if want > 1e-9 && class == 0 {
                // Critical first across microgrids: donors that still
                // serve their own essential or normal load give that
                // power too (their own lower classes are shed), so no
                // microgrid's critical load goes short while a joined
                // neighbour serves lower classes.
                want = self.from_lower(&pos.lower, to, want, given_by);
            }
            if want > 1e-9 {
                self.notes.push(format!(
                    "{:.3} MW of {} {} load left unserved: no donor or path capacity",
                    want,
                    self.obs.microgrids[to].name,
                    ["critical", "essential"][class]
                ));
            }
        }
    }

    /// Step 3 for one receiver: takes up to `want` MW for `to` from the
    /// donor with the most spare power, again and again, until the deficit
    /// or the donors are exhausted. Returns what is still wanted.
    fn from_spare(
        &mut self,
        spare: &mut [(usize, f64)],
        to: usize,
        mut want: f64,
        class: usize,
        given_by: &mut Vec<(usize, f64)>,
    ) -> f64 {
        while let Some(di) = spare
            .iter()
            .enumerate()
            .filter(|(_, (m, s))| *m != to && *s > 1e-9)
            .max_by(|a, b| a.1.1.total_cmp(&b.1.1).then(b.1.0.cmp(&a.1.0)))
            .map(|(i, _)| i)
        {
            let from = spare[di].0;
            let reason = format!(
                "{} cannot cover its {} load; {} has spare power and energy beyond its own critical and essential need",
                self.obs.microgrids[to].name,
                ["critical", "essential"][class],
                self.obs.microgrids[from].name
            );
            match book(&mut self.router, from, to, spare[di].1, want, reason) {
                Some(t) => {
                    spare[di].1 -= t.sent_mw;
                    add_given(given_by, from, t.sent_mw);
                    want -= t.delivered_mw;
                    self.transfers.push(t);
                }
                // No path with capacity from this donor.
                None => spare[di].1 = 0.0,
            }
            if want <= 1e-9 {
                break;
            }
        }
        want
    }

    /// Step 4 for one receiver: donors that still serve their own lower
    /// classes give that power (less what they gave already) for `to`'s
    /// critical load. Returns what is still wanted.
    fn from_lower(
        &mut self,
        lower: &[(usize, f64)],
        to: usize,
        mut want: f64,
        given_by: &mut Vec<(usize, f64)>,
    ) -> f64 {
        for &(from, freed) in lower {
            if want <= 1e-9 {
                break;
            }
            let used: f64 = given_by.iter().filter(|x| x.0 == from).map(|x| x.1).sum();
            let left = (freed - used).max(0.0);
            if from == to || left <= 1e-9 {
                continue;
            }
            let reason = format!(
                "{} cannot cover its critical load; {} sheds its own lower-priority load to give the power",
                self.obs.microgrids[to].name, self.obs.microgrids[from].name
            );
            if let Some(t) = book(&mut self.router, from, to, left, want, reason) {
                add_given(given_by, from, t.sent_mw);
                want -= t.delivered_mw;
                self.transfers.push(t);
            }
        }
        want
    }
}

/// The plan's rationale: the transfers booked and the deficits left.
fn rationale(transfers: &[Transfer], notes: Vec<String>) -> String {
    if transfers.is_empty() {
        "no microgrid with a critical or essential deficit has a donor it can reach".into()
    } else {
        let mut s = format!(
            "greedy critical-first sharing: {} transfer(s), {:.3} MW delivered",
            transfers.len(),
            transfers.iter().map(|t| t.delivered_mw).sum::<f64>()
        );
        for n in notes {
            s.push_str("; ");
            s.push_str(&n);
        }
        s
    }
}

/// Routes up to `limit` MW of sent power from `from` to `to`, enough to
/// deliver `want` MW over a lossy path (the router caps it by capacity);
/// `None` when no path has capacity.
fn book(
    router: &mut Router,
    from: usize,
    to: usize,
    limit: f64,
    want: f64,
    reason: String,
) -> Option<Transfer> {
    let (path, sent, delivered) = router.route(from, to, limit.min(want * 1.2))?;
    let delivered_used = delivered.min(want);
    let sent_used = if delivered > 0.0 {
        sent * delivered_used / delivered
    } else {
        0.0
    };
    Some(Transfer {
        from,
        to,
        sent_mw: sent_used,
        delivered_mw: delivered_used,
        path,
        reason,
    })
}

/// Adds to what a donor has given.
fn add_given(given_by: &mut Vec<(usize, f64)>, from: usize, sent: f64) {
    match given_by.iter_mut().find(|x| x.0 == from) {
        Some(x) => x.1 += sent,
        None => given_by.push((from, sent)),
    }
}
