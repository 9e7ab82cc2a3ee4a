//! The five-role pipeline and the decision log.

use grid_model::ops::Command;
use serde::{Deserialize, Serialize};

use crate::executor::Executor;
use crate::market::Market;
use crate::observe::Observation;
use crate::optimal::OptimalPlanner;
use crate::plan::{NoSharing, Plan, PlanInput, Strategy};
use crate::priority::PriorityHeuristic;
use crate::roles::{Agent, DisasterAnalyzer, EnergyAnalyzer, GridAnalyzer, ImpactGraph, RiskLevel};

/// One entry of the decision log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRecord {
    /// Simulation time (ms).
    pub time_ms: i64,
    /// Replica.
    pub replica: u32,
    /// Agent (role) that decided.
    pub agent: String,
    /// The inputs, summarised.
    pub inputs: String,
    /// Why, in words.
    pub rationale: String,
    /// Confidence 0..1.
    pub confidence: f64,
    /// The commands, as JSON.
    pub commands: String,
    /// What happened one interval later (filled in then).
    pub outcome: String,
}

/// Names of the built-in strategies ([`strategy`], [`Strategies::builtin`]).
pub const STRATEGIES: [&str; 4] = ["none", "priority", "optimal", "market"];

/// Builds a built-in strategy by name ([`STRATEGIES`]); `None` for any
/// other name (see [`Strategies`] for strategies from other crates).
pub fn strategy(name: &str) -> Option<Box<dyn Strategy>> {
    Some(match name {
        "none" => Box::new(NoSharing),
        "priority" => Box::new(PriorityHeuristic::default()),
        "optimal" => Box::new(OptimalPlanner::default()),
        "market" => Box::new(Market::default()),
        _ => return None,
    })
}

/// Builds a strategy registered in a [`Strategies`] registry.
pub type StrategyFactory = fn() -> Box<dyn Strategy>;

/// The strategies a run may use, by name: the built-in ones
/// ([`STRATEGIES`]) and those registered from crates this one must not
/// depend on (the learned planner `gnn`, registered by `gnn::strategies`).
///
/// A value, passed in a run's options: nothing global, so what a name means
/// is decided by whoever starts the run.
///
/// ```
/// use agents::pipeline::Strategies;
/// let s = Strategies::builtin();
/// assert_eq!(s.names(), ["none", "priority", "optimal", "market"]);
/// assert!(s.make("optimal").is_some());
/// assert!(s.make("gnn").is_none());
/// ```
#[derive(Clone, Default)]
pub struct Strategies {
    registered: Vec<(&'static str, StrategyFactory)>,
}

impl std::fmt::Debug for Strategies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl Strategies {
    /// The built-in strategies only.
    pub fn builtin() -> Strategies {
        Strategies::default()
    }

    /// Registers `make` under `name`. A built-in name is not replaced;
    /// registering a name again replaces its constructor.
    #[must_use]
    pub fn with(mut self, name: &'static str, make: StrategyFactory) -> Strategies {
        if STRATEGIES.contains(&name) {
            return self;
        }
        match self.registered.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = make,
            None => self.registered.push((name, make)),
        }
        self
    }

    /// Builds the strategy called `name`: a built-in one, then a registered
    /// one; `None` for an unknown name.
    pub fn make(&self, name: &str) -> Option<Box<dyn Strategy>> {
        strategy(name).or_else(|| {
            self.registered
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, make)| make())
        })
    }

    /// Whether `name` is known.
    pub fn contains(&self, name: &str) -> bool {
        STRATEGIES.contains(&name) || self.registered.iter().any(|(n, _)| *n == name)
    }

    /// Every name known: [`STRATEGIES`], then the registered ones in
    /// registration order.
    pub fn names(&self) -> Vec<&'static str> {
        let mut v = STRATEGIES.to_vec();
        v.extend(self.registered.iter().map(|(n, _)| *n));
        v
    }
}

/// What one interval produced.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StepOutput {
    /// Commands to apply.
    pub commands: Vec<Command>,
    /// Net planned import per microgrid (MW).
    pub exchange_mw: Vec<f64>,
    /// The plan.
    pub plan: Plan,
}

/// The five roles, run in order every control interval:
/// disaster analyzer, energy analyzer, grid analyzer, decision maker
/// (a [`Strategy`]) and executor.
///
/// Decisions are logged when they change: the decision maker's plan when its
/// transfers or sheds differ from the previous interval's, every executor
/// refusal, and the disaster analyzer when a microgrid's risk level changes.
/// Each logged plan gets its outcome at the next interval
/// ([`Pipeline::outcome`]).
pub struct Pipeline {
    disaster: DisasterAnalyzer,
    energy: EnergyAnalyzer,
    grid: GridAnalyzer,
    decide: Box<dyn Strategy>,
    exec: Executor,
    log: Vec<DecisionRecord>,
    pending: Vec<usize>,
    last_sig: String,
    last_risk: Vec<RiskLevel>,
    graph: Option<Box<dyn ImpactGraph>>,
    last_dark: Option<Vec<Vec<String>>>,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("strategy", &self.decide.name())
            .field("log", &self.log.len())
            .finish()
    }
}

impl Pipeline {
    /// A pipeline with the named strategy (`none`, `priority`, `optimal`,
    /// `market`) and the given local controller; `None` for an unknown name.
    pub fn new(
        strategy_name: &str,
        exec: Executor,
        disaster: DisasterAnalyzer,
    ) -> Option<Pipeline> {
        Some(Pipeline {
            disaster,
            energy: EnergyAnalyzer,
            grid: GridAnalyzer,
            decide: strategy(strategy_name)?,
            exec,
            log: Vec::new(),
            pending: Vec::new(),
            last_sig: String::new(),
            last_risk: Vec::new(),
            graph: None,
            last_dark: None,
        })
    }

    /// A pipeline with a custom strategy (e.g. a learned one).
    pub fn with_strategy(
        strategy: Box<dyn Strategy>,
        exec: Executor,
        disaster: DisasterAnalyzer,
    ) -> Pipeline {
        Pipeline {
            disaster,
            energy: EnergyAnalyzer,
            grid: GridAnalyzer,
            decide: strategy,
            exec,
            log: Vec::new(),
            pending: Vec::new(),
            last_sig: String::new(),
            last_risk: Vec::new(),
            graph: None,
            last_dark: None,
        }
    }

    /// Gives the disaster analyzer a knowledge graph to ask its impact
    /// questions of ([`ImpactGraph`]): its report then lists the critical
    /// loads without power, and the decision log records each change of
    /// that list (agent `disaster_analyzer`).
    pub fn with_impact_graph(mut self, graph: Box<dyn ImpactGraph>) -> Pipeline {
        self.graph = Some(graph);
        self
    }

    /// The strategy's name.
    pub fn strategy_name(&self) -> &'static str {
        self.decide.name()
    }

    /// Runs the five roles for one interval.
    pub fn step(&mut self, obs: &Observation) -> StepOutput {
        let dis = match self.graph.as_deref_mut() {
            None => self.disaster.run(obs),
            Some(g) => {
                let (dis, failed) = self.disaster.run_with_graph(obs, g);
                if let Some(e) = failed {
                    let msg = format!("knowledge graph query failed: {e}");
                    self.push(
                        rec(
                            obs,
                            "disaster_analyzer",
                            String::new(),
                            msg,
                            0.0,
                            "[]".into(),
                        ),
                        false,
                    );
                }
                self.log_without_power(obs, &dis);
                dis
            }
        };
        let en = self.energy.run(obs);
        let gr = self.grid.run(obs);
        if dis.risk != self.last_risk {
            let changed: Vec<String> = dis
                .risk
                .iter()
                .enumerate()
                .filter(|(i, r)| self.last_risk.get(*i) != Some(*r))
                .map(|(i, r)| format!("{}: {:?}", obs.microgrids[i].name, r))
                .collect();
            if !self.last_risk.is_empty() || dis.risk.iter().any(|r| *r != RiskLevel::Low) {
                self.push(
                    rec(
                        obs,
                        self.disaster.name(),
                        format!(
                            "severity {}, {} damaged site(s), upstream {}",
                            dis.severity,
                            dis.damaged.iter().sum::<usize>(),
                            if obs.hazard.upstream_up { "up" } else { "down" }
                        ),
                        format!("risk level changed: {}", changed.join(", ")),
                        1.0,
                        "[]".into(),
                    ),
                    false,
                );
            }
            self.last_risk = dis.risk.clone();
        }
        let input = PlanInput {
            obs,
            disaster: &dis,
            energy: &en,
            grid: &gr,
        };
        let plan = match self.decide.plan(&input) {
            Ok(p) => p,
            Err(e) => {
                // A failed planner falls back to the baseline for this
                // interval, and says so.
                let msg = format!("{e}; falling back to each microgrid alone");
                self.push(
                    rec(
                        obs,
                        "decision_maker",
                        String::new(),
                        msg.clone(),
                        0.0,
                        "[]".into(),
                    ),
                    false,
                );
                Plan {
                    strategy: self.decide.name().into(),
                    rationale: msg,
                    ..Plan::default()
                }
            }
        };
        let ex = self.exec.execute(obs, &gr, &plan);
        for r in &ex.refused {
            self.push(
                rec(
                    obs,
                    "executor",
                    summary(obs, &en),
                    r.clone(),
                    1.0,
                    "[]".into(),
                ),
                false,
            );
        }
        let sig = signature(&ex);
        if sig != self.last_sig {
            let shown: Vec<&Command> = ex
                .commands
                .iter()
                .filter(|c| {
                    matches!(
                        c,
                        Command::Transfer { .. }
                            | Command::OpenSwitch { .. }
                            | Command::CloseSwitch { .. }
                            | Command::ShedLoad { .. }
                    )
                })
                .collect();
            let mut why = plan.rationale.clone();
            for t in &ex.accepted {
                why.push_str("; ");
                why.push_str(&t.reason);
            }
            let cmds = serde_json::to_string(&shown).unwrap_or_else(|_| "[]".into());
            self.push(
                rec(
                    obs,
                    "decision_maker",
                    summary(obs, &en),
                    why,
                    plan.confidence,
                    cmds,
                ),
                true,
            );
            self.last_sig = sig;
        }
        StepOutput {
            commands: ex.commands,
            exchange_mw: ex.exchange_mw,
            plan,
        }
    }

    /// Logs the knowledge graph's answer when it changes.
    fn log_without_power(&mut self, obs: &Observation, dis: &crate::roles::DisasterReport) {
        let Some(dark) = &dis.critical_without_power else {
            return;
        };
        if self.last_dark.as_ref() == Some(dark) {
            return;
        }
        let first = self.last_dark.is_none();
        self.last_dark = Some(dark.clone());
        let n: usize = dark.iter().map(Vec::len).sum();
        if first && n == 0 {
            return;
        }
        let listed: Vec<String> = obs
            .microgrids
            .iter()
            .zip(dark)
            .filter(|(_, d)| !d.is_empty())
            .map(|(m, d)| format!("{}: {}", m.name, d.join(" ")))
            .collect();
        let why = if n == 0 {
            "knowledge graph: every critical load has power again".to_string()
        } else {
            format!(
                "knowledge graph: {n} critical load(s) without power ({})",
                listed.join("; ")
            )
        };
        let inputs = format!(
            "{} damaged site(s), upstream {}",
            obs.hazard.damaged.len(),
            if obs.hazard.upstream_up { "up" } else { "down" }
        );
        self.push(
            rec(obs, "disaster_analyzer", inputs, why, 1.0, "[]".into()),
            false,
        );
    }

    fn push(&mut self, rec: DecisionRecord, wants_outcome: bool) {
        if wants_outcome {
            self.pending.push(self.log.len());
        }
        self.log.push(rec);
    }

    /// Records what happened in the interval after the pending decisions
    /// (called by the simulator once the interval has settled), e.g. the
    /// served fraction per class of each microgrid.
    pub fn outcome(&mut self, text: &str) {
        for i in self.pending.drain(..) {
            if let Some(r) = self.log.get_mut(i) {
                r.outcome = text.to_string();
            }
        }
    }

    /// The decision log so far.
    pub fn log(&self) -> &[DecisionRecord] {
        &self.log
    }

    /// Takes the decision log out.
    pub fn take_log(&mut self) -> Vec<DecisionRecord> {
        std::mem::take(&mut self.log)
    }
}

/// A log record without its outcome yet.
fn rec(
    obs: &Observation,
    agent: &str,
    inputs: String,
    rationale: String,
    confidence: f64,
    commands: String,
) -> DecisionRecord {
    DecisionRecord {
        time_ms: obs.time_ms,
        replica: obs.replica,
        agent: agent.into(),
        inputs,
        rationale,
        confidence,
        commands,
        outcome: String::new(),
    }
}

fn summary(obs: &Observation, en: &crate::roles::EnergyReport) -> String {
    obs.microgrids
        .iter()
        .zip(&en.positions)
        .map(|(m, p)| {
            format!(
                "{}: {} demand {:.3}/{:.3}/{:.3} MW, renewables {:.3} MW, stored {:.2} MWh, fuel {:.2} MWh",
                m.name,
                if m.upstream_connected { "grid" } else { "island" },
                p.demand_mw[0],
                p.demand_mw[1],
                p.demand_mw[2],
                p.renewable_mw,
                p.stored_mwh,
                p.fuel_mwh
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What makes two intervals' decisions "the same": the transfers (pairs,
/// power to 10 kW) and the sheds (loads, fraction to 1 %), and switches.
fn signature(ex: &crate::executor::Execution) -> String {
    let mut s = String::new();
    for c in &ex.commands {
        match c {
            Command::Transfer { from, to, p_mw } => {
                s.push_str(&format!("T{from}>{to}:{:.2};", p_mw))
            }
            Command::ShedLoad { load, fraction } => {
                s.push_str(&format!("S{load}:{:.2};", fraction))
            }
            Command::OpenSwitch { switch } => s.push_str(&format!("O{switch};")),
            Command::CloseSwitch { switch } => s.push_str(&format!("C{switch};")),
            _ => {}
        }
    }
    s
}
