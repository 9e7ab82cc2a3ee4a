//! One replica: the discrete-event model that operates the community over
//! the horizon (sim-core kernel), and its per-replica results.
//!
//! Events (sim-core phases; lower phases run first at equal
//! times): `SiteFailed` and `SiteRepaired` (phase 0), `UpstreamLost` and
//! `UpstreamRestored` (phase 0), `Control` (phase 1) every control interval. Each
//! `Control` step:
//!
//! 1. sets element statuses from damage and the upstream grid: a microgrid's
//!    PCC switch is closed while its feeder and the substation are up and
//!    the upstream grid is available (it islands otherwise, and
//!    re-synchronises when they return), or while the agents use the feeder
//!    to share energy through the intact substation bus with the upstream
//!    grid down; a tie switch is closed while the agents use the tie and the
//!    tie line is intact; batteries form the grid whenever they are in
//!    service, diesels while they have fuel;
//! 2. processes the topology (energised islands, one slack each: the
//!    upstream source, else the grid-forming unit with the most headroom);
//! 3. runs the agents' pipeline (`agents::Pipeline`: disaster, energy and
//!    grid analyzers, the decision maker's strategy, the executor) on an
//!    observation of the community; its switch commands open and close tie
//!    lines and the PCCs used for sharing through the substation bus (a
//!    command on a damaged path is refused and logged), and its unit and
//!    load commands are settled per energised island
//!    ([`grid_model::ops::settle`]);
//! 4. runs an AC power flow per island (the slack takes the losses; the
//!    loss estimate carries to the next step), so that per island
//!    `generation = load served + storage charge + losses` holds exactly;
//!    an island whose power flow fails collapses (serves nothing) for the
//!    step;
//! 5. integrates storage and fuel and records the step.

use agents::observe::{EdgeKind, HazardState, MicrogridState, Node, Observation, PathEdge};
use agents::{DecisionRecord, DisasterAnalyzer, Executor, Pipeline};
use grid_model::network::Priority;
use grid_model::ops::{Battery, Command, Diesel, IslandView, LoadDemand, PriorityShedding, settle};
use grid_model::pf::{Init, PfOptions, PowerFlow};
use grid_model::topology::SlackRule;
use sim_core::prelude::*;
use sim_core::recorder::{EntityKey, MetricKey};
use sim_core::time::{SimDuration, SimTime};

use scenario::community::{Community, LoadAsset, SiteKind};
use scenario::hazard::SiteDamage;

/// Replica-independent, precomputed inputs.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The community as built.
    pub community: Community,
    /// Number of control steps.
    pub steps: usize,
    /// Control interval.
    pub interval: SimDuration,
    /// Demand per step and load (MW).
    pub demand: Vec<Vec<f64>>,
    /// PV AC output (MW) per step, PV and cloud level: `pv[step][pv][j]` at
    /// clear-sky index `j / 10` (linear in between).
    pub pv: Vec<Vec<[f64; 11]>>,
    /// Wind output (MW) per step and turbine.
    pub wind: Vec<Vec<f64>>,
    /// Policy: the name of the decision maker's strategy in `strategies`.
    pub policy: String,
    /// The strategies the policy is looked up in.
    pub strategies: agents::pipeline::Strategies,
    /// Reserve thresholds of the priority policy.
    pub reserves: (f64, f64),
    /// Record per-asset series (false: system only).
    pub detail: bool,
    /// Settings of the agents.
    pub agents: AgentSettings,
}

/// Settings of the agents' pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentSettings {
    /// Planning horizon in control steps.
    pub horizon_steps: usize,
    /// Planning period after the first interval, in control steps.
    pub block_steps: usize,
    /// Disaster analyzer: planned outage after the event (h).
    pub assumed_outage_h: f64,
    /// Disaster analyzer: planned minimum remaining outage (h).
    pub min_remaining_h: f64,
    /// Keep the decision log.
    pub log_decisions: bool,
    /// Give the disaster analyzer the scenario's knowledge graph.
    pub knowledge_graph: bool,
    /// Hazard kind (for the disaster analyzer).
    pub hazard_kind: String,
}

/// Per-replica inputs sampled from the hazard and the upstream grid.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicaPlan {
    /// Damaged sites with failure and repair times.
    pub damage: Vec<SiteDamage>,
    /// Upstream lost at the event (t = 0).
    pub upstream_lost: bool,
    /// Hours until the upstream grid returns (if lost).
    pub upstream_back_h: Option<f64>,
    /// Cloud factor (clear-sky index) per step.
    pub cloud: Vec<f64>,
    /// Mobile generator trucks: (diesel slot index, arrival hours).
    pub mobile: Vec<(usize, f64)>,
}

/// What one replica produces.
#[derive(Debug, Clone)]
pub struct ReplicaResult {
    /// Time series and events.
    pub recorder: Recorder,
    /// Served fraction of demand per step (system).
    pub served_fraction: Vec<f64>,
    /// Served fraction of critical demand per step.
    pub critical_fraction: Vec<f64>,
    /// Energy demanded (MWh).
    pub demand_mwh: f64,
    /// Energy served (MWh).
    pub served_mwh: f64,
    /// Critical energy demanded (MWh).
    pub critical_demand_mwh: f64,
    /// Critical energy served (MWh).
    pub critical_served_mwh: f64,
    /// Customer interruptions (count).
    pub customer_interruptions: f64,
    /// Customer-hours of interruption.
    pub customer_hours: f64,
    /// Customers served by the community.
    pub customers: f64,
    /// Largest per-island energy-balance error seen (MW).
    pub max_balance_error_mw: f64,
    /// Sites failed in this replica.
    pub failed_sites: Vec<usize>,
    /// Lowest and highest battery SoC seen, relative to bounds:
    /// min(soc - soc_min), min(soc_max - soc).
    pub soc_margin: (f64, f64),
    /// Energy served to loads in dark islands (must be 0).
    pub dark_served_mwh: f64,
    /// Per priority class (critical, essential, normal): first step at which
    /// the class was shed anywhere while another class was still served
    /// above its floor in the same island; used to check the shedding order.
    pub order_violations: u32,
    /// The agents' decision log.
    pub decisions: Vec<DecisionRecord>,
    /// Energy delivered between microgrids by planned transfers (MWh).
    pub shared_mwh: f64,
}

#[derive(Debug, Clone)]
enum Ev {
    Control,
    Fail(usize),
    Repair(usize),
    UpstreamLost,
    UpstreamBack,
    MobileArrives(usize),
    /// Live twin only: an outside event for the [`LiveHook`].
    Live(LiveEvent),
}

struct Model<'a> {
    prep: &'a Prepared,
    plan: &'a ReplicaPlan,
    net: grid_model::Network,
    batteries: Vec<grid_model::ops::Battery>,
    diesels: Vec<grid_model::ops::Diesel>,
    failed: Vec<bool>,
    upstream_up: bool,
    statuses: Vec<bool>,
    pf: Option<PowerFlow>,
    topo: grid_model::topology::Topology,
    loss_est: Vec<f64>,
    pcc_closed: Vec<bool>,
    interrupted: Vec<bool>,
    pipeline: Pipeline,
    /// Tie switches the agents hold closed.
    tie_closed: Vec<bool>,
    /// PCCs the agents hold closed for sharing through the substation bus.
    pcc_share: Vec<bool>,
    out: ReplicaResult,
    step: usize,
    rec_keys: Keys,
    /// Live twin only (None in batch runs).
    live: Option<LiveSlot<'a>>,
    /// Stepping controller only (None in batch runs, see [`run_replica_stepped`]).
    on_step: Option<&'a mut OnStep<'a>>,
}

struct Keys {
    system: EntityKey,
    served_frac: MetricKey,
    crit_frac: MetricKey,
    served_mw: MetricKey,
    demand_mw: MetricKey,
    losses_mw: MetricKey,
    islands: MetricKey,
    soc: MetricKey,
    fuel: MetricKey,
    islanded: MetricKey,
    mg: Vec<EntityKey>,
    batt: Vec<EntityKey>,
    dsl: Vec<EntityKey>,
}

/// Runs one replica.
pub fn run_replica(
    prep: &Prepared,
    plan: &ReplicaPlan,
    replica: u32,
) -> Result<ReplicaResult, SimError> {
    let mut sim = build_sim(prep, plan, replica, None, None, None)?;
    let end_ms = prep.interval.as_millis().max(1) as u64 * prep.steps as u64;
    sim.run_until(SimTime::from_millis(end_ms.saturating_sub(1)))?;
    let m = sim.into_model();
    Ok(m.out)
}

/// What one control step served, per microgrid and priority class, for a
/// stepping controller (see [`run_replica_stepped`] and [`crate::env`]).
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    /// Index of the control step (0-based).
    pub step: usize,
    /// Simulation time of the step (ms).
    pub time_ms: u64,
    /// Length of the step (h).
    pub dt_h: f64,
    /// Demand per microgrid and class (critical, essential, normal), MW.
    pub demand_mw: Vec<[f64; 3]>,
    /// Served load per microgrid and class, MW.
    pub served_mw: Vec<[f64; 3]>,
}

/// Called after every control step of a stepped replica; returning `false`
/// stops the replica (it then fails with "stopped by the controller").
pub type OnStep<'a> = dyn FnMut(&StepRecord) -> bool + Send + 'a;

/// Runs one replica with `strategy` as the decision maker (instead of the
/// scenario's policy) and `on_step` called after every control step. With
/// the strategy that the scenario names and an `on_step` that always
/// returns true, the result is the same as [`run_replica`]'s.
///
/// # Errors
/// A failure of the model, or `on_step` returning false.
pub fn run_replica_stepped<'a>(
    prep: &'a Prepared,
    plan: &'a ReplicaPlan,
    replica: u32,
    strategy: Box<dyn agents::Strategy>,
    on_step: &'a mut OnStep<'a>,
) -> Result<ReplicaResult, SimError> {
    let mut sim = build_sim(prep, plan, replica, None, Some(strategy), Some(on_step))?;
    let end_ms = prep.interval.as_millis().max(1) as u64 * prep.steps as u64;
    sim.run_until(SimTime::from_millis(end_ms.saturating_sub(1)))?;
    let m = sim.into_model();
    Ok(m.out)
}

/// The scenario's knowledge graph as the disaster analyzer's impact graph
/// (`[policy] knowledge_graph = true`).
#[cfg(feature = "knowledge-graph")]
fn impact_graph(c: &Community) -> Result<Box<dyn agents::ImpactGraph>, SimError> {
    let g = crate::kg::KgImpact::new(c).map_err(|e| SimError::model(e.to_string()))?;
    Ok(Box::new(g))
}

/// Without the `knowledge-graph` feature there is no graph to ask.
#[cfg(not(feature = "knowledge-graph"))]
fn impact_graph(_c: &Community) -> Result<Box<dyn agents::ImpactGraph>, SimError> {
    Err(SimError::model(
        "`[policy] knowledge_graph = true` needs the engine's `knowledge-graph` feature, which this build lacks",
    ))
}

/// The replica's simulation with its initial events scheduled (`live`: the
/// live twin's hook; `strategy` and `on_step`: a stepping controller's;
/// all None in batch runs).
fn build_sim<'a>(
    prep: &'a Prepared,
    plan: &'a ReplicaPlan,
    replica: u32,
    live: Option<LiveSlot<'a>>,
    strategy: Option<Box<dyn agents::Strategy>>,
    on_step: Option<&'a mut OnStep<'a>>,
) -> Result<Simulation<Model<'a>>, SimError> {
    let c = &prep.community;
    let mut rec = Recorder::new(replica);
    let keys = Keys {
        system: rec.entity_key("system"),
        served_frac: rec.metric_key("served_load_fraction"),
        crit_frac: rec.metric_key("critical_served_fraction"),
        served_mw: rec.metric_key("served_mw"),
        demand_mw: rec.metric_key("demand_mw"),
        losses_mw: rec.metric_key("losses_mw"),
        islands: rec.metric_key("energised_islands"),
        soc: rec.metric_key("soc"),
        fuel: rec.metric_key("fuel_l"),
        islanded: rec.metric_key("islanded"),
        mg: c
            .microgrids
            .iter()
            .map(|m| rec.entity_key(&m.name))
            .collect(),
        batt: c
            .batteries
            .iter()
            .map(|b| rec.entity_key(&b.0.id))
            .collect(),
        dsl: c.diesels.iter().map(|d| rec.entity_key(&d.0.id)).collect(),
    };
    let exec = Executor {
        local: PriorityShedding {
            reserve_normal: prep.reserves.0,
            reserve_essential: prep.reserves.1,
        },
    };
    let analyzer = DisasterAnalyzer {
        assumed_outage_h: prep.agents.assumed_outage_h,
        min_remaining_h: prep.agents.min_remaining_h,
    };
    let mut pipeline = match strategy {
        Some(st) => Pipeline::with_strategy(st, exec, analyzer),
        None => Pipeline::with_strategy(
            prep.strategies
                .make(&prep.policy)
                .ok_or_else(|| SimError::model(format!("unknown policy `{}`", prep.policy)))?,
            exec,
            analyzer,
        ),
    };
    if prep.agents.knowledge_graph {
        pipeline = pipeline.with_impact_graph(impact_graph(c)?);
    }
    let model = Model {
        prep,
        plan,
        net: c.net.clone(),
        batteries: c.batteries.iter().map(|b| b.0.clone()).collect(),
        diesels: c.diesels.iter().map(|d| d.0.clone()).collect(),
        failed: vec![false; c.sites.len()],
        upstream_up: true,
        statuses: Vec::new(),
        pf: None,
        topo: grid_model::topology::Topology::new(&c.net, SlackRule::MostHeadroom),
        loss_est: vec![0.0; c.net.buses.len()],
        pcc_closed: vec![true; c.microgrids.len()],
        interrupted: vec![false; c.loads.len()],
        pipeline,
        tie_closed: vec![false; c.ties.len()],
        pcc_share: vec![false; c.microgrids.len()],
        out: ReplicaResult {
            recorder: rec,
            served_fraction: Vec::with_capacity(prep.steps),
            critical_fraction: Vec::with_capacity(prep.steps),
            demand_mwh: 0.0,
            served_mwh: 0.0,
            critical_demand_mwh: 0.0,
            critical_served_mwh: 0.0,
            customer_interruptions: 0.0,
            customer_hours: 0.0,
            customers: c.loads.iter().map(|l| f64::from(l.customers)).sum(),
            max_balance_error_mw: 0.0,
            failed_sites: Vec::new(),
            soc_margin: (f64::INFINITY, f64::INFINITY),
            dark_served_mwh: 0.0,
            order_violations: 0,
            decisions: Vec::new(),
            shared_mwh: 0.0,
        },
        step: 0,
        rec_keys: keys,
        live,
        on_step,
    };
    let mut sim = Simulation::new(model);
    for d in &plan.damage {
        sim.schedule_at(
            SimTime::from_millis((d.fail_h * 3.6e6) as u64),
            0,
            Ev::Fail(d.site),
        )?;
        if let Some(r) = d.repair_h {
            sim.schedule_at(
                SimTime::from_millis((r * 3.6e6) as u64),
                0,
                Ev::Repair(d.site),
            )?;
        }
    }
    if plan.upstream_lost {
        sim.schedule_at(SimTime::ZERO, 0, Ev::UpstreamLost)?;
        if let Some(h) = plan.upstream_back_h {
            sim.schedule_at(
                SimTime::from_millis((h * 3.6e6) as u64),
                0,
                Ev::UpstreamBack,
            )?;
        }
    }
    for &(slot, h) in &plan.mobile {
        sim.schedule_at(
            SimTime::from_millis((h * 3.6e6) as u64),
            0,
            Ev::MobileArrives(slot),
        )?;
    }
    sim.schedule_periodic(SimTime::ZERO, prep.interval, 1, Ev::Control)?;
    Ok(sim)
}

impl sim_core::sched::Model for Model<'_> {
    type Event = Ev;

    fn handle(&mut self, s: &mut Scheduler<Ev>, ev: Ev) -> Result<(), SimError> {
        let now = s.now();
        let c = &self.prep.community;
        match ev {
            Ev::Fail(site) => {
                self.failed[site] = true;
                self.out.failed_sites.push(site);
                let d = self.plan.damage.iter().find(|d| d.site == site);
                let detail = d.map_or(String::new(), |d| {
                    format!(
                        "damage state {} at intensity {:.4}",
                        d.damage_state, d.intensity
                    )
                });
                self.out
                    .recorder
                    .log_event(now, &c.sites[site].id, "damage", detail);
            }
            Ev::Repair(site) => {
                self.failed[site] = false;
                self.out
                    .recorder
                    .log_event(now, &c.sites[site].id, "repair", "back in service");
            }
            Ev::UpstreamLost => {
                self.upstream_up = false;
                self.out
                    .recorder
                    .log_event(now, "upstream", "upstream_lost", "bulk grid lost");
            }
            Ev::MobileArrives(slot) => {
                if let Some(d) = self.diesels.get_mut(slot) {
                    d.in_service = true;
                    let id = d.id.clone();
                    self.out.recorder.log_event(
                        now,
                        &id,
                        "mobile_generator",
                        "truck connected at the PCC",
                    );
                }
            }
            Ev::UpstreamBack => {
                self.upstream_up = true;
                self.out
                    .recorder
                    .log_event(now, "upstream", "upstream_restored", "bulk grid back");
            }
            Ev::Control => {
                if self.step < self.prep.steps {
                    self.live_call(now, LiveCall::Before);
                    self.control(now)?;
                    self.live_call(now, LiveCall::After);
                    self.step += 1;
                }
            }
            Ev::Live(e) => self.live_call(now, LiveCall::Event(e)),
        }
        Ok(())
    }
}

impl Model<'_> {
    /// Batteries and diesels in service as their sites are now.
    fn sync_unit_status(&mut self) {
        let c = &self.prep.community;
        for (si, site) in c.sites.iter().enumerate() {
            match site.kind {
                SiteKind::Battery(k) => self.batteries[k].in_service = !self.failed[si],
                SiteKind::Diesel(k) => self.diesels[k].in_service = !self.failed[si],
                _ => {}
            }
        }
    }

    fn set_statuses(&mut self, now: SimTime) -> Vec<bool> {
        let c = &self.prep.community;
        let sub_ok = self.upstream_up && !self.failed[0];
        self.net.gens[0].in_service = sub_ok;
        for (si, site) in c.sites.iter().enumerate() {
            let up = !self.failed[si];
            match site.kind {
                SiteKind::Substation => {}
                SiteKind::Feeder(b) => self.net.branches[b].in_service = up,
                SiteKind::Pv(_) => {}
                SiteKind::Battery(k) => self.batteries[k].in_service = up,
                SiteKind::Diesel(k) => self.diesels[k].in_service = up,
            }
        }
        for (ti, t) in c.ties.iter().enumerate() {
            let up = !self.failed[t.site];
            self.net.branches[t.branch].in_service = up;
            self.tie_closed[ti] &= up;
            self.net.switches[t.switch].closed = self.tie_closed[ti];
        }
        for (mi, mg) in c.microgrids.iter().enumerate() {
            let feeder_up = self.net.branches[mg.feeder].in_service;
            // Sharing through the substation bus needs the bus intact and
            // the upstream grid down (otherwise the PCC follows the grid).
            self.pcc_share[mi] &= feeder_up && !self.failed[0] && !sub_ok;
            let close = (sub_ok && feeder_up) || self.pcc_share[mi];
            if close != self.pcc_closed[mi] {
                let what = if close { "pcc_close" } else { "pcc_open" };
                let why = if close && !sub_ok {
                    "closed to share energy through the substation bus"
                } else if close {
                    "re-synchronised to the grid"
                } else {
                    "islanded at the PCC"
                };
                self.out.recorder.log_event(now, &mg.name, what, why);
                self.pcc_closed[mi] = close;
            }
            self.net.switches[mg.pcc_switch].closed = close;
        }
        for (k, (_, g, _)) in c.batteries.iter().enumerate() {
            self.net.gens[*g].in_service = self.batteries[k].in_service;
        }
        for (k, (_, g, _)) in c.diesels.iter().enumerate() {
            self.net.gens[*g].in_service = self.diesels[k].can_form_grid();
        }
        let mut st: Vec<bool> = self.net.branches.iter().map(|b| b.in_service).collect();
        st.extend(self.net.switches.iter().map(|s| s.closed));
        st.extend(self.net.gens.iter().map(|g| g.in_service));
        st
    }

    /// One control step (see the module documentation), as phases in this
    /// order: statuses and topology with the agents' step
    /// ([`Self::switch_and_process`]), loads/PV/units per energised island
    /// ([`Self::settle_islands`]), the power flow with slack balancing and
    /// the shed/curtail rounds ([`Self::power_flow`],
    /// [`Self::close_balance`]), energy ([`Self::integrate_energy`]),
    /// metrics ([`Self::load_metrics`]), the shedding-order check
    /// ([`shedding_order_violations`]), the decisions' outcomes
    /// ([`Self::decisions_outcome`]), recording ([`Self::record_step`]) and
    /// the stepping controller's report ([`Self::report_step`]).
    fn control(&mut self, now: SimTime) -> Result<(), SimError> {
        let prep = self.prep;
        let c = &prep.community;
        let k = self.step;
        let dt_h = prep.interval.as_hours_f64();
        let step_cmds = self.switch_and_process(now)?;
        let pv_down: Vec<bool> = (0..c.pvs.len()).map(|i| self.pv_failed(i)).collect();
        let Some(mut pf) = self.pf.take() else {
            return Ok(());
        };
        let demand = &prep.demand[k];
        let ren_bus = renewable_buses(c);
        let (mut disp, islands) = self.settle_islands(k, &pv_down, &step_cmds);
        let balance = self.power_flow(&mut pf, now, dt_h, &ren_bus, &islands, &mut disp);
        self.pf = Some(pf);
        let balance = balance?;
        let (losses_total, energised_islands) = self.close_balance(&islands, &balance);
        self.integrate_energy(&disp, dt_h);
        let totals = self.load_metrics(now, dt_h, demand, &disp.served);
        self.out.order_violations += shedding_order_violations(c, &self.topo, demand, &disp.served);
        self.decisions_outcome(demand, &disp.served);
        self.record_step(
            now,
            dt_h,
            &totals,
            (losses_total, energised_islands),
            demand,
            &disp.served,
        );
        self.report_step(now, dt_h, demand, &disp.served)
    }

    /// Statuses of units repaired or damaged, the agents' step, then the
    /// element statuses and the topology: the power flow (and its topology)
    /// is rebuilt when a status changed. Returns the agents' commands for
    /// the settlement.
    fn switch_and_process(&mut self, now: SimTime) -> Result<Vec<Command>, SimError> {
        // Batteries and diesels repaired or damaged since the last interval
        // are observed as they are now (set_statuses applies the rest after
        // the agents' switching).
        self.sync_unit_status();
        let step_cmds = self.agents_step(now);
        let st = self.set_statuses(now);
        if self.pf.is_none() || st != self.statuses {
            let pf = PowerFlow::with_slack_rule(&self.net, SlackRule::MostHeadroom)
                .map_err(SimError::model)?;
            self.topo = pf.topology().clone();
            self.pf = Some(pf);
            self.statuses = st;
        }
        Ok(step_cmds)
    }

    /// The clear-sky index of step `k` (1 past the plan's clouds).
    fn cloud_at(&self, k: usize) -> f64 {
        self.plan
            .cloud
            .get(k)
            .copied()
            .unwrap_or(1.0)
            .clamp(0.0, 1.0)
    }

    /// Loads, PV and units per energised island at step `k`: each island's
    /// view (its connected loads at their demand, its PV at the step's
    /// cloud level unless damaged, its wind, its units in service, the
    /// upstream import where the substation is in it, and the losses
    /// estimated at the last step at its slack bus) is settled with the
    /// agents' commands ([`settle`]); PV and wind share the renewable
    /// output used in proportion to what they have. Returns the dispatch
    /// and the energised islands as (island, slack bus), in topology order.
    fn settle_islands(
        &self,
        k: usize,
        pv_down: &[bool],
        step_cmds: &[Command],
    ) -> (Dispatch, Vec<(usize, usize)>) {
        let prep = self.prep;
        let c = &prep.community;
        let dt_h = prep.interval.as_hours_f64();
        let topo = &self.topo;
        let cloud = self.cloud_at(k);
        let demand = &prep.demand[k];
        let mut disp = Dispatch {
            served: vec![0.0f64; c.loads.len()],
            pv_used: vec![0.0f64; c.pvs.len() + c.winds.len()],
            batt_p: vec![0.0f64; self.batteries.len()],
            dsl_p: vec![0.0f64; self.diesels.len()],
        };
        let mut grid_by_island = Vec::new();
        for (ii, island) in topo.islands.iter().enumerate() {
            if !island.energised {
                continue;
            }
            let in_isl = |bus: usize| topo.bus_island[bus] == Some(ii);
            let loads: Vec<LoadDemand> = c
                .loads
                .iter()
                .enumerate()
                .filter(|(_, l)| in_isl(l.bus) && self.net.branches[l.branch].in_service)
                .map(|(i, l)| LoadDemand {
                    load: i,
                    p_mw: demand[i],
                    priority: l.priority,
                    sheddable: l.sheddable,
                })
                .collect();
            let pv_avail: Vec<(usize, f64)> = c
                .pvs
                .iter()
                .enumerate()
                .filter(|(i, p)| {
                    in_isl(p.bus) && self.net.branches[p.branch].in_service && !pv_down[*i]
                })
                .map(|(i, _)| (i, interp_cloud(&prep.pv[k][i], cloud)))
                .collect();
            let wind_avail: Vec<(usize, f64)> = c
                .winds
                .iter()
                .enumerate()
                .filter(|(_, w)| in_isl(w.bus) && self.net.branches[w.branch].in_service)
                .map(|(i, _)| (i, prep.wind[k][i]))
                .collect();
            let renewable: f64 = pv_avail.iter().map(|x| x.1).sum::<f64>()
                + wind_avail.iter().map(|x| x.1).sum::<f64>();
            let bats: Vec<usize> = (0..self.batteries.len())
                .filter(|&b| self.batteries[b].in_service && in_isl(self.batteries[b].bus))
                .collect();
            let dsls: Vec<usize> = (0..self.diesels.len())
                .filter(|&d| self.diesels[d].can_form_grid() && in_isl(self.diesels[d].bus))
                .collect();
            let grid = (self.net.gens[0].in_service && in_isl(0)).then_some(c.import_limit_mw);
            let slack_bus = island.slack.first().copied().unwrap_or(0);
            let losses_est = self.loss_est[slack_bus];
            let view = IslandView {
                dt_h,
                loads: loads.clone(),
                renewable_mw: renewable,
                batteries: bats.iter().map(|&b| (b, &self.batteries[b])).collect(),
                diesels: dsls.iter().map(|&d| (d, &self.diesels[d])).collect(),
                grid_import_mw: grid,
                losses_mw: losses_est,
                exchange_mw: 0.0,
            };
            let set = settle(&view, step_cmds);
            for (l, s) in loads.iter().zip(&set.served_mw) {
                disp.served[l.load] = *s;
            }
            for (j, &b) in bats.iter().enumerate() {
                disp.batt_p[b] = set.battery_mw[j];
            }
            for (j, &d) in dsls.iter().enumerate() {
                disp.dsl_p[d] = set.diesel_mw[j];
            }
            if renewable > 0.0 {
                let share = set.renewable_used_mw / renewable;
                for &(i, a) in &pv_avail {
                    disp.pv_used[i] = a * share;
                }
                for &(i, a) in &wind_avail {
                    disp.pv_used[c.pvs.len() + i] = a * share;
                }
            }
            grid_by_island.push((ii, slack_bus));
        }
        (disp, grid_by_island)
    }

    /// Power flow: losses, and the slack's actual output. The slack unit
    /// (the upstream grid, else the battery or diesel at the island's slack
    /// bus) takes the difference between actual and estimated losses; if
    /// it cannot (a limit binds), load is shed by priority (deficit) or PV
    /// curtailed (surplus) and the flow solved again, until the balance
    /// closes to 1e-9 MW (at most 6 rounds). An island whose flow does not
    /// converge collapses ([`Self::collapse_island`]).
    fn power_flow(
        &mut self,
        pf: &mut PowerFlow,
        now: SimTime,
        dt_h: f64,
        ren_bus: &[usize],
        islands: &[(usize, usize)],
        disp: &mut Dispatch,
    ) -> Result<Balance, SimError> {
        let c = &self.prep.community;
        let mut bal = Balance {
            collapsed: vec![false; islands.len()],
            residual: vec![0.0f64; islands.len()],
            losses: vec![0.0f64; islands.len()],
        };
        let nb = self.net.buses.len();
        let mut p_inj = vec![0.0f64; nb];
        let mut q_inj = vec![0.0f64; nb];
        for _round in 0..6 {
            bus_injections(
                c,
                ren_bus,
                (&self.batteries, &self.diesels),
                disp,
                &mut p_inj,
                &mut q_inj,
            );
            pf.set_bus_injections(&p_inj, &q_inj)
                .map_err(SimError::model)?;
            let reports = pf.solve_ac_islands(&PfOptions {
                init: Init::Warm,
                tol: 1e-9,
                max_iter: 30,
            });
            let extras = pf.slack_injections_mw();
            let mut settled = true;
            for (j, &(ii, slack_bus)) in islands.iter().enumerate() {
                if bal.collapsed[j] {
                    continue;
                }
                let first = self.topo.islands[ii].buses.first();
                let converged = reports
                    .iter()
                    .find(|r| r.buses.first() == first)
                    .is_some_and(|r| r.converged);
                let extra = extras
                    .iter()
                    .find(|e| e.0.first() == first)
                    .map_or(0.0, |e| e.1);
                if !converged {
                    bal.collapsed[j] = true;
                    self.collapse_island(now, ii, slack_bus, ren_bus, disp);
                    settled = false;
                    continue;
                }
                let injected: f64 = self.topo.islands[ii].buses.iter().map(|&b| p_inj[b]).sum();
                let grid_here = self.net.gens[0].in_service && self.topo.bus_island[0] == Some(ii);
                if grid_here {
                    // The upstream grid takes the balance: the import is the
                    // slack's whole output, and losses are what the injections
                    // plus the import leave.
                    bal.losses[j] = injected + extra;
                    bal.residual[j] = 0.0;
                    continue;
                }
                bal.losses[j] = injected + extra;
                bal.residual[j] = extra;
                if extra.abs() < 1e-9 {
                    continue;
                }
                settled = false;
                self.absorb_imbalance(ii, slack_bus, extra, dt_h, ren_bus, disp);
            }
            if settled {
                break;
            }
        }
        Ok(bal)
    }

    /// Island `ii` (slack bus `slack_bus`) collapses: its power flow did not
    /// converge, so it serves nothing and its units produce nothing for the
    /// step; logged as `collapse`.
    fn collapse_island(
        &mut self,
        now: SimTime,
        ii: usize,
        slack_bus: usize,
        ren_bus: &[usize],
        disp: &mut Dispatch,
    ) {
        let c = &self.prep.community;
        let in_isl = |bus: usize| self.topo.bus_island[bus] == Some(ii);
        for (i, l) in c.loads.iter().enumerate() {
            if in_isl(l.bus) {
                disp.served[i] = 0.0;
            }
        }
        for (i, &rb) in ren_bus.iter().enumerate() {
            if in_isl(rb) {
                disp.pv_used[i] = 0.0;
            }
        }
        for (b, bt) in self.batteries.iter().enumerate() {
            if in_isl(bt.bus) {
                disp.batt_p[b] = 0.0;
            }
        }
        for (d, dd) in self.diesels.iter().enumerate() {
            if in_isl(dd.bus) {
                disp.dsl_p[d] = 0.0;
            }
        }
        let who = format!("island@{}", c.net.buses[slack_bus].id);
        self.out
            .recorder
            .log_event(now, &who, "collapse", "power flow did not converge");
    }

    /// Island `ii` without the upstream grid: the slack and then the other
    /// units take `extra` (MW, the slack's output beyond the dispatch) within
    /// their limits ([`redispatch_units`]); a deficit they cannot cover is
    /// shed by priority ([`shed_by_priority`]), a surplus curtailed from PV
    /// and wind ([`curtail_renewables`]).
    fn absorb_imbalance(
        &self,
        ii: usize,
        slack_bus: usize,
        extra: f64,
        dt_h: f64,
        ren_bus: &[usize],
        disp: &mut Dispatch,
    ) {
        let c = &self.prep.community;
        let in_isl = |bus: usize| self.topo.bus_island[bus] == Some(ii);
        let units = (self.batteries.as_slice(), self.diesels.as_slice());
        let miss = redispatch_units(units, in_isl, slack_bus, extra, dt_h, disp);
        if miss > 0.0 {
            // Shed `miss` MW, normal first, proportionally in a class.
            shed_by_priority(&c.loads, in_isl, miss, &mut disp.served);
        } else if miss < 0.0 {
            // Curtail PV and wind by the surplus.
            curtail_renewables(ren_bus, in_isl, -miss, &mut disp.pv_used);
        }
    }

    /// After the rounds, per island that did not collapse: counts it as
    /// energised, tracks the largest balance residual, and keeps its losses
    /// (at least 0) as the next step's estimate at its slack bus. Returns
    /// (total losses in MW, energised islands).
    fn close_balance(&mut self, islands: &[(usize, usize)], bal: &Balance) -> (f64, f64) {
        let mut losses_total = 0.0;
        let mut energised_islands = 0.0;
        for (j, &(_, slack_bus)) in islands.iter().enumerate() {
            if bal.collapsed[j] {
                continue;
            }
            energised_islands += 1.0;
            self.out.max_balance_error_mw =
                self.out.max_balance_error_mw.max(bal.residual[j].abs());
            self.loss_est[slack_bus] = bal.losses[j].max(0.0);
            losses_total += bal.losses[j];
        }
        (losses_total, energised_islands)
    }

    /// Energy: storage and fuel. Every battery's SoC and every diesel's fuel
    /// follow their dispatch over the step; the lowest SoC margins to the
    /// bounds are tracked.
    fn integrate_energy(&mut self, disp: &Dispatch, dt_h: f64) {
        for (b, p) in disp.batt_p.iter().enumerate() {
            self.batteries[b].apply(*p, dt_h);
            let bt = &self.batteries[b];
            self.out.soc_margin.0 = self.out.soc_margin.0.min(bt.soc - bt.soc_min);
            self.out.soc_margin.1 = self.out.soc_margin.1.min(bt.soc_max - bt.soc);
        }
        for (d, p) in disp.dsl_p.iter().enumerate() {
            self.diesels[d].apply(*p, dt_h);
        }
    }

    /// Metrics per load: the system's and the critical loads' demand and
    /// served load, energy served in dark islands, and interruptions: a
    /// load is out while it is served below its floor (its unsheddable
    /// part); its customers count once per interruption (logged as `shed`,
    /// and `restore` when it ends) and for every hour of it.
    fn load_metrics(
        &mut self,
        now: SimTime,
        dt_h: f64,
        demand: &[f64],
        served: &[f64],
    ) -> LoadTotals {
        let c = &self.prep.community;
        let topo = &self.topo;
        let total_d: f64 = demand.iter().sum();
        let total_s: f64 = served.iter().sum();
        let mut crit_d = 0.0;
        let mut crit_s = 0.0;
        for (i, l) in c.loads.iter().enumerate() {
            if l.priority == Priority::Critical {
                crit_d += demand[i];
                crit_s += served[i];
            }
            let dark = topo.bus_island[l.bus].is_none_or(|ii| !topo.islands[ii].energised);
            if dark {
                self.out.dark_served_mwh += served[i] * dt_h;
            }
            let floor = demand[i] * (1.0 - l.sheddable) - 1e-9;
            let out_now = demand[i] > 0.0 && served[i] < floor;
            if out_now && !self.interrupted[i] {
                self.out.customer_interruptions += f64::from(l.customers);
                self.out.recorder.log_event(
                    now,
                    &l.id,
                    "shed",
                    if dark { "dark" } else { "load shed" },
                );
            } else if !out_now && self.interrupted[i] {
                self.out
                    .recorder
                    .log_event(now, &l.id, "restore", "served again");
            }
            if out_now {
                self.out.customer_hours += f64::from(l.customers) * dt_h;
            }
            self.interrupted[i] = out_now;
        }
        LoadTotals {
            demand: total_d,
            served: total_s,
            crit_demand: crit_d,
            crit_served: crit_s,
        }
    }

    /// The agents' decisions get their outcome: served fraction per class
    /// and microgrid in this interval ([`outcome_summary`]); the decision
    /// log is kept when the settings ask for it.
    fn decisions_outcome(&mut self, demand: &[f64], served: &[f64]) {
        self.pipeline
            .outcome(&outcome_summary(&self.prep.community, demand, served));
        let log = self.pipeline.take_log();
        if self.prep.agents.log_decisions {
            self.out.decisions.extend(log);
        }
    }

    /// Recording: the served fractions and energies of the step, the
    /// system's series (served and critical fractions, served and demanded
    /// MW, losses, energised islands from `(losses, islands)`), and with
    /// `detail` the per-microgrid and per-asset series.
    fn record_step(
        &mut self,
        now: SimTime,
        dt_h: f64,
        totals: &LoadTotals,
        (losses_total, energised_islands): (f64, f64),
        demand: &[f64],
        served: &[f64],
    ) {
        let (total_d, total_s) = (totals.demand, totals.served);
        let (crit_d, crit_s) = (totals.crit_demand, totals.crit_served);
        let frac = if total_d > 0.0 {
            total_s / total_d
        } else {
            1.0
        };
        let cfrac = if crit_d > 0.0 { crit_s / crit_d } else { 1.0 };
        self.out.served_fraction.push(frac);
        self.out.critical_fraction.push(cfrac);
        self.out.demand_mwh += total_d * dt_h;
        self.out.served_mwh += total_s * dt_h;
        self.out.critical_demand_mwh += crit_d * dt_h;
        self.out.critical_served_mwh += crit_s * dt_h;
        let kk = &self.rec_keys;
        let r = &mut self.out.recorder;
        r.record_key(now, kk.system, kk.served_frac, frac);
        r.record_key(now, kk.system, kk.crit_frac, cfrac);
        r.record_key(now, kk.system, kk.served_mw, total_s);
        r.record_key(now, kk.system, kk.demand_mw, total_d);
        r.record_key(now, kk.system, kk.losses_mw, losses_total);
        r.record_key(now, kk.system, kk.islands, energised_islands);
        if self.prep.detail {
            self.record_detail(now, demand, served);
        }
    }

    /// Per microgrid: served and demanded MW and whether it is islanded;
    /// per battery its SoC, per diesel its fuel.
    fn record_detail(&mut self, now: SimTime, demand: &[f64], served: &[f64]) {
        let c = &self.prep.community;
        let kk = &self.rec_keys;
        let r = &mut self.out.recorder;
        for (mi, _) in c.microgrids.iter().enumerate() {
            let (mut d, mut s) = (0.0, 0.0);
            for (i, l) in c.loads.iter().enumerate() {
                if l.microgrid == mi {
                    d += demand[i];
                    s += served[i];
                }
            }
            r.record_key(now, kk.mg[mi], kk.served_mw, s);
            r.record_key(now, kk.mg[mi], kk.demand_mw, d);
            r.record_key(
                now,
                kk.mg[mi],
                kk.islanded,
                if self.pcc_closed[mi] { 0.0 } else { 1.0 },
            );
        }
        for (b, key) in kk.batt.iter().enumerate() {
            r.record_key(now, *key, kk.soc, self.batteries[b].soc);
        }
        for (d, key) in kk.dsl.iter().enumerate() {
            r.record_key(now, *key, kk.fuel, self.diesels[d].fuel_l);
        }
    }

    /// A stepping controller's hook (if any) sees the step's demand and
    /// served load per microgrid and class; it may stop the replica.
    fn report_step(
        &mut self,
        now: SimTime,
        dt_h: f64,
        demand: &[f64],
        served: &[f64],
    ) -> Result<(), SimError> {
        let c = &self.prep.community;
        if let Some(hook) = self.on_step.as_mut() {
            let nm = c.microgrids.len();
            let mut rec = StepRecord {
                step: self.step,
                time_ms: now.as_millis(),
                dt_h,
                demand_mw: vec![[0.0; 3]; nm],
                served_mw: vec![[0.0; 3]; nm],
            };
            for (i, l) in c.loads.iter().enumerate() {
                let cls = agents::observe::class_index(l.priority);
                rec.demand_mw[l.microgrid][cls] += demand[i];
                rec.served_mw[l.microgrid][cls] += served[i];
            }
            if !hook(&rec) {
                return Err(SimError::model("stopped by the controller"));
            }
        }
        Ok(())
    }

    /// Builds the agents' observation, runs the pipeline, applies its switch
    /// commands (refusing those on damaged paths) and returns all its
    /// commands for the settlement.
    fn agents_step(&mut self, now: SimTime) -> Vec<Command> {
        let obs = self.observe(now);
        let out = self.pipeline.step(&obs);
        let c = &self.prep.community;
        for cmd in &out.commands {
            let (switch, close) = match *cmd {
                Command::OpenSwitch { switch } => (switch, false),
                Command::CloseSwitch { switch } => (switch, true),
                _ => continue,
            };
            if let Some(ti) = c.ties.iter().position(|t| t.switch == switch) {
                if close && self.failed[c.ties[ti].site] {
                    self.out.recorder.log_event(
                        now,
                        &c.ties[ti].name,
                        "refused",
                        "close refused: the tie line is damaged",
                    );
                    continue;
                }
                if close != self.tie_closed[ti] {
                    let (what, why) = if close {
                        ("tie_close", "closed to share energy")
                    } else {
                        ("tie_open", "opened: no transfer needs it")
                    };
                    self.out
                        .recorder
                        .log_event(now, &c.ties[ti].name, what, why);
                }
                self.tie_closed[ti] = close;
            } else if let Some(mi) = c.microgrids.iter().position(|m| m.pcc_switch == switch) {
                self.pcc_share[mi] = close;
            }
        }
        if let Some(live) = self.live.as_mut()
            && let Ok(mut g) = live.issued.lock()
        {
            g.extend(out.commands.iter().cloned());
        }
        let delivered: f64 = out.exchange_mw.iter().map(|x| x.max(0.0)).sum();
        self.out.shared_mwh += delivered * self.prep.interval.as_hours_f64();
        out.commands
    }

    /// What the agents see now (see `agents::observe`): the planning
    /// periods, each microgrid's state and forecasts
    /// ([`Self::observe_microgrid`]), the paths between them
    /// ([`Self::path_edges`]) and the hazard.
    fn observe(&self, now: SimTime) -> Observation {
        let prep = self.prep;
        let c = &prep.community;
        let k = self.step.min(prep.steps.saturating_sub(1));
        let dt_h = prep.interval.as_hours_f64();
        let cloud = self.cloud_at(k);
        let blocks = planning_blocks(
            k,
            prep.steps,
            prep.agents.horizon_steps,
            prep.agents.block_steps,
        );
        let periods_h: Vec<f64> = blocks.iter().map(|(a, b)| (b - a) as f64 * dt_h).collect();
        let sub_ok = self.upstream_up && !self.failed[0];
        let pv_down: Vec<bool> = (0..c.pvs.len()).map(|i| self.pv_failed(i)).collect();
        let mgs = (0..c.microgrids.len())
            .map(|mi| self.observe_microgrid(mi, k, cloud, &blocks, sub_ok, &pv_down))
            .collect();
        Observation {
            time_ms: now.as_millis() as i64,
            replica: self.out.recorder.replica(),
            dt_h,
            periods_h,
            microgrids: mgs,
            edges: self.path_edges(),
            hazard: HazardState {
                kind: prep.agents.hazard_kind.clone(),
                severity: impact_severity(&self.failed, self.upstream_up),
                hours_since_event: now.as_millis() as f64 / 3.6e6,
                upstream_up: self.upstream_up,
                substation_ok: !self.failed[0],
                damaged: c
                    .sites
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| self.failed[*i])
                    .map(|(_, s)| (s.id.clone(), s.lat, s.lon))
                    .collect(),
            },
        }
    }

    /// Microgrid `mi` as the agents see it at step `k`: its connected loads,
    /// its renewable output at clear-sky index `cloud` (damaged PV left
    /// out), its units, whether it reaches the upstream grid (`sub_ok`: the
    /// substation and the grid are up), its mean demand per class and
    /// renewable output per planning block, and its damaged sites.
    fn observe_microgrid(
        &self,
        mi: usize,
        k: usize,
        cloud: f64,
        blocks: &[(usize, usize)],
        sub_ok: bool,
        pv_down: &[bool],
    ) -> MicrogridState {
        let prep = self.prep;
        let c = &prep.community;
        let mg = &c.microgrids[mi];
        let fs = feeder_site(c, mg.feeder);
        let loads: Vec<LoadDemand> = c
            .loads
            .iter()
            .enumerate()
            .filter(|(_, l)| l.microgrid == mi && self.net.branches[l.branch].in_service)
            .map(|(i, l)| LoadDemand {
                load: i,
                p_mw: prep.demand[k][i],
                priority: l.priority,
                sheddable: l.sheddable,
            })
            .collect();
        let ren_at = |step: usize, cl: f64| -> f64 {
            let pv: f64 = c
                .pvs
                .iter()
                .enumerate()
                .filter(|(i, p)| p.microgrid == mi && !pv_down[*i])
                .map(|(i, _)| interp_cloud(&prep.pv[step][i], cl))
                .sum();
            let wind: f64 = c
                .winds
                .iter()
                .enumerate()
                .filter(|(_, w)| w.microgrid == mi)
                .map(|(i, _)| prep.wind[step][i])
                .sum();
            pv + wind
        };
        let mut dem_f = Vec::with_capacity(blocks.len());
        let mut ren_f = Vec::with_capacity(blocks.len());
        for &(a, b) in blocks {
            let mut d = [0.0f64; 3];
            let mut r = 0.0;
            for step in a..b {
                for (i, l) in c.loads.iter().enumerate() {
                    if l.microgrid == mi {
                        d[agents::observe::class_index(l.priority)] += prep.demand[step][i];
                    }
                }
                // Forecast: the current cloud level persists.
                r += ren_at(step, cloud);
            }
            let n = (b - a).max(1) as f64;
            dem_f.push(d.map(|x| x / n));
            ren_f.push(r / n);
        }
        let damaged = c
            .sites
            .iter()
            .enumerate()
            .filter(|(_, s)| s.microgrid == Some(mi));
        let (mut dmg, mut all) = (0, 0);
        for (si, _) in damaged {
            all += 1;
            if self.failed[si] {
                dmg += 1;
            }
        }
        MicrogridState {
            name: mg.name.clone(),
            lat: mg.lat,
            lon: mg.lon,
            upstream_connected: sub_ok && !self.failed[fs],
            import_limit_mw: c.import_limit_mw,
            loads,
            renewable_mw: ren_at(k, cloud),
            batteries: c
                .batteries
                .iter()
                .enumerate()
                .filter(|(b, bt)| bt.2 == mi && self.batteries[*b].in_service)
                .map(|(b, _)| (b, self.batteries[b].clone()))
                .collect(),
            diesels: c
                .diesels
                .iter()
                .enumerate()
                .filter(|(d, dd)| dd.2 == mi && self.diesels[*d].can_form_grid())
                .map(|(d, _)| (d, self.diesels[d].clone()))
                .collect(),
            losses_mw: 0.0,
            demand_forecast_mw: dem_f,
            renewable_forecast_mw: ren_f,
            damaged_sites: (dmg, all),
        }
    }

    /// Path elements: feeders to the substation bus, then ties. Losses
    /// are linearised at half the rating: loss fraction = r_pu * P/2
    /// (per unit on the 1 MVA base, 1 pu voltage).
    fn path_edges(&self) -> Vec<PathEdge> {
        let c = &self.prep.community;
        let mut edges = Vec::with_capacity(c.microgrids.len() + c.ties.len());
        for (mi, mg) in c.microgrids.iter().enumerate() {
            let fs = feeder_site(c, mg.feeder);
            let br = &c.net.branches[mg.feeder];
            edges.push(PathEdge {
                id: format!("{}-feeder", mg.name),
                kind: EdgeKind::Feeder,
                a: Node::Mg(mi),
                b: Node::Hub,
                capacity_mw: c.feeder_rating_mw,
                loss_frac: (br.r * c.feeder_rating_mw / 2.0 / scenario::community::BASE_MVA)
                    .clamp(0.0, 0.5),
                intact: !self.failed[fs],
                switch: mg.pcc_switch,
                closed: self.pcc_closed[mi],
            });
        }
        for (ti, t) in c.ties.iter().enumerate() {
            let br = &c.net.branches[t.branch];
            edges.push(PathEdge {
                id: t.name.clone(),
                kind: EdgeKind::Tie,
                a: Node::Mg(t.from),
                b: Node::Mg(t.to),
                capacity_mw: t.rating_mw,
                loss_frac: (br.r * t.rating_mw / 2.0 / scenario::community::BASE_MVA)
                    .clamp(0.0, 0.5),
                intact: !self.failed[t.site],
                switch: t.switch,
                closed: self.tie_closed[ti],
            });
        }
        edges
    }

    fn pv_failed(&self, pv: usize) -> bool {
        self.prep
            .community
            .sites
            .iter()
            .enumerate()
            .any(|(si, s)| s.kind == SiteKind::Pv(pv) && self.failed[si])
    }
}

fn interp_cloud(table: &[f64; 11], k: f64) -> f64 {
    let x = (k * 10.0).clamp(0.0, 10.0);
    let i = (x.floor() as usize).min(9);
    let f = x - i as f64;
    table[i] * (1.0 - f) + table[i + 1] * f
}

/// What the settlement dispatches in one control step and the power-flow
/// rounds adjust (MW).
#[derive(Debug, Clone, PartialEq)]
struct Dispatch {
    /// Served load, per load.
    served: Vec<f64>,
    /// Renewable output used, per renewable unit: PV systems, then wind
    /// turbines (the order of [`renewable_buses`]).
    pv_used: Vec<f64>,
    /// Battery output, per battery (positive: discharge).
    batt_p: Vec<f64>,
    /// Diesel output, per diesel.
    dsl_p: Vec<f64>,
}

/// What the power-flow rounds leave per energised island (in the order of
/// the step's islands).
#[derive(Debug, Clone, PartialEq)]
struct Balance {
    /// The island's power flow failed: it serves nothing this step.
    collapsed: Vec<bool>,
    /// The slack's output beyond the dispatch in the last round (MW; 0
    /// where the upstream grid is the slack): the balance error.
    residual: Vec<f64>,
    /// Losses (MW): the injections plus the slack's output beyond them.
    losses: Vec<f64>,
}

/// Demand and served load of one step (MW): the system's and the critical
/// loads'.
#[derive(Debug, Clone, Copy, PartialEq)]
struct LoadTotals {
    demand: f64,
    served: f64,
    crit_demand: f64,
    crit_served: f64,
}

/// The buses of the renewable units: PV systems, then wind turbines.
fn renewable_buses(c: &Community) -> Vec<usize> {
    c.pvs
        .iter()
        .map(|p| p.bus)
        .chain(c.winds.iter().map(|w| w.bus))
        .collect()
}

/// The site of feeder branch `f` (0, the substation's, if none).
fn feeder_site(c: &Community, f: usize) -> usize {
    c.sites
        .iter()
        .position(|s| s.kind == SiteKind::Feeder(f))
        .unwrap_or(0)
}

/// Bus injections (MW, Mvar) of a dispatch: loads draw their served power
/// (reactive at their Q/P ratio); renewable units, batteries and diesels
/// (`units`) inject their output. `p_inj` and `q_inj` are overwritten.
fn bus_injections(
    c: &Community,
    ren_bus: &[usize],
    (batteries, diesels): (&[Battery], &[Diesel]),
    disp: &Dispatch,
    p_inj: &mut [f64],
    q_inj: &mut [f64],
) {
    p_inj.iter_mut().for_each(|x| *x = 0.0);
    q_inj.iter_mut().for_each(|x| *x = 0.0);
    for (i, la) in c.loads.iter().enumerate() {
        p_inj[la.bus] -= disp.served[i];
        q_inj[la.bus] -= disp.served[i] * la.q_over_p;
    }
    for (i, &rb) in ren_bus.iter().enumerate() {
        p_inj[rb] += disp.pv_used[i];
    }
    for (b, bt) in batteries.iter().enumerate() {
        p_inj[bt.bus] += disp.batt_p[b];
    }
    for (d, dd) in diesels.iter().enumerate() {
        p_inj[dd.bus] += disp.dsl_p[d];
    }
}

/// The slack unit (the battery, else the diesel, at `slack_bus`) takes
/// `extra` MW on top of its dispatch within its limits; the other units in
/// the island (`in_isl`: whether a bus is in it) take what it could not:
/// they raise or lower their output within limits, batteries first.
/// Returns what is left (MW; positive: a deficit).
fn redispatch_units(
    (batteries, diesels): (&[Battery], &[Diesel]),
    in_isl: impl Fn(usize) -> bool,
    slack_bus: usize,
    extra: f64,
    dt_h: f64,
    disp: &mut Dispatch,
) -> f64 {
    let (batt_p, dsl_p) = (&mut disp.batt_p, &mut disp.dsl_p);
    let mut miss = extra;
    if let Some(b) = batteries.iter().position(|bt| bt.bus == slack_bus) {
        let lo = -batteries[b].max_charge_mw(dt_h);
        let hi = batteries[b].max_discharge_mw(dt_h);
        let newp = (batt_p[b] + extra).clamp(lo, hi);
        miss = batt_p[b] + extra - newp;
        batt_p[b] = newp;
    } else if let Some(d) = diesels.iter().position(|dd| dd.bus == slack_bus) {
        let hi = diesels[d].max_mw(dt_h);
        let newp = (dsl_p[d] + extra).clamp(0.0, hi);
        miss = dsl_p[d] + extra - newp;
        dsl_p[d] = newp;
    }
    // Other units of the island take what the slack could not:
    // raise or lower their output within limits.
    for (b, bt) in batteries.iter().enumerate() {
        if miss == 0.0 || !in_isl(bt.bus) || !bt.in_service {
            continue;
        }
        let lo = -bt.max_charge_mw(dt_h);
        let hi = bt.max_discharge_mw(dt_h);
        let newp = (batt_p[b] + miss).clamp(lo, hi);
        miss -= newp - batt_p[b];
        batt_p[b] = newp;
    }
    for (d, dd) in diesels.iter().enumerate() {
        if miss == 0.0 || !in_isl(dd.bus) || !dd.can_form_grid() {
            continue;
        }
        let newp = (dsl_p[d] + miss).clamp(0.0, dd.max_mw(dt_h));
        miss -= newp - dsl_p[d];
        dsl_p[d] = newp;
    }
    miss
}

/// Sheds `miss` MW from the loads of an island (`in_isl`: whether a bus is
/// in it) by priority: normal loads first, then essential, critical last;
/// proportionally to what each is served within a class.
fn shed_by_priority(
    loads: &[LoadAsset],
    in_isl: impl Fn(usize) -> bool,
    mut miss: f64,
    served: &mut [f64],
) {
    for cls in [Priority::Normal, Priority::Essential, Priority::Critical] {
        let tot: f64 = loads
            .iter()
            .enumerate()
            .filter(|(_, l)| in_isl(l.bus) && l.priority == cls)
            .map(|(i, _)| served[i])
            .sum();
        if tot <= 0.0 {
            continue;
        }
        let cut = miss.min(tot);
        for (i, l) in loads.iter().enumerate() {
            if in_isl(l.bus) && l.priority == cls {
                served[i] = (served[i] - cut * served[i] / tot).max(0.0);
            }
        }
        miss -= cut;
        if miss <= 0.0 {
            break;
        }
    }
}

/// Curtails PV and wind of an island (`in_isl`: whether a bus is in it) by
/// `surplus` MW (at most all of it), proportionally to their output.
fn curtail_renewables(
    ren_bus: &[usize],
    in_isl: impl Fn(usize) -> bool,
    surplus: f64,
    pv_used: &mut [f64],
) {
    let tot: f64 = ren_bus
        .iter()
        .enumerate()
        .filter(|(_, rb)| in_isl(**rb))
        .map(|(i, _)| pv_used[i])
        .sum();
    if tot > 0.0 {
        let cut = surplus.min(tot);
        for (i, &rb) in ren_bus.iter().enumerate() {
            if in_isl(rb) {
                pv_used[i] = (pv_used[i] - cut * pv_used[i] / tot).max(0.0);
            }
        }
    }
}

/// Shedding order: a critical load interrupted while a normal load in
/// the same island is served above its floor is a violation. Counts the
/// energised islands of `topo` where a class is served below its floor
/// (its unsheddable part) while a less important class is served above
/// its floor.
fn shedding_order_violations(
    c: &Community,
    topo: &grid_model::topology::Topology,
    demand: &[f64],
    served: &[f64],
) -> u32 {
    let mut violations = 0;
    for (ii, island) in topo.islands.iter().enumerate() {
        if !island.energised {
            continue;
        }
        let mut worst_shed = None;
        let mut best_served = None;
        for (i, l) in c.loads.iter().enumerate() {
            if topo.bus_island[l.bus] != Some(ii) || demand[i] <= 0.0 {
                continue;
            }
            let frac = served[i] / demand[i];
            if frac < 1.0 - l.sheddable - 1e-9 {
                worst_shed = Some(worst_shed.map_or(l.priority, |p: Priority| p.min(l.priority)));
            }
            if frac > 1.0 - l.sheddable + 1e-9 {
                best_served = Some(best_served.map_or(l.priority, |p: Priority| p.max(l.priority)));
            }
        }
        if let (Some(s), Some(b)) = (worst_shed, best_served)
            && s < b
        {
            violations += 1;
        }
    }
    violations
}

/// The decisions' outcome: per microgrid, the served fraction of each
/// class's demand in this interval (`-` without demand).
fn outcome_summary(c: &Community, demand: &[f64], served: &[f64]) -> String {
    let mut parts = Vec::with_capacity(c.microgrids.len());
    for (mi, mg) in c.microgrids.iter().enumerate() {
        let mut dd = [0.0f64; 3];
        let mut ss = [0.0f64; 3];
        for (i, l) in c.loads.iter().enumerate() {
            if l.microgrid == mi {
                let k = agents::observe::class_index(l.priority);
                dd[k] += demand[i];
                ss[k] += served[i];
            }
        }
        let pct = |k: usize| {
            if dd[k] > 0.0 {
                format!("{:.0}%", 100.0 * ss[k] / dd[k])
            } else {
                "-".into()
            }
        };
        parts.push(format!(
            "{} served critical {} essential {} normal {}",
            mg.name,
            pct(0),
            pct(1),
            pct(2)
        ));
    }
    parts.join("; ")
}

/// Planning periods: this interval, then blocks up to the horizon. The
/// agents' periods at step `k` of `steps`: step `k` alone, then blocks of
/// `block_steps` (at least 1) up to `horizon_steps` (at least 1) steps
/// from `k` or the end; as `[start, end)` step ranges.
fn planning_blocks(
    k: usize,
    steps: usize,
    horizon_steps: usize,
    block_steps: usize,
) -> Vec<(usize, usize)> {
    let end = (k + horizon_steps.max(1)).min(steps);
    let mut blocks: Vec<(usize, usize)> = vec![(k, k + 1)];
    let bs = block_steps.max(1);
    let mut a = k + 1;
    while a < end {
        let b = (a + bs).min(end);
        blocks.push((a, b));
        a = b;
    }
    blocks
}

/// Observed-impact severity: 1 nothing damaged and the grid up; 2 the
/// upstream grid lost or up to 10 % of sites damaged; 3 from 10 %;
/// 4 from 30 %; 5 from 50 % of sites damaged.
fn impact_severity(failed: &[bool], upstream_up: bool) -> u8 {
    let nd = failed.iter().filter(|f| **f).count();
    let frac = nd as f64 / failed.len().max(1) as f64;
    if frac >= 0.5 {
        5
    } else if frac >= 0.3 {
        4
    } else if frac >= 0.1 {
        3
    } else if nd > 0 || !upstream_up {
        2
    } else {
        1
    }
}

// ---------------------------------------------------------------------------
// Live-twin hook (issue 9; used by the `twin` crate). Additive: batch runs
// (`run_replica`) set no hook and behave as before.

/// An outside event for a live replica (e.g. device telemetry), opaque to
/// the model and handed to its [`LiveHook`].
pub type LiveEvent = std::sync::Arc<dyn std::any::Any + Send + Sync>;

/// What a [`LiveHook`] sees of a live replica, and may change: a bound
/// asset's measured state (battery SoC, diesel fuel) is written here.
pub struct LiveState<'m> {
    /// Simulation time.
    pub now: SimTime,
    /// Control steps done so far.
    pub step: usize,
    /// The community.
    pub community: &'m Community,
    /// Battery states (same order as `community.batteries`).
    pub batteries: &'m mut [grid_model::ops::Battery],
    /// Diesel states (same order as `community.diesels`).
    pub diesels: &'m mut [grid_model::ops::Diesel],
    /// Failed sites (same order as `community.sites`).
    pub failed_sites: &'m [bool],
    /// Whether the upstream grid is available.
    pub upstream_up: bool,
    /// Per load: interrupted at the last control step.
    pub interrupted: &'m [bool],
    /// The replica's recorder (events may be logged).
    pub recorder: &'m mut Recorder,
}

/// The live twin's view into a replica.
pub trait LiveHook {
    /// An injected [`LiveEvent`] is due.
    fn on_event(&mut self, ev: LiveEvent, st: &mut LiveState<'_>);
    /// Before each control step: set measured state.
    fn before_control(&mut self, st: &mut LiveState<'_>);
    /// After each control step, with the commands the policy issued in it.
    fn after_control(&mut self, commands: &[grid_model::ops::Command], st: &mut LiveState<'_>);
}

struct LiveSlot<'a> {
    hook: &'a mut (dyn LiveHook + 'a),
    issued: std::sync::Arc<std::sync::Mutex<Vec<grid_model::ops::Command>>>,
}

enum LiveCall {
    Before,
    After,
    Event(LiveEvent),
}

impl Model<'_> {
    fn live_call(&mut self, now: SimTime, call: LiveCall) {
        let Some(live) = self.live.as_mut() else {
            return;
        };
        let mut st = LiveState {
            now,
            step: self.step,
            community: &self.prep.community,
            batteries: &mut self.batteries,
            diesels: &mut self.diesels,
            failed_sites: &self.failed,
            upstream_up: self.upstream_up,
            interrupted: &self.interrupted,
            recorder: &mut self.out.recorder,
        };
        match call {
            LiveCall::Before => {
                if let Ok(mut g) = live.issued.lock() {
                    g.clear();
                }
                live.hook.before_control(&mut st);
            }
            LiveCall::After => {
                let cmds = live
                    .issued
                    .lock()
                    .map(|mut g| std::mem::take(&mut *g))
                    .unwrap_or_default();
                live.hook.after_control(&cmds, &mut st);
            }
            LiveCall::Event(e) => live.hook.on_event(e, &mut st),
        }
    }
}

/// Sends outside events to a live replica (any thread).
#[derive(Clone, Debug)]
pub struct LiveInjector(sim_core::wallclock::Injector<Ev>);

/// The live replica's receiving side.
#[derive(Debug)]
pub struct LiveInbox(sim_core::wallclock::Inbox<Ev>);

/// A connected injector and inbox.
pub fn live_channel() -> (LiveInjector, LiveInbox) {
    let (i, b) = sim_core::wallclock::channel();
    (LiveInjector(i), LiveInbox(b))
}

impl LiveInjector {
    /// Injects `ev` for simulation time `at` (phase 0, before the control
    /// step at the same time); late events are stamped with their arrival
    /// time (see `sim_core::wallclock`).
    ///
    /// # Errors
    /// When the replica has stopped.
    pub fn inject_at(
        &self,
        at: SimTime,
        ev: LiveEvent,
    ) -> Result<(), sim_core::wallclock::InjectError> {
        self.0.inject_at(at, 0, Ev::Live(ev))
    }

    /// Injects `ev` at its arrival time.
    ///
    /// # Errors
    /// When the replica has stopped.
    pub fn inject(&self, ev: LiveEvent) -> Result<(), sim_core::wallclock::InjectError> {
        self.0.inject(0, Ev::Live(ev))
    }

    /// Stops the replica after the event being handled.
    ///
    /// # Errors
    /// When the replica has stopped already.
    pub fn stop(&self) -> Result<(), sim_core::wallclock::InjectError> {
        self.0.stop()
    }
}

/// Runs one replica paced by the wall clock at `speed` (simulated seconds
/// per wall second) until simulation time `until` (capped at the horizon),
/// an injected stop, or a handler error; `hook` sees every injected event
/// and every control step. Returns the replica's results and the wall-clock
/// report.
///
/// # Errors
/// An invalid speed, or a failure of the model.
#[allow(clippy::too_many_arguments)]
pub fn run_replica_live<C: sim_core::wallclock::Clock>(
    prep: &Prepared,
    plan: &ReplicaPlan,
    replica: u32,
    hook: &mut dyn LiveHook,
    speed: f64,
    until: SimTime,
    inbox: &LiveInbox,
    clock: &mut C,
) -> Result<(ReplicaResult, sim_core::wallclock::WallClockReport), SimError> {
    let slot = LiveSlot {
        hook,
        issued: std::sync::Arc::new(std::sync::Mutex::new(Vec::new())),
    };
    let mut sim = build_sim(prep, plan, replica, Some(slot), None, None)?;
    let end_ms = prep.interval.as_millis().max(1) as u64 * prep.steps as u64;
    let until = until.min(SimTime::from_millis(end_ms.saturating_sub(1)));
    let report = sim_core::wallclock::WallClock::new(speed)?
        .until(until)
        .run_with_clock(&mut sim, &inbox.0, clock)?;
    Ok((sim.into_model().out, report))
}

#[cfg(test)]
mod tests {
    //! The control step's phases on a hand-made two-microgrid community:
    //! `town` (a clinic, homes, a diesel) and `village` (a shelter, a shop,
    //! homes, PV, a battery), the upstream grid up, demand fixed by hand
    //! and no PV output unless a test sets it.

    use super::*;

    const TINY: &str = r#"
[scenario]
name = "tiny"
start = "2024-03-01T00:00:00Z"
horizon = "4h"
control_interval = "1h"
replicas = 1
[network]
substation_lat = 54.0
substation_lon = 10.0
[hazard]
kind = "none"
[[microgrid]]
name = "town"
lat = 54.01
lon = 10.01
  [[microgrid.load]]
  id = "town-clinic"
  class = "hospital"
  peak_kw = 100.0
  lat = 54.01
  lon = 10.01
  [[microgrid.load]]
  id = "town-homes"
  class = "residential"
  peak_kw = 300.0
  customers = 120
  lat = 54.011
  lon = 10.011
  [[microgrid.diesel]]
  id = "town-diesel"
  rated_kw = 200.0
  fuel_l = 1000.0
  lat = 54.01
  lon = 10.012
[[microgrid]]
name = "village"
lat = 54.02
lon = 10.03
  [[microgrid.load]]
  id = "village-shelter"
  class = "shelter"
  peak_kw = 100.0
  lat = 54.02
  lon = 10.03
  [[microgrid.load]]
  id = "village-shop"
  class = "commercial"
  peak_kw = 100.0
  lat = 54.021
  lon = 10.031
  [[microgrid.load]]
  id = "village-homes"
  class = "residential"
  peak_kw = 200.0
  customers = 80
  lat = 54.022
  lon = 10.032
  [[microgrid.pv]]
  id = "village-pv"
  dc_kw = 100.0
  lat = 54.02
  lon = 10.031
  [[microgrid.battery]]
  id = "village-battery"
  energy_kwh = 400.0
  power_kw = 250.0
  lat = 54.02
  lon = 10.032
"#;

    /// Demand per load (MW): town clinic, town homes, village shelter,
    /// village shop, village homes.
    const DEMAND: [f64; 5] = [0.1, 0.3, 0.1, 0.1, 0.2];

    const STEPS: usize = 4;

    /// The tiny community with demand fixed at [`DEMAND`], no PV or wind.
    fn prepared() -> Prepared {
        let l = scenario::parse(TINY, "tiny.toml").expect("parses");
        let c = scenario::community::build(&l.file, &|k| l.at(k)).expect("builds");
        assert_eq!(c.loads.len(), DEMAND.len());
        Prepared {
            steps: STEPS,
            interval: SimDuration::HOUR,
            demand: vec![DEMAND.to_vec(); STEPS],
            pv: vec![vec![[0.0; 11]; c.pvs.len()]; STEPS],
            wind: vec![vec![0.0; c.winds.len()]; STEPS],
            policy: "priority".into(),
            strategies: agents::pipeline::Strategies::builtin(),
            reserves: (0.5, 0.25),
            detail: true,
            agents: AgentSettings {
                horizon_steps: STEPS,
                block_steps: 2,
                assumed_outage_h: 24.0,
                min_remaining_h: 4.0,
                log_decisions: true,
                knowledge_graph: false,
                hazard_kind: "none".into(),
            },
            community: c,
        }
    }

    /// A plan with nothing damaged and the upstream grid up.
    fn plan() -> ReplicaPlan {
        ReplicaPlan {
            damage: Vec::new(),
            upstream_lost: false,
            upstream_back_h: None,
            cloud: vec![1.0; STEPS],
            mobile: Vec::new(),
        }
    }

    fn model<'a>(prep: &'a Prepared, plan: &'a ReplicaPlan) -> Model<'a> {
        build_sim(prep, plan, 0, None, None, None)
            .expect("builds")
            .into_model()
    }

    /// The village's feeder site.
    fn village_feeder(c: &Community) -> usize {
        feeder_site(c, c.microgrids[1].feeder)
    }

    fn load(c: &Community, id: &str) -> usize {
        c.loads.iter().position(|l| l.id == id).expect("load")
    }

    /// The event log as `entity,kind,detail` lines.
    fn events(m: &Model<'_>) -> Vec<String> {
        let mut buf = Vec::new();
        m.out
            .recorder
            .write_events_csv_to(&mut buf)
            .expect("writes");
        String::from_utf8(buf)
            .expect("utf-8")
            .lines()
            .skip(1)
            .map(|l| l.splitn(3, ',').nth(2).unwrap_or("").to_string())
            .collect()
    }

    /// A model whose statuses and topology are set for step 0 (the agents'
    /// step included), with the village's feeder damaged when `damaged`.
    fn switched<'a>(
        prep: &'a Prepared,
        plan: &'a ReplicaPlan,
        damaged: bool,
    ) -> (Model<'a>, Vec<Command>) {
        let mut m = model(prep, plan);
        if damaged {
            m.failed[village_feeder(&prep.community)] = true;
        }
        let cmds = m.switch_and_process(SimTime::ZERO).expect("switches");
        (m, cmds)
    }

    /// The island of a load's bus.
    fn island_of(m: &Model<'_>, c: &Community, id: &str) -> Option<usize> {
        m.topo.bus_island[c.loads[load(c, id)].bus]
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn a_damaged_feeder_islands_its_microgrid_on_its_battery() {
        let (prep, plan) = (prepared(), plan());
        let c = &prep.community;
        // Intact: one island, fed by the upstream grid, PCCs closed.
        let (m, _) = switched(&prep, &plan, false);
        assert_eq!(m.pcc_closed, vec![true, true]);
        assert!(events(&m).is_empty(), "{:?}", events(&m));
        let grid = m.topo.bus_island[0];
        assert!(grid.is_some());
        for l in &c.loads {
            assert_eq!(m.topo.bus_island[l.bus], grid, "{}", l.id);
        }
        // The village's feeder damaged: its PCC opens and it runs as its own
        // island, formed by its battery; the town stays on the grid.
        let (m, _) = switched(&prep, &plan, true);
        assert!(!m.net.branches[c.microgrids[1].feeder].in_service);
        assert_eq!(m.pcc_closed, vec![true, false]);
        assert_eq!(events(&m), ["village,pcc_open,islanded at the PCC"]);
        let grid = m.topo.bus_island[0];
        assert_eq!(island_of(&m, c, "town-clinic"), grid);
        assert_eq!(island_of(&m, c, "town-homes"), grid);
        let village = island_of(&m, c, "village-shelter").expect("in service");
        assert_ne!(Some(village), grid);
        assert_eq!(island_of(&m, c, "village-homes"), Some(village));
        assert!(m.topo.islands[village].energised);
        assert_eq!(m.topo.islands[village].slack, vec![m.batteries[0].bus]);
    }

    #[test]
    fn settlement_serves_the_grid_island_and_sheds_normal_load_first_in_the_islanded_one() {
        let (prep, plan) = (prepared(), plan());
        let c = &prep.community;
        let (m, cmds) = switched(&prep, &plan, true);
        let (disp, islands) = m.settle_islands(0, &[false], &cmds);
        let village = island_of(&m, c, "village-shelter").expect("in service");
        assert_eq!(
            islands,
            vec![
                (m.topo.bus_island[0].expect("grid"), 0),
                (village, m.batteries[0].bus)
            ]
        );
        // The town is served in full from the grid; its diesel idles.
        assert_eq!(disp.served[..2], DEMAND[..2]);
        assert_eq!(disp.dsl_p, vec![0.0]);
        // The village's 0.4 MW exceed its battery's 0.25 MW: the homes
        // (normal) are shed, the shop (essential) and shelter (critical)
        // are served.
        assert_eq!(disp.batt_p, vec![0.25]);
        assert_eq!(disp.served[load(c, "village-shelter")], 0.1);
        assert_eq!(disp.served[load(c, "village-shop")], 0.1);
        let homes = disp.served[load(c, "village-homes")];
        assert!(close(homes, 0.05), "{homes}");
        assert_eq!(disp.pv_used, vec![0.0]);
    }

    #[test]
    fn settlement_uses_the_pv_that_is_up() {
        let mut prep = prepared();
        // 80 kW at every cloud level at step 0.
        prep.pv[0][0] = [0.08; 11];
        let plan = plan();
        let c = &prep.community;
        let (m, cmds) = switched(&prep, &plan, true);
        let h = load(c, "village-homes");
        // With the battery's 0.25 MW, the PV's 0.08 MW all serve the homes.
        let (disp, _) = m.settle_islands(0, &[false], &cmds);
        assert_eq!(disp.pv_used, vec![0.08]);
        assert_eq!(disp.batt_p, vec![0.25]);
        assert!(close(disp.served[h], 0.13), "{}", disp.served[h]);
        // Damaged PV is left out.
        let (disp, _) = m.settle_islands(0, &[true], &cmds);
        assert_eq!(disp.pv_used, vec![0.0]);
        assert!(close(disp.served[h], 0.05), "{}", disp.served[h]);
    }

    #[test]
    fn power_flow_rounds_close_every_islands_balance() {
        let (prep, plan) = (prepared(), plan());
        let c = &prep.community;
        let (mut m, cmds) = switched(&prep, &plan, true);
        let (mut disp, islands) = m.settle_islands(0, &[false], &cmds);
        let settled = disp.clone();
        let mut pf = m.pf.take().expect("power flow");
        let ren_bus = renewable_buses(c);
        let bal = m
            .power_flow(&mut pf, SimTime::ZERO, 1.0, &ren_bus, &islands, &mut disp)
            .expect("solves");
        assert_eq!(bal.collapsed, vec![false, false]);
        assert!(bal.losses.iter().all(|l| *l > 0.0), "{:?}", bal.losses);
        // The grid takes the town's losses: nothing is shed there.
        assert_eq!(bal.residual[0], 0.0);
        assert_eq!(disp.served[..2], settled.served[..2]);
        // The battery is at its limit, so the village's losses are shed from
        // its homes (normal), not from the shelter or the shop.
        let village: f64 = disp.served[2..].iter().sum();
        let gap = disp.batt_p[0] - village - bal.losses[1];
        assert!(gap.abs() < 1e-9, "{gap}");
        assert!(bal.residual[1].abs() < 1e-9);
        let (h, s) = (load(c, "village-homes"), load(c, "village-shelter"));
        assert!(disp.served[h] < settled.served[h]);
        assert_eq!(disp.served[s], 0.1);
        assert_eq!(disp.served[load(c, "village-shop")], 0.1);
        // The balance is closed: both islands count, their losses are the
        // next step's estimates at their slack buses.
        let (losses, n) = m.close_balance(&islands, &bal);
        assert_eq!(n, 2.0);
        assert_eq!(losses, bal.losses[0] + bal.losses[1]);
        assert_eq!(m.loss_est[0], bal.losses[0]);
        assert_eq!(m.loss_est[m.batteries[0].bus], bal.losses[1]);
        assert!(m.out.max_balance_error_mw < 1e-9);
    }

    #[test]
    fn a_collapsed_island_serves_nothing_and_is_logged() {
        let (prep, plan) = (prepared(), plan());
        let c = &prep.community;
        let (mut m, cmds) = switched(&prep, &plan, true);
        let (mut disp, islands) = m.settle_islands(0, &[false], &cmds);
        let (ii, slack) = islands[1];
        m.collapse_island(SimTime::ZERO, ii, slack, &[], &mut disp);
        assert_eq!(disp.served, vec![0.1, 0.3, 0.0, 0.0, 0.0]);
        assert_eq!(disp.batt_p, vec![0.0]);
        let who = format!("island@{}", c.net.buses[slack].id);
        assert_eq!(
            events(&m).last().map(String::as_str),
            Some(format!("{who},collapse,power flow did not converge").as_str())
        );
    }

    fn battery(bus: usize, power_mw: f64) -> Battery {
        Battery {
            id: format!("b{bus}"),
            bus,
            energy_mwh: 1.0,
            power_mw,
            eta_charge: 1.0,
            eta_discharge: 1.0,
            soc: 0.5,
            soc_min: 0.1,
            soc_max: 0.9,
            soh: 1.0,
            in_service: true,
        }
    }

    fn diesel(bus: usize, rated_mw: f64) -> Diesel {
        Diesel {
            id: format!("d{bus}"),
            bus,
            rated_mw,
            fuel_l: 1000.0,
            f0_l_per_mwh_rated: Diesel::HOMER_F0,
            f1_l_per_mwh: Diesel::HOMER_F1,
            in_service: true,
        }
    }

    fn dispatch(batt_p: Vec<f64>, dsl_p: Vec<f64>) -> Dispatch {
        Dispatch {
            served: Vec::new(),
            pv_used: Vec::new(),
            batt_p,
            dsl_p,
        }
    }

    #[test]
    fn the_slack_takes_the_imbalance_first_then_the_other_units() {
        // Battery at bus 5 (the slack), diesel at 6, a battery at 9 in
        // another island.
        let bats = [battery(5, 0.2), battery(9, 0.2)];
        let dsls = [diesel(6, 0.3)];
        let in_isl = |b: usize| b == 5 || b == 6;
        let units = (&bats[..], &dsls[..]);
        // Within the slack's limit: the slack alone.
        let mut d = dispatch(vec![0.1, 0.0], vec![0.0]);
        let miss = redispatch_units(units, in_isl, 5, 0.05, 1.0, &mut d);
        assert_eq!(miss, 0.0);
        assert!(close(d.batt_p[0], 0.15));
        assert_eq!((d.batt_p[1], d.dsl_p[0]), (0.0, 0.0));
        // Beyond it: the diesel of the island takes the rest, not the
        // battery of the other island.
        let mut d = dispatch(vec![0.1, 0.0], vec![0.0]);
        let miss = redispatch_units(units, in_isl, 5, 0.3, 1.0, &mut d);
        assert!(miss.abs() < 1e-12, "{miss}");
        assert_eq!(d.batt_p, vec![0.2, 0.0]);
        assert!(close(d.dsl_p[0], 0.2));
        // Beyond all of them: a deficit is left for shedding.
        let mut d = dispatch(vec![0.1, 0.0], vec![0.0]);
        let miss = redispatch_units(units, in_isl, 5, 1.0, 1.0, &mut d);
        assert!(close(miss, 0.6), "{miss}");
        assert_eq!((d.batt_p[0], d.dsl_p[0]), (0.2, 0.3));
        // A surplus: the battery charges at most 0.2 MW, the diesel cannot
        // go below 0; the rest is left for curtailment.
        let mut d = dispatch(vec![0.1, 0.0], vec![0.0]);
        let miss = redispatch_units(units, in_isl, 5, -0.5, 1.0, &mut d);
        assert!(close(miss, -0.2), "{miss}");
        assert_eq!((d.batt_p[0], d.dsl_p[0]), (-0.2, 0.0));
        // A diesel slack (no battery at the slack bus) goes first.
        let mut d = dispatch(vec![0.1, 0.0], vec![0.1]);
        let miss = redispatch_units(units, in_isl, 6, 0.1, 1.0, &mut d);
        assert_eq!(miss, 0.0);
        assert!(close(d.dsl_p[0], 0.2));
        assert_eq!(d.batt_p, vec![0.1, 0.0]);
    }

    #[test]
    fn other_batteries_of_the_island_go_before_its_diesels() {
        // A diesel slack at bus 6 at its limit; a battery at 7 and a diesel
        // at 8 in the island, a battery at 9 outside it.
        let bats = [battery(7, 0.2), battery(9, 0.2)];
        let dsls = [diesel(6, 0.1), diesel(8, 0.3)];
        let in_isl = |b: usize| b != 9;
        let mut d = dispatch(vec![0.0, 0.0], vec![0.1, 0.0]);
        let miss = redispatch_units((&bats, &dsls), in_isl, 6, 0.3, 1.0, &mut d);
        assert!(close(miss, 0.0), "{miss}");
        assert_eq!(d.batt_p, vec![0.2, 0.0]);
        assert!(close(d.dsl_p[1], 0.1), "{:?}", d.dsl_p);
        assert_eq!(d.dsl_p[0], 0.1);
    }

    #[test]
    fn shedding_takes_normal_then_essential_and_critical_last() {
        let prep = prepared();
        let c = &prep.community;
        let village: Vec<usize> = c.loads[2..].iter().map(|l| l.bus).collect();
        let in_isl = |b: usize| village.contains(&b);
        let shed = |miss: f64| {
            let mut served = DEMAND.to_vec();
            shed_by_priority(&c.loads, in_isl, miss, &mut served);
            served
        };
        // Town loads (another island) are never touched.
        let s = shed(0.15);
        assert_eq!(s[..4], [0.1, 0.3, 0.1, 0.1]);
        assert!(close(s[4], 0.05), "{s:?}");
        let s = shed(0.25);
        assert_eq!(s[..3], [0.1, 0.3, 0.1]);
        assert_eq!(s[4], 0.0);
        assert!(close(s[3], 0.05), "{s:?}");
        let s = shed(0.35);
        assert_eq!(s[3..], [0.0, 0.0]);
        assert!(close(s[2], 0.05), "{s:?}");
        assert_eq!(shed(1.0), vec![0.1, 0.3, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn curtailment_is_proportional_within_the_island_and_capped() {
        let ren_bus = [1, 2, 3];
        let in_isl = |b: usize| b != 3;
        let mut used = vec![0.2, 0.1, 0.5];
        curtail_renewables(&ren_bus, in_isl, 0.15, &mut used);
        assert!(close(used[0], 0.1) && close(used[1], 0.05), "{used:?}");
        assert_eq!(used[2], 0.5);
        let mut used = vec![0.2, 0.1, 0.5];
        curtail_renewables(&ren_bus, in_isl, 1.0, &mut used);
        assert_eq!(used, vec![0.0, 0.0, 0.5]);
    }

    #[test]
    fn injections_are_what_the_dispatch_draws_and_injects_per_bus() {
        let prep = prepared();
        let c = &prep.community;
        let (bats, dsls): (Vec<Battery>, Vec<Diesel>) = (
            c.batteries.iter().map(|b| b.0.clone()).collect(),
            c.diesels.iter().map(|d| d.0.clone()).collect(),
        );
        let disp = Dispatch {
            served: DEMAND.to_vec(),
            pv_used: Vec::new(),
            batt_p: vec![0.25],
            dsl_p: vec![0.05],
        };
        let nb = c.net.buses.len();
        let (mut p, mut q) = (vec![9.0; nb], vec![9.0; nb]);
        bus_injections(c, &[], (&bats, &dsls), &disp, &mut p, &mut q);
        for (i, l) in c.loads.iter().enumerate() {
            assert_eq!(p[l.bus], -DEMAND[i], "{}", l.id);
            assert_eq!(q[l.bus], -DEMAND[i] * l.q_over_p, "{}", l.id);
            assert!(q[l.bus] < 0.0);
        }
        assert_eq!((p[bats[0].bus], q[bats[0].bus]), (0.25, 0.0));
        assert_eq!((p[dsls[0].bus], q[dsls[0].bus]), (0.05, 0.0));
        assert_eq!((p[0], q[0]), (0.0, 0.0));
    }

    #[test]
    fn storage_and_fuel_follow_the_dispatch() {
        let (prep, plan) = (prepared(), plan());
        let mut m = model(&prep, &plan);
        let (soc0, fuel0) = (m.batteries[0].soc, m.diesels[0].fuel_l);
        let b = m.batteries[0].clone();
        let usable = b.energy_mwh * b.soh;
        // Discharging 0.2 MW for half an hour, the diesel at 0.1 MW.
        m.integrate_energy(&dispatch(vec![0.2], vec![0.1]), 0.5);
        let soc1 = soc0 - 0.2 * 0.5 / b.eta_discharge / usable;
        assert!(close(m.batteries[0].soc, soc1), "{}", m.batteries[0].soc);
        let fuel1 = fuel0 - (Diesel::HOMER_F0 * 0.2 + Diesel::HOMER_F1 * 0.1) * 0.5;
        assert!(close(m.diesels[0].fuel_l, fuel1));
        assert!(close(m.out.soc_margin.0, soc1 - b.soc_min));
        assert!(close(m.out.soc_margin.1, b.soc_max - soc1));
        // Charging 0.1 MW for an hour; an idle diesel burns nothing. The
        // lowest margin below stays the one seen before.
        m.integrate_energy(&dispatch(vec![-0.1], vec![0.0]), 1.0);
        let soc2 = soc1 + 0.1 * b.eta_charge / usable;
        assert!(close(m.batteries[0].soc, soc2));
        assert_eq!(m.diesels[0].fuel_l, fuel1);
        assert!(close(m.out.soc_margin.0, soc1 - b.soc_min));
        assert!(close(m.out.soc_margin.1, b.soc_max - soc2));
    }

    #[test]
    fn interruptions_count_once_per_outage_and_per_hour() {
        let (prep, plan) = (prepared(), plan());
        let c = &prep.community;
        let (mut m, _) = switched(&prep, &plan, false);
        let h = load(c, "town-homes");
        // The homes at 0.25 of 0.3 MW are above their floor (70 %): not out.
        let mut served = DEMAND.to_vec();
        served[h] = 0.25;
        let t = m.load_metrics(SimTime::ZERO, 1.0, &DEMAND, &served);
        assert!(close(t.demand, 0.8) && close(t.served, 0.75));
        assert!(close(t.crit_demand, 0.2) && close(t.crit_served, 0.2));
        assert_eq!(m.out.customer_interruptions, 0.0);
        assert!(events(&m).is_empty());
        // Below it: out, counted once, and for every hour.
        served[h] = 0.1;
        m.load_metrics(SimTime::ZERO, 1.0, &DEMAND, &served);
        m.load_metrics(SimTime::ZERO, 1.0, &DEMAND, &served);
        assert_eq!(m.out.customer_interruptions, 120.0);
        assert_eq!(m.out.customer_hours, 240.0);
        assert_eq!(events(&m), ["town-homes,shed,load shed"]);
        assert_eq!(m.out.dark_served_mwh, 0.0);
        m.load_metrics(SimTime::ZERO, 1.0, &DEMAND, &DEMAND);
        assert_eq!(
            events(&m).last().map(String::as_str),
            Some("town-homes,restore,served again")
        );
        assert!(!m.interrupted[h]);
        assert_eq!(m.out.customer_hours, 240.0);
    }

    #[test]
    fn loads_of_a_dark_island_are_out_and_must_not_be_served() {
        let (prep, plan) = (prepared(), plan());
        let c = &prep.community;
        let mut m = model(&prep, &plan);
        // The village's feeder and battery damaged: nothing forms its grid.
        m.failed[village_feeder(c)] = true;
        let bs = c
            .sites
            .iter()
            .position(|s| s.kind == SiteKind::Battery(0))
            .expect("battery site");
        m.failed[bs] = true;
        m.switch_and_process(SimTime::ZERO).expect("switches");
        let village = island_of(&m, c, "village-shelter").expect("in service");
        assert!(!m.topo.islands[village].energised);
        let mut served = DEMAND.to_vec();
        served[2..].fill(0.0);
        m.load_metrics(SimTime::ZERO, 1.0, &DEMAND, &served);
        assert_eq!(m.out.dark_served_mwh, 0.0);
        let ev = events(&m);
        assert!(
            ev.contains(&"village-shelter,shed,dark".to_string()),
            "{ev:?}"
        );
        assert_eq!(m.out.customer_interruptions, 82.0);
        // Served in the dark (a bug upstream): counted as such.
        served[2] = 0.1;
        m.load_metrics(SimTime::ZERO, 0.5, &DEMAND, &served);
        assert!(close(m.out.dark_served_mwh, 0.05));
    }

    #[test]
    fn a_shed_class_more_important_than_one_served_is_a_violation() {
        let (prep, plan) = (prepared(), plan());
        let c = &prep.community;
        let (m, _) = switched(&prep, &plan, false);
        let count = |served: &[f64]| shedding_order_violations(c, &m.topo, &DEMAND, served);
        assert_eq!(count(&DEMAND), 0);
        // The shelter (critical) shed while homes (normal) are served.
        assert_eq!(count(&[0.1, 0.3, 0.0, 0.1, 0.2]), 1);
        // Homes shed, the rest served: the right order.
        assert_eq!(count(&[0.1, 0.0, 0.1, 0.1, 0.0]), 0);
        // The shop (essential) shed while homes are served in full.
        assert_eq!(count(&[0.1, 0.0, 0.1, 0.0, 0.2]), 1);
        // Per island: two islands, each with the clinic or shelter shed.
        let (m, _) = switched(&prep, &plan, true);
        let served = [0.0, 0.3, 0.0, 0.1, 0.2];
        assert_eq!(shedding_order_violations(c, &m.topo, &DEMAND, &served), 2);
    }

    #[test]
    fn the_outcome_is_the_served_fraction_per_microgrid_and_class() {
        let prep = prepared();
        let c = &prep.community;
        let s = outcome_summary(c, &DEMAND, &[0.1, 0.15, 0.1, 0.0, 0.2]);
        assert_eq!(
            s,
            "town served critical 100% essential - normal 50%; \
             village served critical 100% essential 0% normal 100%"
        );
    }

    #[test]
    fn planning_blocks_cover_this_interval_then_the_horizon() {
        assert_eq!(planning_blocks(0, 10, 5, 2), vec![(0, 1), (1, 3), (3, 5)]);
        assert_eq!(planning_blocks(8, 10, 5, 2), vec![(8, 9), (9, 10)]);
        assert_eq!(planning_blocks(9, 10, 5, 2), vec![(9, 10)]);
        assert_eq!(planning_blocks(0, 10, 3, 0), vec![(0, 1), (1, 2), (2, 3)]);
        assert_eq!(planning_blocks(0, 10, 0, 4), vec![(0, 1)]);
    }

    #[test]
    fn severity_follows_the_share_of_damaged_sites() {
        let failed = |n: usize, of: usize| (0..of).map(|i| i < n).collect::<Vec<_>>();
        assert_eq!(impact_severity(&failed(0, 10), true), 1);
        assert_eq!(impact_severity(&failed(0, 10), false), 2);
        assert_eq!(impact_severity(&failed(1, 20), true), 2);
        assert_eq!(impact_severity(&failed(1, 10), true), 3);
        assert_eq!(impact_severity(&failed(3, 10), true), 4);
        assert_eq!(impact_severity(&failed(5, 10), true), 5);
    }

    #[test]
    fn a_control_step_with_a_damaged_feeder_serves_the_critical_loads() {
        let (prep, plan) = (prepared(), plan());
        let c = &prep.community;
        let mut m = model(&prep, &plan);
        m.failed[village_feeder(c)] = true;
        let soc0 = m.batteries[0].soc;
        m.control(SimTime::ZERO).expect("steps");
        let r = &m.out;
        assert_eq!(r.critical_fraction, vec![1.0]);
        let f = r.served_fraction[0];
        assert!(f < 1.0 && f > 0.75, "{f}");
        assert!(close(r.served_mwh, f * 0.8));
        assert!(r.max_balance_error_mw < 1e-9);
        assert_eq!(r.order_violations, 0);
        assert!(m.batteries[0].soc < soc0);
        assert!(m.interrupted[load(c, "village-homes")]);
        assert_eq!(r.customer_interruptions, 80.0);
        // System series, then per microgrid (3 each), battery and diesels.
        let n = 6 + 3 * c.microgrids.len() + c.batteries.len() + c.diesels.len();
        assert_eq!(r.recorder.len(), n);
        // The decision log is kept when the settings ask for it.
        assert!(!r.decisions.is_empty());
        let mut quiet = prepared();
        quiet.agents.log_decisions = false;
        let mut m = model(&quiet, &plan);
        m.control(SimTime::ZERO).expect("steps");
        assert!(m.out.decisions.is_empty());
    }
}
