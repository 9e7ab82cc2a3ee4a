//! Python bindings of blackstart: the `blackstart._blackstart` extension
//! module behind the `blackstart` Python package (`py-bindings/python`).
//!
//! No logic lives here: every call goes to the Rust crates. Tables cross
//! the boundary as Arrow IPC bytes (the version-proof format) and become
//! polars DataFrames in the Python package. Bad input raises `ValueError`,
//! a failed computation `RuntimeError`, with the Rust message. Long runs
//! release the GIL.

use std::io::Cursor;

use grid_model::pf::{Init, PfOptions, PowerFlow};
use polars::prelude::{Column, DataFrame, IpcWriter, SerWriter};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

fn ipc(mut df: DataFrame) -> PyResult<Vec<u8>> {
    let mut buf = Cursor::new(Vec::new());
    IpcWriter::new(&mut buf)
        .finish(&mut df)
        .map_err(|e| PyRuntimeError::new_err(format!("cannot encode a table: {e}")))?;
    Ok(buf.into_inner())
}

fn frame(height: usize, cols: Vec<Column>) -> PyResult<Vec<u8>> {
    let df = DataFrame::new(height, cols)
        .map_err(|e| PyRuntimeError::new_err(format!("cannot build a table: {e}")))?;
    ipc(df)
}

/// An electrical network (see `grid_model::Network`).
#[pyclass(module = "blackstart._blackstart", name = "Network", frozen)]
struct PyNetwork {
    net: grid_model::Network,
}

/// The result of a power flow; tables as Arrow IPC bytes.
#[pyclass(module = "blackstart._blackstart", name = "PowerFlowResult", frozen)]
struct PyPowerFlow {
    #[pyo3(get)]
    converged: bool,
    #[pyo3(get)]
    iterations: usize,
    #[pyo3(get)]
    max_mismatch_pu: f64,
    #[pyo3(get)]
    losses_mw: f64,
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
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(PyNetwork { net })
    }

    /// Number of buses.
    #[getter]
    fn n_buses(&self) -> usize {
        self.net.buses.len()
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
        let init: Init = init.parse().map_err(PyValueError::new_err)?;
        if !(tol.is_finite() && tol > 0.0) {
            return Err(PyValueError::new_err(format!(
                "tol must be a positive number, got {tol}"
            )));
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
        let sol = sol.map_err(PyValueError::new_err)?;
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
}

/// Runs a scenario file; writes the CLI's outputs to `out` when given.
#[pyfunction]
#[pyo3(signature = (path, replicas = None, seed = None, threads = 0, out = None))]
fn run(
    py: Python<'_>,
    path: &str,
    replicas: Option<u32>,
    seed: Option<u64>,
    threads: usize,
    out: Option<&str>,
) -> PyResult<PyRunResults> {
    use blackstart::scenario::{self, RunOptions, ScenarioError};
    let to_py = |e: ScenarioError| match e {
        ScenarioError::Sim(_) | ScenarioError::Output(_) => PyRuntimeError::new_err(e.to_string()),
        _ => PyValueError::new_err(e.to_string()),
    };
    let res = py.detach(|| -> Result<_, ScenarioError> {
        let loaded = scenario::load(path)?;
        let res = scenario::run(
            &loaded,
            &RunOptions {
                replicas,
                seed,
                threads,
                detail: true,
                progress: false,
            },
        )?;
        if let Some(dir) = out {
            scenario::write_outputs(&res, std::path::Path::new(dir))?;
        }
        Ok(res)
    });
    let res = res.map_err(to_py)?;
    let ts = res
        .recorder
        .to_dataframe()
        .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    let ev = res
        .recorder
        .events_to_dataframe()
        .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    let summary = serde_json::to_string(&scenario::summary_json(&res))
        .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    Ok(PyRunResults {
        timeseries: ipc(ts)?,
        events: ipc(ev)?,
        summary_json: summary,
    })
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
    use blackstart::scenario::{self, RunOptions, ScenarioError};
    let to_py = |e: ScenarioError| match e {
        ScenarioError::Sim(_) | ScenarioError::Output(_) => PyRuntimeError::new_err(e.to_string()),
        _ => PyValueError::new_err(e.to_string()),
    };
    let json = py.detach(|| -> Result<_, ScenarioError> {
        let loaded = scenario::load(path)?;
        let cmp = scenario::compare::compare(
            &loaded,
            &policies,
            &RunOptions {
                replicas,
                seed,
                threads,
                detail: false,
                progress: false,
            },
        )?;
        if let Some(dir) = out {
            cmp.write(std::path::Path::new(dir))?;
        }
        Ok(cmp.to_json())
    });
    let json = json.map_err(to_py)?;
    serde_json::to_string(&json).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// The extension module.
#[pymodule]
fn _blackstart(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyNetwork>()?;
    m.add_class::<PyPowerFlow>()?;
    m.add_class::<PyRunResults>()?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
