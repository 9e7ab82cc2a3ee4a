//! Python bindings of blackstart: the `blackstart._blackstart` extension
//! module behind the `blackstart` Python package (`py-bindings/python`).
//!
//! No logic lives here: every call goes to the Rust crates. Tables cross
//! the boundary as Arrow IPC bytes (the version-proof format) and become
//! polars DataFrames in the Python package; arrays of numbers cross as
//! little-endian `f64` bytes and become numpy arrays. Errors are the
//! classes of `blackstart.errors` (see `Kind`): bad input an `InputError`
//! (a `ValueError`), a failed computation a `ComputationError` (a
//! `RuntimeError`), one subclass per kind, with the Rust message. Long runs
//! release the GIL, report progress to an optional callback and stop at
//! Ctrl-C (`KeyboardInterrupt`).

use std::io::Cursor;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use blackstart::disaster_scenarios;
use blackstart::engine::env::{self as senv, EnvAction, Progress, Session};
use blackstart::engine::{self, RunHooks, RunOptions};
use blackstart::reports;
use blackstart::scenario::{self, Loaded, ScenarioError};
use blackstart::twin;
use grid_model::pf::{Init, PfOptions, PowerFlow};
use polars::prelude::{Column, DataFrame, IpcWriter, SerWriter};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyType};

// ---------------------------------------------------------------------------
// Errors: the classes of `blackstart.errors`.

/// The kinds of error the bindings raise, each a class of
/// `blackstart.errors`: the input kinds subclass `InputError` (a
/// `ValueError`), the failures `ComputationError` (a `RuntimeError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A scenario file, text or dict, or a value in it.
    Scenario,
    /// A MATPOWER file, a network or a power-flow setting.
    Network,
    /// A hazard model's name or input, a track or fragility file.
    Hazard,
    /// Malformed SPARQL, an RDF file, an argument of `query`.
    Query,
    /// A testbed, broker URL or twin setting.
    Twin,
    /// An action of the stepping environment.
    Action,
    /// A simulation run failed.
    Simulation,
    /// A query's evaluation (or the knowledge graph) failed.
    QueryFailure,
    /// The live twin failed while running.
    TwinFailure,
    /// Writing output files failed.
    Output,
    /// A failure of the bindings themselves (a bug): `ComputationError`.
    Internal,
}

impl Kind {
    /// The class's name in `blackstart.errors`.
    fn class_name(self) -> &'static str {
        match self {
            Kind::Scenario => "ScenarioError",
            Kind::Network => "NetworkError",
            Kind::Hazard => "HazardError",
            Kind::Query => "QueryError",
            Kind::Twin => "TwinError",
            Kind::Action => "ActionError",
            Kind::Simulation => "SimulationError",
            Kind::QueryFailure => "QueryFailure",
            Kind::TwinFailure => "TwinFailure",
            Kind::Output => "OutputError",
            Kind::Internal => "ComputationError",
        }
    }

    /// Whether the kind is the caller's input (a `ValueError`).
    fn is_input(self) -> bool {
        matches!(
            self,
            Kind::Scenario | Kind::Network | Kind::Hazard | Kind::Query | Kind::Twin | Kind::Action
        )
    }
}

/// The Python exception of `kind` with the engine's message `msg` (the
/// class from `blackstart.errors`; the plain `ValueError` or `RuntimeError`
/// should that module be missing). Attaches to the interpreter if needed.
fn raise(kind: Kind, msg: impl Into<String>) -> PyErr {
    let msg = msg.into();
    Python::attach(|py| {
        let class = py
            .import("blackstart.errors")
            .and_then(|m| m.getattr(kind.class_name()))
            .and_then(|c| c.cast_into::<PyType>().map_err(PyErr::from));
        match class {
            Ok(c) => PyErr::from_type(c, msg),
            Err(_) if kind.is_input() => PyValueError::new_err(msg),
            Err(_) => PyRuntimeError::new_err(msg),
        }
    })
}

/// The kind of a scenario error: the input (`Io`, `Parse`, `Invalid`), the
/// outputs, or else the simulation.
fn scenario_kind(e: &ScenarioError) -> Kind {
    match e {
        ScenarioError::Output(_) => Kind::Output,
        e if e.is_input() => Kind::Scenario,
        _ => Kind::Simulation,
    }
}

/// A scenario error as a Python exception (see [`scenario_kind`]); the
/// message is the engine's.
fn scenario_err(e: ScenarioError) -> PyErr {
    raise(scenario_kind(&e), e.to_string())
}

/// The kind of a knowledge-graph error: evaluation and store failures,
/// writing results, or else the input (SPARQL, RDF files).
fn ontology_kind(e: &ontology::OntologyError) -> Kind {
    match e {
        ontology::OntologyError::Evaluation(_) => Kind::QueryFailure,
        ontology::OntologyError::Output(_) => Kind::Output,
        _ => Kind::Query,
    }
}

/// The kind of a twin error, classified as `blackstart twin` does (input or
/// failure, see `TwinError::is_bad_input`), finer: the scenario's own
/// errors as [`scenario_kind`]; the rest the twin's input or its failure
/// (files it reads or writes while running included).
fn twin_kind(e: &twin::TwinError) -> Kind {
    match e {
        twin::TwinError::Scenario(s) => scenario_kind(s),
        twin::TwinError::Io(_) => Kind::TwinFailure,
        e if e.is_bad_input() => Kind::Twin,
        _ => Kind::TwinFailure,
    }
}

/// A twin error as a Python exception (see [`twin_kind`]).
fn twin_err(e: twin::TwinError) -> PyErr {
    raise(twin_kind(&e), e.to_string())
}

fn ipc(mut df: DataFrame) -> PyResult<Vec<u8>> {
    let mut buf = Cursor::new(Vec::new());
    IpcWriter::new(&mut buf)
        .finish(&mut df)
        .map_err(|e| raise(Kind::Internal, format!("cannot encode a table: {e}")))?;
    Ok(buf.into_inner())
}

fn frame(height: usize, cols: Vec<Column>) -> PyResult<Vec<u8>> {
    let df = DataFrame::new(height, cols)
        .map_err(|e| raise(Kind::Internal, format!("cannot build a table: {e}")))?;
    ipc(df)
}

/// Numbers from little-endian `f64` bytes (the hazard functions' arrays).
fn floats(name: &str, b: &[u8]) -> PyResult<Vec<f64>> {
    if !b.len().is_multiple_of(8) {
        return Err(raise(
            Kind::Hazard,
            format!(
                "{name}: {} bytes is not a whole number of float64 values",
                b.len()
            ),
        ));
    }
    Ok(b.chunks_exact(8)
        .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
        .collect())
}

/// Little-endian `f64` bytes.
fn to_bytes<'py>(py: Python<'py>, v: &[f64]) -> Bound<'py, PyBytes> {
    let mut out = Vec::with_capacity(v.len() * 8);
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
    PyBytes::new(py, &out)
}

/// Runs `job` on a worker thread with the GIL released; meanwhile the
/// calling thread passes progress to `progress(done, total)` and checks for
/// signals every 50 ms: on Ctrl-C the job is cancelled (replicas not yet
/// started are skipped), joined, and `KeyboardInterrupt` raised.
fn run_blocking<T, F>(py: Python<'_>, progress: Option<Py<PyAny>>, job: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce(RunHooks<'_>) -> Result<T, ScenarioError> + Send,
{
    let cancel = AtomicBool::new(false);
    let (tx, rx) = channel::<(u32, u32)>();
    let rx = Mutex::new(rx);
    std::thread::scope(|s| {
        let cancel_ref = &cancel;
        let handle = s.spawn(move || {
            let report = move |done: u32, total: u32| {
                let _ = tx.send((done, total));
            };
            job(RunHooks {
                progress: Some(&report),
                cancel: Some(cancel_ref),
                ..RunHooks::default()
            })
        });
        let mut interrupted: Option<PyErr> = None;
        loop {
            let got = py.detach(|| {
                let rx = rx.lock().ok()?;
                match rx.recv_timeout(Duration::from_millis(50)) {
                    Ok(p) => Some(Some(p)),
                    Err(RecvTimeoutError::Timeout) => Some(None),
                    Err(RecvTimeoutError::Disconnected) => None,
                }
            });
            match got {
                None => break,
                Some(Some((done, total))) => {
                    if let Some(cb) = &progress
                        && let Err(e) = cb.call1(py, (done, total))
                    {
                        cancel.store(true, std::sync::atomic::Ordering::Relaxed);
                        interrupted = Some(e);
                        break;
                    }
                }
                Some(None) => {}
            }
            if let Err(e) = py.check_signals() {
                cancel.store(true, std::sync::atomic::Ordering::Relaxed);
                interrupted = Some(e);
                break;
            }
        }
        let res = py.detach(|| handle.join());
        if let Some(e) = interrupted {
            return Err(e);
        }
        match res {
            Ok(r) => r.map_err(scenario_err),
            Err(_) => Err(raise(Kind::Simulation, "the engine's thread panicked")),
        }
    })
}

/// An electrical network (see `grid_model::Network`).
#[pyclass(module = "blackstart._blackstart", name = "Network", frozen)]
struct PyNetwork {
    net: grid_model::Network,
}

/// The result of a power flow; tables as Arrow IPC bytes.
#[pyclass(module = "blackstart._blackstart", name = "PowerFlowResult", frozen)]
struct PyPowerFlow {
    /// Whether the power flow converged.
    #[pyo3(get)]
    converged: bool,
    /// Newton-Raphson iterations (0 for DC).
    #[pyo3(get)]
    iterations: usize,
    /// Largest power mismatch at the solution (p.u.).
    #[pyo3(get)]
    max_mismatch_pu: f64,
    /// Total losses (MW).
    #[pyo3(get)]
    losses_mw: f64,
    /// Whether this is a DC power flow.
    #[pyo3(get)]
    dc: bool,
    bus: Vec<u8>,
    gens: Vec<u8>,
    branch: Vec<u8>,
}

#[pymethods]
impl PyPowerFlow {
    /// Bus table (`bus_id, vm_pu, va_deg`) as Arrow IPC bytes.
    fn bus_ipc<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.bus)
    }
    /// Generator table (`gen, bus, pg_mw, qg_mvar`) as Arrow IPC bytes.
    fn gen_ipc<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.gens)
    }
    /// Branch table (`branch, f_bus, t_bus, pf_mw, qf_mvar, pt_mw, qt_mvar`)
    /// as Arrow IPC bytes.
    fn branch_ipc<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.branch)
    }
}

#[pymethods]
impl PyNetwork {
    /// Reads a MATPOWER case file.
    #[staticmethod]
    fn from_matpower(path: &str) -> PyResult<Self> {
        let net = grid_model::matpower::read_file(path)
            .map_err(|e| raise(Kind::Network, e.to_string()))?;
        Ok(PyNetwork { net })
    }

    /// Number of buses.
    #[getter]
    fn n_buses(&self) -> usize {
        self.net.buses.len()
    }

    /// Times the engine alone: the mean wall time (s) of `repeats` power
    /// flows (set-up and solve, as `power_flow` does, without building the
    /// result tables), for the Python overhead bench.
    #[pyo3(signature = (repeats = 100, dc = false))]
    fn time_power_flow(&self, py: Python<'_>, repeats: usize, dc: bool) -> PyResult<f64> {
        let net = &self.net;
        let n = repeats.max(1);
        py.detach(|| -> Result<f64, String> {
            let t0 = std::time::Instant::now();
            for _ in 0..n {
                let mut pf = PowerFlow::new(net).map_err(|e| e.to_string())?;
                let sol = if dc {
                    pf.solve_dc()
                } else {
                    pf.solve_ac(&PfOptions::default())
                };
                std::hint::black_box(&sol);
            }
            Ok(t0.elapsed().as_secs_f64() / n as f64)
        })
        .map_err(|m| raise(Kind::Network, m))
    }

    /// Solves the AC (Newton-Raphson) or DC power flow.
    #[pyo3(signature = (dc = false, init = "case", tol = 1e-8, max_iter = 20))]
    fn power_flow(
        &self,
        py: Python<'_>,
        dc: bool,
        init: &str,
        tol: f64,
        max_iter: usize,
    ) -> PyResult<PyPowerFlow> {
        let init: Init = init.parse().map_err(|m| raise(Kind::Network, m))?;
        if !(tol.is_finite() && tol > 0.0) {
            return Err(raise(
                Kind::Network,
                format!("tol must be a positive number, got {tol}"),
            ));
        }
        let net = &self.net;
        let sol = py.detach(|| -> Result<_, String> {
            let mut pf = PowerFlow::new(net).map_err(|e| e.to_string())?;
            Ok(if dc {
                pf.solve_dc()
            } else {
                pf.solve_ac(&PfOptions {
                    init,
                    tol,
                    max_iter,
                })
            })
        });
        let sol = sol.map_err(|m| raise(Kind::Network, m))?;
        let on: Vec<usize> = (0..net.buses.len())
            .filter(|&i| sol.bus_energised[i])
            .collect();
        let bus = frame(
            on.len(),
            vec![
                Column::new(
                    "bus_id".into(),
                    on.iter().map(|&i| net.buses[i].id).collect::<Vec<u64>>(),
                ),
                Column::new(
                    "vm_pu".into(),
                    on.iter().map(|&i| sol.bus_vm[i]).collect::<Vec<f64>>(),
                ),
                Column::new(
                    "va_deg".into(),
                    on.iter().map(|&i| sol.bus_va_deg[i]).collect::<Vec<f64>>(),
                ),
            ],
        )?;
        let g: Vec<usize> = (0..net.gens.len())
            .filter(|&k| net.gens[k].in_service && sol.bus_energised[net.gens[k].bus])
            .collect();
        let gens = frame(
            g.len(),
            vec![
                Column::new(
                    "gen".into(),
                    g.iter().map(|&k| (k + 1) as u64).collect::<Vec<u64>>(),
                ),
                Column::new(
                    "bus".into(),
                    g.iter()
                        .map(|&k| net.buses[net.gens[k].bus].id)
                        .collect::<Vec<u64>>(),
                ),
                Column::new(
                    "pg_mw".into(),
                    g.iter().map(|&k| sol.gen_p_mw[k]).collect::<Vec<f64>>(),
                ),
                Column::new(
                    "qg_mvar".into(),
                    g.iter().map(|&k| sol.gen_q_mvar[k]).collect::<Vec<f64>>(),
                ),
            ],
        )?;
        let b: Vec<usize> = (0..net.branches.len())
            .filter(|&k| sol.branch_active[k])
            .collect();
        let branch = frame(
            b.len(),
            vec![
                Column::new(
                    "branch".into(),
                    b.iter().map(|&k| (k + 1) as u64).collect::<Vec<u64>>(),
                ),
                Column::new(
                    "f_bus".into(),
                    b.iter()
                        .map(|&k| net.buses[net.branches[k].from].id)
                        .collect::<Vec<u64>>(),
                ),
                Column::new(
                    "t_bus".into(),
                    b.iter()
                        .map(|&k| net.buses[net.branches[k].to].id)
                        .collect::<Vec<u64>>(),
                ),
                Column::new(
                    "pf_mw".into(),
                    b.iter().map(|&k| sol.branch_pf_mw[k]).collect::<Vec<f64>>(),
                ),
                Column::new(
                    "qf_mvar".into(),
                    b.iter()
                        .map(|&k| sol.branch_qf_mvar[k])
                        .collect::<Vec<f64>>(),
                ),
                Column::new(
                    "pt_mw".into(),
                    b.iter().map(|&k| sol.branch_pt_mw[k]).collect::<Vec<f64>>(),
                ),
                Column::new(
                    "qt_mvar".into(),
                    b.iter()
                        .map(|&k| sol.branch_qt_mvar[k])
                        .collect::<Vec<f64>>(),
                ),
            ],
        )?;
        Ok(PyPowerFlow {
            converged: sol.converged,
            iterations: sol.iterations,
            max_mismatch_pu: sol.max_mismatch_pu,
            losses_mw: sol.losses_mw,
            dc,
            bus,
            gens,
            branch,
        })
    }
}

/// The results of a scenario run.
#[pyclass(module = "blackstart._blackstart", name = "RunResults", frozen)]
struct PyRunResults {
    timeseries: Vec<u8>,
    events: Vec<u8>,
    decisions: Vec<u8>,
    /// `summary.json` as text.
    #[pyo3(get)]
    summary_json: String,
}

#[pymethods]
impl PyRunResults {
    /// Time series (`time_ms, replica, entity, metric, value`) as Arrow IPC.
    fn timeseries_ipc<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.timeseries)
    }
    /// Events (`time_ms, replica, entity, kind, detail`) as Arrow IPC.
    fn events_ipc<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.events)
    }
    /// Decision log (`replica, time_h, agent, inputs, rationale,
    /// confidence, commands, outcome`) as Arrow IPC.
    fn decisions_ipc<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.decisions)
    }
}

fn results_of(res: &engine::RunResults) -> PyResult<PyRunResults> {
    let rt = |e: String| raise(Kind::Internal, e);
    let ts = res.recorder.to_dataframe().map_err(|e| rt(e.to_string()))?;
    let ev = res
        .recorder
        .events_to_dataframe()
        .map_err(|e| rt(e.to_string()))?;
    let dec = reports::decisions_frame(res).map_err(scenario_err)?;
    let summary =
        serde_json::to_string(&reports::summary_json(res)).map_err(|e| rt(e.to_string()))?;
    Ok(PyRunResults {
        timeseries: ipc(ts)?,
        events: ipc(ev)?,
        decisions: ipc(dec)?,
        summary_json: summary,
    })
}

fn run_loaded(
    py: Python<'_>,
    loaded: &Loaded,
    replicas: Option<u32>,
    seed: Option<u64>,
    threads: usize,
    out: Option<&str>,
    progress: Option<Py<PyAny>>,
) -> PyResult<PyRunResults> {
    let res = run_blocking(py, progress, |hooks| {
        let res = engine::run_with_hooks(
            loaded,
            &RunOptions {
                replicas,
                seed,
                threads,
                detail: true,
                strategies: blackstart::strategies(),
            },
            None,
            hooks,
        )?;
        if let Some(dir) = out {
            reports::write_outputs(&res, std::path::Path::new(dir))?;
        }
        Ok(res)
    })?;
    results_of(&res)
}

/// Runs a scenario file; writes the CLI's outputs to `out` when given;
/// `progress(done, total)` is called after each replica.
#[pyfunction]
#[pyo3(signature = (path, replicas = None, seed = None, threads = 0, out = None, progress = None))]
fn run(
    py: Python<'_>,
    path: &str,
    replicas: Option<u32>,
    seed: Option<u64>,
    threads: usize,
    out: Option<&str>,
    progress: Option<Py<PyAny>>,
) -> PyResult<PyRunResults> {
    let loaded = scenario::load(path).map_err(scenario_err)?;
    run_loaded(py, &loaded, replicas, seed, threads, out, progress)
}

fn compare_loaded(
    py: Python<'_>,
    loaded: &Loaded,
    policies: Vec<String>,
    replicas: Option<u32>,
    seed: Option<u64>,
    threads: usize,
    out: Option<&str>,
) -> PyResult<String> {
    let json = py.detach(|| -> Result<_, ScenarioError> {
        let cmp = reports::compare::compare(
            loaded,
            &policies,
            &RunOptions {
                replicas,
                seed,
                threads,
                detail: false,
                strategies: blackstart::strategies(),
            },
        )?;
        if let Some(dir) = out {
            cmp.write(std::path::Path::new(dir))?;
        }
        Ok(cmp.to_json())
    });
    let json = json.map_err(scenario_err)?;
    serde_json::to_string(&json).map_err(|e| raise(Kind::Internal, e.to_string()))
}

/// Runs every policy on the same replicas (common random numbers) and
/// returns `compare.json` as a string; writes the CLI's compare files to
/// `out` when given.
#[pyfunction]
#[pyo3(signature = (path, policies, replicas = None, seed = None, threads = 0, out = None))]
fn compare(
    py: Python<'_>,
    path: &str,
    policies: Vec<String>,
    replicas: Option<u32>,
    seed: Option<u64>,
    threads: usize,
    out: Option<&str>,
) -> PyResult<String> {
    let loaded = scenario::load(path).map_err(scenario_err)?;
    compare_loaded(py, &loaded, policies, replicas, seed, threads, out)
}

/// A loaded, parsed scenario (see `examples/scenarios/README.md`).
#[pyclass(module = "blackstart._blackstart", name = "Scenario", frozen)]
struct PyScenario {
    loaded: Arc<Loaded>,
}

#[pymethods]
impl PyScenario {
    /// Reads and parses a scenario file (TOML).
    #[staticmethod]
    fn from_toml(path: &str) -> PyResult<Self> {
        let loaded = scenario::load(path).map_err(scenario_err)?;
        Ok(PyScenario {
            loaded: Arc::new(loaded),
        })
    }

    /// Parses scenario TOML text; `name` is the file name used in messages
    /// (relative paths in the scenario are relative to its folder).
    #[staticmethod]
    fn from_toml_str(text: &str, name: &str) -> PyResult<Self> {
        let loaded = scenario::parse(text, name).map_err(scenario_err)?;
        Ok(PyScenario {
            loaded: Arc::new(loaded),
        })
    }

    /// Parses a scenario given as JSON text (the TOML file's tables as
    /// objects); it is turned into TOML first, so messages point at the
    /// lines of that TOML text (see `toml_text`).
    #[staticmethod]
    fn from_json(json: &str, name: &str) -> PyResult<Self> {
        let value: toml::Value = serde_json::from_str(json)
            .map_err(|e| raise(Kind::Scenario, format!("{name}: {e}")))?;
        let text = toml::to_string_pretty(&value).map_err(|e| {
            raise(
                Kind::Scenario,
                format!("{name}: cannot be written as TOML: {e}"),
            )
        })?;
        Self::from_toml_str(&text, name)
    }

    /// The scenario's TOML text.
    #[getter]
    fn toml_text(&self) -> String {
        self.loaded.text.clone()
    }

    /// The file name used in messages.
    #[getter]
    fn path(&self) -> String {
        self.loaded.name.clone()
    }

    /// The scenario's name (`[scenario] name`).
    #[getter]
    fn name(&self) -> String {
        self.loaded.file.scenario.name.clone()
    }

    /// The response policy (`[policy] kind`).
    #[getter]
    fn policy(&self) -> String {
        self.loaded.file.policy.kind.clone()
    }

    /// Runs the scenario (see `run`).
    #[pyo3(signature = (replicas = None, seed = None, threads = 0, out = None, progress = None))]
    fn run(
        &self,
        py: Python<'_>,
        replicas: Option<u32>,
        seed: Option<u64>,
        threads: usize,
        out: Option<&str>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<PyRunResults> {
        run_loaded(py, &self.loaded, replicas, seed, threads, out, progress)
    }

    /// Compares policies on common random numbers (see `compare`).
    #[pyo3(signature = (policies, replicas = None, seed = None, threads = 0, out = None))]
    fn compare(
        &self,
        py: Python<'_>,
        policies: Vec<String>,
        replicas: Option<u32>,
        seed: Option<u64>,
        threads: usize,
        out: Option<&str>,
    ) -> PyResult<String> {
        compare_loaded(py, &self.loaded, policies, replicas, seed, threads, out)
    }

    /// The shape of the stepping environment (`EnvCore`) as a dict:
    /// `microgrids`, `edges`, `edge_ends`, `edge_capacity_mw`, `steps`,
    /// `dt_h`, `battery_power_mw`, `diesel_power_mw`, `peak_demand_mw`
    /// (flat, 3 per microgrid), `reward_weights`.
    fn env_spec<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = senv::spec(&self.loaded).map_err(scenario_err)?;
        let d = PyDict::new(py);
        d.set_item("microgrids", s.microgrids)?;
        d.set_item("edges", s.edges)?;
        d.set_item("edge_ends", s.edge_ends)?;
        d.set_item("edge_capacity_mw", s.edge_capacity_mw)?;
        d.set_item("steps", s.steps)?;
        d.set_item("dt_h", s.dt_h)?;
        d.set_item("battery_power_mw", s.battery_power_mw)?;
        d.set_item("diesel_power_mw", s.diesel_power_mw)?;
        d.set_item(
            "peak_demand_mw",
            s.peak_demand_mw
                .iter()
                .flatten()
                .copied()
                .collect::<Vec<f64>>(),
        )?;
        d.set_item("reward_weights", senv::REWARD_WEIGHTS.to_vec())?;
        Ok(d)
    }
}

fn obs_dict<'py>(py: Python<'py>, o: &senv::EnvObservation) -> PyResult<Bound<'py, PyDict>> {
    let b = |v: &[bool]| {
        v.iter()
            .map(|x| f64::from(u8::from(*x)))
            .collect::<Vec<f64>>()
    };
    let d = PyDict::new(py);
    d.set_item("step", o.step)?;
    d.set_item("time_h", o.time_h)?;
    d.set_item("severity", o.severity)?;
    d.set_item("upstream_up", o.upstream_up)?;
    d.set_item(
        "risk",
        o.risk.iter().map(|&r| f64::from(r)).collect::<Vec<f64>>(),
    )?;
    d.set_item("damaged_sites", o.damaged_sites.clone())?;
    d.set_item("expected_restore_h", o.expected_restore_h.clone())?;
    d.set_item(
        "demand_mw",
        o.demand_mw.iter().flatten().copied().collect::<Vec<f64>>(),
    )?;
    d.set_item("renewable_mw", o.renewable_mw.clone())?;
    d.set_item("stored_mwh", o.stored_mwh.clone())?;
    d.set_item("fuel_mwh", o.fuel_mwh.clone())?;
    d.set_item("dispatchable_mw", o.dispatchable_mw.clone())?;
    d.set_item("horizon_balance_mwh", o.horizon_balance_mwh.clone())?;
    d.set_item("critical_balance_mwh", o.critical_balance_mwh.clone())?;
    d.set_item("upstream_connected", b(&o.upstream_connected))?;
    d.set_item("can_form_grid", b(&o.can_form_grid))?;
    d.set_item(
        "group",
        o.group.iter().map(|&g| g as f64).collect::<Vec<f64>>(),
    )?;
    d.set_item("edge_intact", b(&o.edge_intact))?;
    d.set_item("edge_usable", b(&o.edge_usable))?;
    Ok(d)
}

/// The stepping core of the Gymnasium and PettingZoo environments: one
/// replica of a scenario, advanced one control step per `step` call with the
/// caller's action as the decision maker's plan (see
/// `blackstart::engine::env`).
#[pyclass(module = "blackstart._blackstart", name = "EnvCore", frozen)]
struct PyEnvCore {
    loaded: Arc<Loaded>,
    detail: bool,
    session: Mutex<Option<Session>>,
    last: Mutex<Option<Arc<engine::RunResults>>>,
}

#[pymethods]
impl PyEnvCore {
    /// A stepping core over `scenario`; `detail` records per-microgrid and
    /// per-asset series for `results()`.
    #[new]
    #[pyo3(signature = (scenario, detail = false))]
    fn new(scenario: PyRef<'_, PyScenario>, detail: bool) -> PyResult<Self> {
        senv::spec(&scenario.loaded).map_err(scenario_err)?;
        Ok(PyEnvCore {
            loaded: scenario.loaded.clone(),
            detail,
            session: Mutex::new(None),
            last: Mutex::new(None),
        })
    }

    /// Starts an episode: replica 0 of the scenario with `seed`; returns
    /// the first observation (a dict of flat lists).
    fn reset<'py>(&self, py: Python<'py>, seed: u64) -> PyResult<Bound<'py, PyDict>> {
        let poisoned = || raise(Kind::Internal, "the environment's lock is poisoned");
        let mut slot = self.session.lock().map_err(|_| poisoned())?;
        // Stop the previous episode first (joins its thread).
        let old = slot.take();
        py.detach(move || drop(old));
        if let Ok(mut l) = self.last.lock() {
            *l = None;
        }
        let loaded = self.loaded.clone();
        let detail = self.detail;
        let (s, p) = py
            .detach(move || Session::start(loaded, seed, detail, blackstart::strategies()))
            .map_err(scenario_err)?;
        *slot = Some(s);
        match p {
            Progress::Observe(o) => obs_dict(py, &o),
            Progress::Done(_) => Err(raise(Kind::Simulation, "the scenario has no control step")),
        }
    }

    /// Carries out one control step. `transfer_mw`: n x n requested power
    /// from microgrid i to j (row-major, or empty); `dispatch_mask`: per
    /// microgrid, use `battery_mw`, `diesel_mw` and `shed` (n x 3) instead of
    /// its local controller. Returns `(served_mw, demand_mw, rewards, dt_h,
    /// observation or None when the episode is over)`, served and demand
    /// flat n x 3 (critical, essential, normal), rewards per microgrid
    /// (priority-weighted served energy, `engine::env::rewards`).
    #[pyo3(signature = (transfer_mw, dispatch_mask, battery_mw, diesel_mw, shed))]
    #[allow(clippy::type_complexity)] // a Python tuple of arrays
    fn step<'py>(
        &self,
        py: Python<'py>,
        transfer_mw: Vec<f64>,
        dispatch_mask: Vec<bool>,
        battery_mw: Vec<f64>,
        diesel_mw: Vec<f64>,
        shed: Vec<f64>,
    ) -> PyResult<(
        Vec<f64>,
        Vec<f64>,
        Vec<f64>,
        f64,
        Option<Bound<'py, PyDict>>,
    )> {
        let poisoned = || raise(Kind::Internal, "the environment's lock is poisoned");
        let mut slot = self.session.lock().map_err(|_| poisoned())?;
        let Some(session) = slot.as_mut() else {
            return Err(raise(
                Kind::Simulation,
                "no episode is running: call reset() first",
            ));
        };
        let n = session.microgrids();
        if dispatch_mask.len() != n {
            return Err(raise(
                Kind::Action,
                format!(
                    "action: dispatch_mask has {} entries, expected {n} (one per microgrid)",
                    dispatch_mask.len()
                ),
            ));
        }
        let action =
            EnvAction::from_arrays(transfer_mw, &dispatch_mask, &battery_mw, &diesel_mw, &shed);
        // The caller's action (or a finished episode) is refused as an
        // `ActionError`; the model's failures keep their kind.
        let (rec, p) = py
            .detach(|| session.step(action))
            .map_err(|e| match scenario_kind(&e) {
                Kind::Scenario => raise(Kind::Action, e.to_string()),
                k => raise(k, e.to_string()),
            })?;
        let served: Vec<f64> = rec.served_mw.iter().flatten().copied().collect();
        let demand: Vec<f64> = rec.demand_mw.iter().flatten().copied().collect();
        // The reward is the engine's (priority-weighted served energy per
        // microgrid, `engine::env::rewards`), not recomputed in Python.
        let rewards = senv::rewards(&rec);
        let obs = match p {
            Progress::Observe(o) => Some(obs_dict(py, &o)?),
            Progress::Done(res) => {
                if let Ok(mut l) = self.last.lock() {
                    *l = Some(Arc::from(res));
                }
                None
            }
        };
        Ok((served, demand, rewards, rec.dt_h, obs))
    }

    /// The finished episode's results (as `run` with one replica and the
    /// episode's seed), or None while it runs.
    fn results(&self) -> PyResult<Option<PyRunResults>> {
        let last = self
            .last
            .lock()
            .map_err(|_| raise(Kind::Internal, "the environment's lock is poisoned"))?
            .clone();
        last.map(|r| results_of(&r)).transpose()
    }

    /// Stops the running episode, if any.
    fn close(&self, py: Python<'_>) {
        if let Ok(mut slot) = self.session.lock() {
            let old = slot.take();
            py.detach(move || drop(old));
        }
    }
}

// ---------------------------------------------------------------------------
// Hazards (crate disaster-scenarios), vectorised over arrays.

/// Ground motion for every element of the input arrays (little-endian f64
/// bytes, all the same length; parameters a model does not use may be NaN):
/// returns `(median, sigma_total, sigma_inter, sigma_intra)` as f64 bytes
/// (NaN where the model does not define a deviation). `imt` is `pga` (g) or
/// `pgv` (cm/s).
#[pyfunction]
#[pyo3(signature = (model, region, imt, mag, rake, hypo_depth, rrup, rjb, vs30))]
#[allow(clippy::too_many_arguments)]
#[allow(clippy::type_complexity)] // a Python tuple of arrays
fn gmpe<'py>(
    py: Python<'py>,
    model: &str,
    region: &str,
    imt: &str,
    mag: &[u8],
    rake: &[u8],
    hypo_depth: &[u8],
    rrup: &[u8],
    rjb: &[u8],
    vs30: &[u8],
) -> PyResult<(
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
)> {
    use disaster_scenarios::gmpe::{GmpeInput, Imt, model_by_name};
    let m = model_by_name(model, region).map_err(|e| raise(Kind::Hazard, e.to_string()))?;
    let imt = match imt {
        "pga" | "PGA" => Imt::Pga,
        "pgv" | "PGV" => Imt::Pgv,
        other => {
            return Err(raise(
                Kind::Hazard,
                format!("unknown intensity measure `{other}` (expected pga or pgv)"),
            ));
        }
    };
    let cols = [
        floats("mag", mag)?,
        floats("rake", rake)?,
        floats("hypo_depth", hypo_depth)?,
        floats("rrup", rrup)?,
        floats("rjb", rjb)?,
        floats("vs30", vs30)?,
    ];
    let n = cols[0].len();
    if cols.iter().any(|c| c.len() != n) {
        return Err(raise(
            Kind::Hazard,
            "the input arrays must have the same length",
        ));
    }
    let res = py.detach(|| -> Result<Vec<[f64; 4]>, String> {
        (0..n)
            .map(|i| {
                let inp = GmpeInput {
                    mag: cols[0][i],
                    rake: cols[1][i],
                    hypo_depth: cols[2][i],
                    rrup: cols[3][i],
                    rjb: cols[4][i],
                    vs30: cols[5][i],
                };
                m.check(&inp).map_err(|e| format!("element {i}: {e}"))?;
                let g = m
                    .compute(&inp, imt)
                    .map_err(|e| format!("element {i}: {e}"))?;
                Ok([
                    g.median,
                    g.sigma_total,
                    g.sigma_inter.unwrap_or(f64::NAN),
                    g.sigma_intra.unwrap_or(f64::NAN),
                ])
            })
            .collect()
    });
    let res = res.map_err(|m| raise(Kind::Hazard, m))?;
    let col = |k: usize| res.iter().map(|r| r[k]).collect::<Vec<f64>>();
    Ok((
        to_bytes(py, &col(0)),
        to_bytes(py, &col(1)),
        to_bytes(py, &col(2)),
        to_bytes(py, &col(3)),
    ))
}

/// The largest 1-minute sustained wind (m/s) over a best track at each site
/// (`lat`, `lon` as f64 bytes), Holland model `model` (`h08` or `h80`), the
/// track resampled every `step_h` hours; winds below `threshold` are 0,
/// others multiplied by `gust_factor` (as `blackstart hazard wind`).
#[pyfunction]
#[pyo3(signature = (track, lat, lon, model = "h08", step_h = 1.0, threshold = 0.0, gust_factor = 1.0))]
#[allow(clippy::too_many_arguments)]
fn max_wind<'py>(
    py: Python<'py>,
    track: &str,
    lat: &[u8],
    lon: &[u8],
    model: &str,
    step_h: f64,
    threshold: f64,
    gust_factor: f64,
) -> PyResult<Bound<'py, PyBytes>> {
    use disaster_scenarios::wind::{Track, WindField, WindModel};
    let bad = |m: String| raise(Kind::Hazard, m);
    let model = WindModel::from_name(model).map_err(|e| bad(e.to_string()))?;
    if !(step_h.is_finite() && step_h > 0.0) {
        return Err(bad(format!("step_h must be positive (got {step_h})")));
    }
    if !(gust_factor.is_finite() && gust_factor > 0.0) {
        return Err(bad(format!(
            "gust_factor must be positive (got {gust_factor})"
        )));
    }
    let lat = floats("lat", lat)?;
    let lon = floats("lon", lon)?;
    if lat.len() != lon.len() {
        return Err(bad("lat and lon must have the same length".into()));
    }
    let t = Track::read_csv(std::path::Path::new(track)).map_err(|e| bad(e.to_string()))?;
    let si = t
        .resample(step_h)
        .and_then(|t| t.to_si())
        .map_err(|e| bad(format!("{track}: {e}")))?;
    let coords: Vec<(f64, f64)> = lat.iter().copied().zip(lon.iter().copied()).collect();
    let winds = py.detach(|| WindField::new(si, model).max_wind(&coords, 0.0));
    let out: Vec<f64> = winds
        .iter()
        .map(|v| if *v < threshold { 0.0 } else { v * gust_factor })
        .collect();
    Ok(to_bytes(py, &out))
}

/// Probabilities of reaching or exceeding each damage state of asset class
/// `class_id` at each intensity (f64 bytes; PGA in g, gust in m/s or depth
/// in m as the class says); `curves` names an extra fragility CSV. Returns
/// `(state names, exceedance as f64 bytes, n x states row-major, class
/// info dict: id, description, hazard, im, unit, status)`.
#[pyfunction]
#[pyo3(signature = (class_id, intensity, curves = None))]
fn fragility<'py>(
    py: Python<'py>,
    class_id: &str,
    intensity: &[u8],
    curves: Option<&str>,
) -> PyResult<(Vec<String>, Bound<'py, PyBytes>, Bound<'py, PyDict>)> {
    use disaster_scenarios::fragility::FragilityLibrary;
    let mut lib = FragilityLibrary::builtin().map_err(|e| raise(Kind::Internal, e.to_string()))?;
    if let Some(p) = curves {
        lib.load_file(std::path::Path::new(p))
            .map_err(|e| raise(Kind::Hazard, e.to_string()))?;
    }
    let class = lib
        .require(class_id)
        .map_err(|e| raise(Kind::Hazard, e.to_string()))?;
    let xs = floats("intensity", intensity)?;
    if let Some(x) = xs.iter().find(|x| !(x.is_finite() && **x >= 0.0)) {
        return Err(raise(
            Kind::Hazard,
            format!("the intensity must be a finite, non-negative number (got {x})"),
        ));
    }
    let mut out = Vec::with_capacity(xs.len() * class.states.len());
    let mut row = Vec::new();
    for &x in &xs {
        class.exceedance_into(x, &mut row);
        out.extend_from_slice(&row);
    }
    let info = PyDict::new(py);
    info.set_item("id", &class.id)?;
    info.set_item("description", &class.description)?;
    info.set_item("hazard", format!("{:?}", class.hazard).to_lowercase())?;
    info.set_item("im", &class.im)?;
    info.set_item("unit", class.unit)?;
    info.set_item("status", &class.status)?;
    Ok((
        class.states.iter().map(|s| s.name.clone()).collect(),
        to_bytes(py, &out),
        info,
    ))
}

/// Ids of the built-in fragility classes.
#[pyfunction]
fn fragility_classes() -> PyResult<Vec<String>> {
    let lib = disaster_scenarios::fragility::FragilityLibrary::builtin()
        .map_err(|e| raise(Kind::Internal, e.to_string()))?;
    Ok(lib.classes().map(|c| c.id.clone()).collect())
}

// ---------------------------------------------------------------------------
// Knowledge graph.

/// Runs a SPARQL query (GeoSPARQL functions included) over RDF files
/// (`data`) and/or the knowledge graph of `scenario` (with `at`: the state
/// of one replica at that many seconds after the start), as `blackstart
/// query` does; returns the SPARQL 1.1 Query Results JSON text.
#[pyfunction]
#[pyo3(signature = (sparql, data = Vec::new(), scenario = None, at = None, entailment = "rdfs", geo_rewrite = false))]
fn query(
    py: Python<'_>,
    sparql: &str,
    data: Vec<String>,
    scenario: Option<PyRef<'_, PyScenario>>,
    at: Option<f64>,
    entailment: &str,
    geo_rewrite: bool,
) -> PyResult<String> {
    use ontology::{Entailment, KnowledgeGraph, OutputFormat, QueryOptions};
    let bad = |m: String| raise(Kind::Query, m);
    let entailment = match entailment {
        "none" => Entailment::None,
        "rdfs" => Entailment::Rdfs,
        other => {
            return Err(bad(format!(
                "unknown entailment `{other}` (expected none or rdfs)"
            )));
        }
    };
    if data.is_empty() && scenario.is_none() {
        return Err(bad(
            "nothing to query: give data files and/or a scenario".into()
        ));
    }
    if at.is_some() && scenario.is_none() {
        return Err(bad("`at` needs a scenario".into()));
    }
    let loaded = scenario.map(|s| s.loaded.clone());
    let sparql = sparql.to_string();
    // Runs without the GIL: errors are (kind, message) until it is back.
    let failed = |e: &dyn std::fmt::Display| (Kind::QueryFailure, e.to_string());
    let text = py.detach(move || -> Result<String, (Kind, String)> {
        let kg = KnowledgeGraph::new().map_err(|e| failed(&e))?;
        for p in &data {
            kg.load_file(std::path::Path::new(p))
                .map_err(|e| (ontology_kind(&e), e.to_string()))?;
        }
        if let Some(l) = &loaded {
            engine::scenario_graph::build(&kg, l, at, &blackstart::strategies()).map_err(|e| {
                match e {
                    engine::kg::GraphError::Scenario(s) => (scenario_kind(&s), s.to_string()),
                    engine::kg::GraphError::BadTime(t) => (
                        Kind::Query,
                        format!("--at must be a time in seconds >= 0, got {t}"),
                    ),
                    other => failed(&other),
                }
            })?;
        }
        ontology::rules::refresh(&kg, entailment).map_err(|e| failed(&e))?;
        let mut out = Vec::new();
        kg.run(
            &sparql,
            QueryOptions {
                allow_update: false,
                geo_rewrite,
            },
            OutputFormat::Json,
            &mut out,
        )
        .map_err(|e| match e {
            ontology::OntologyError::Evaluation(m) => (Kind::QueryFailure, m),
            other => (ontology_kind(&other), other.to_string()),
        })?;
        String::from_utf8(out).map_err(|e| (Kind::Internal, e.to_string()))
    });
    text.map_err(|(k, m)| raise(k, m))
}

// ---------------------------------------------------------------------------
// The live twin (see `blackstart::twin`), running in a background thread.

type TwinThread = std::thread::JoinHandle<Result<twin::TwinOutcome, twin::TwinError>>;

/// What a finished twin handed back: its outcome, or the error's kind and
/// message.
type TwinDone = Result<Arc<twin::TwinOutcome>, (Kind, String)>;

/// The live twin of a testbed (`blackstart twin`), running in a background
/// thread from construction until it reaches its duration or horizon, or
/// `stop()` is called. Python is never blocked by it: the engine's thread
/// holds no GIL.
#[pyclass(module = "blackstart._blackstart", name = "TwinCore", frozen)]
struct PyTwinCore {
    view: Arc<Mutex<twin::ViewState>>,
    stop: twin::TwinStop,
    thread: Mutex<Option<TwinThread>>,
    done: Mutex<Option<TwinDone>>,
    /// The broker the twin reads (the embedded one's `mqtt://127.0.0.1:PORT`
    /// unless one was given).
    #[pyo3(get)]
    broker_url: String,
    /// The organisation (topic prefix) of the testbed.
    #[pyo3(get)]
    org: String,
    /// Simulated seconds per wall second.
    #[pyo3(get)]
    speed: f64,
}

impl PyTwinCore {
    /// Joins the finished (or stopping) thread once, keeping what it
    /// returned.
    fn join(&self, py: Python<'_>) -> PyResult<()> {
        let poisoned = || raise(Kind::Internal, "the twin's lock is poisoned");
        let handle = self.thread.lock().map_err(|_| poisoned())?.take();
        if let Some(h) = handle {
            let res = py.detach(move || h.join());
            let done = match res {
                Ok(Ok(o)) => Ok(Arc::new(o)),
                Ok(Err(e)) => Err((twin_kind(&e), e.to_string())),
                Err(_) => Err((Kind::TwinFailure, "the twin's thread panicked".to_string())),
            };
            *self.done.lock().map_err(|_| poisoned())? = Some(done);
        }
        Ok(())
    }

    fn finished(&self) -> bool {
        self.thread
            .lock()
            .map(|g| g.as_ref().is_none_or(std::thread::JoinHandle::is_finished))
            .unwrap_or(true)
    }
}

#[pymethods]
impl PyTwinCore {
    /// Loads `testbed` (a testbed file, or a plain scenario file: nothing
    /// bound) and starts the twin on the broker at `broker` (None: an
    /// embedded broker on a free loopback port, which lives until the
    /// process exits), at `speed` simulated seconds per wall second, for
    /// `duration_s` wall seconds (None: the scenario's horizon). `ca`: CA
    /// certificate for mqtts://; `allow_control`: send commands to devices
    /// (else the advisory topic); `record`: record every handled event to
    /// this Parquet file when the twin stops; `seed` overrides the
    /// scenario's. Input errors raise `TwinError` (or `ScenarioError` for
    /// the scenario), a `ValueError`, with the CLI's message.
    #[new]
    #[pyo3(signature = (testbed, speed = 60.0, broker = None, ca = None, allow_control = false, duration_s = None, seed = None, record = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        testbed: &str,
        speed: f64,
        broker: Option<&str>,
        ca: Option<&str>,
        allow_control: bool,
        duration_s: Option<f64>,
        seed: Option<u64>,
        record: Option<&str>,
    ) -> PyResult<Self> {
        let path = std::path::PathBuf::from(testbed);
        let setup = py
            .detach(|| twin::load_setup_or_scenario(&path))
            .map_err(twin_err)?;
        if !(speed.is_finite() && speed > 0.0) {
            return Err(raise(
                Kind::Twin,
                format!("--speed must be a positive number, got {speed}"),
            ));
        }
        let until = match duration_s {
            Some(d) if !(d.is_finite() && d > 0.0) => {
                return Err(raise(
                    Kind::Twin,
                    format!("duration_s must be a positive number of seconds, got {d}"),
                ));
            }
            Some(d) => Some(sim_core::time::SimDuration::from_millis(
                (d * 1000.0 * speed) as i64,
            )),
            None => None,
        };
        let url = match broker {
            Some(u) => u.to_string(),
            None => py.detach(twin::start_embedded_broker).map_err(twin_err)?,
        };
        let org = setup.testbed.twin.org.clone();
        let source = twin::mqtt_source(
            &url,
            ca.map(std::path::PathBuf::from),
            &format!("blackstart-twin-{org}"),
        )
        .map_err(twin_err)?;
        let opts = twin::TwinOptions {
            speed,
            allow_control,
            until,
            record: record.map(std::path::PathBuf::from),
            seed,
            strategies: blackstart::strategies(),
        };
        let view = Arc::new(Mutex::new(twin::ViewState::default()));
        let stop = twin::TwinStop::new();
        let (v, st) = (view.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("blackstart-twin".into())
            .spawn(move || twin::run_with_stop(&setup, &opts, source, v, &st))
            .map_err(|e| raise(Kind::TwinFailure, format!("cannot start the twin: {e}")))?;
        Ok(PyTwinCore {
            view,
            stop,
            thread: Mutex::new(Some(thread)),
            done: Mutex::new(None),
            broker_url: url,
            org,
            speed,
        })
    }

    /// Whether the twin is still running.
    #[getter]
    fn running(&self) -> bool {
        !self.finished()
    }

    /// The twin's live state as JSON: `now_ms` (simulated), `running`,
    /// `assets` (per bound asset: `asset, kind, device, status` (waiting,
    /// live or stale), `source` (`device` while live: the twin's value is
    /// the device's latest valid telemetry, and a battery's SoC or a
    /// diesel's fuel replaces the model's at each control step; `model`
    /// while waiting or stale: the model's estimate stands),
    /// `last_seen_ms, last_device_ts`, `values` (the device's latest valid
    /// values, model units) and `model` (the model's own SoC or fuel)),
    /// `counters` (the keys of `twin.json`'s) and `alerts` (the latest 8).
    /// Before the twin's first event the asset list is empty.
    fn state_json(&self) -> PyResult<String> {
        let v = self
            .view
            .lock()
            .map_err(|_| raise(Kind::Internal, "the twin's lock is poisoned"))?
            .clone();
        let assets: Vec<serde_json::Value> = v
            .assets
            .iter()
            .map(|a| {
                let mut row = serde_json::to_value(a).unwrap_or(serde_json::Value::Null);
                if let Some(m) = row.as_object_mut() {
                    let source = if a.status == "live" {
                        "device"
                    } else {
                        "model"
                    };
                    m.insert("source".into(), source.into());
                    m.insert(
                        "model".into(),
                        serde_json::to_value(v.model.get(&a.asset).cloned().unwrap_or_default())
                            .unwrap_or(serde_json::Value::Null),
                    );
                }
                row
            })
            .collect();
        let state = serde_json::json!({
            "now_ms": v.now_ms,
            "running": !self.finished(),
            "assets": assets,
            "counters": v.counters,
            "alerts": v.alerts,
        });
        serde_json::to_string(&state).map_err(|e| raise(Kind::Internal, e.to_string()))
    }

    /// Waits up to `timeout_s` seconds (None: without limit) for the twin
    /// to end by itself (its duration or the horizon); returns whether it
    /// has ended. Ctrl-C raises `KeyboardInterrupt` (the twin keeps
    /// running).
    #[pyo3(signature = (timeout_s = None))]
    fn wait(&self, py: Python<'_>, timeout_s: Option<f64>) -> PyResult<bool> {
        let t0 = std::time::Instant::now();
        loop {
            if self.finished() {
                return Ok(true);
            }
            if timeout_s.is_some_and(|t| t0.elapsed().as_secs_f64() >= t) {
                return Ok(false);
            }
            py.detach(|| std::thread::sleep(Duration::from_millis(20)));
            py.check_signals()?;
        }
    }

    /// Stops the twin (if still running) after the event it is handling,
    /// waits for its clean shutdown (connection closed, recording written)
    /// and returns `(results, twin.json as text)`: the results of the
    /// simulated time so far, as `blackstart twin` writes them; writes the
    /// CLI's outputs and `twin.json` to `out` when given. Calling it again
    /// returns the same. A twin that failed raises its error here.
    #[pyo3(signature = (out = None))]
    fn stop(&self, py: Python<'_>, out: Option<&str>) -> PyResult<(PyRunResults, String)> {
        self.stop.stop();
        self.join(py)?;
        let done = self
            .done
            .lock()
            .map_err(|_| raise(Kind::Internal, "the twin's lock is poisoned"))?
            .clone();
        let outcome = match done {
            Some(Ok(d)) => d,
            Some(Err((k, m))) => return Err(raise(k, m)),
            None => return Err(raise(Kind::Internal, "the twin produced no outcome")),
        };
        if let Some(dir) = out {
            // Here the twin's file errors are its outputs'.
            let dir = std::path::Path::new(dir);
            py.detach(|| twin::write_outputs(&outcome, dir))
                .map_err(|e| match e {
                    twin::TwinError::Io(m) => raise(Kind::Output, m),
                    other => twin_err(other),
                })?;
        }
        let report = serde_json::to_string(&outcome.report)
            .map_err(|e| raise(Kind::Internal, e.to_string()))?;
        Ok((results_of(&outcome.results)?, report))
    }
}

impl Drop for PyTwinCore {
    /// A twin dropped while running is asked to stop; its thread ends by
    /// itself.
    fn drop(&mut self) {
        self.stop.stop();
    }
}

/// The extension module.
#[pymodule]
fn _blackstart(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyNetwork>()?;
    m.add_class::<PyPowerFlow>()?;
    m.add_class::<PyRunResults>()?;
    m.add_class::<PyScenario>()?;
    m.add_class::<PyEnvCore>()?;
    m.add_class::<PyTwinCore>()?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(gmpe, m)?)?;
    m.add_function(wrap_pyfunction!(max_wind, m)?)?;
    m.add_function(wrap_pyfunction!(fragility, m)?)?;
    m.add_function(wrap_pyfunction!(fragility_classes, m)?)?;
    m.add_function(wrap_pyfunction!(query, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
