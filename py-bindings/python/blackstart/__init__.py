"""blackstart: energy sharing between microgrids during disasters.

A thin Python face over the Rust engine (no logic is re-implemented here):

>>> import blackstart
>>> net = blackstart.Network.from_matpower("grid-model/tests/data/case9.m")
>>> pf = net.power_flow()
>>> pf.converged, pf.bus.columns
(True, ['bus_id', 'vm_pu', 'va_deg'])

>>> sc = blackstart.Scenario.from_toml("examples/scenarios/hokkaido-2018.toml")
>>> res = sc.run(replicas=4, seed=1)
>>> res.summary["aggregate"]["critical_served_fraction"]["mean"]  # doctest: +SKIP

What is here:

- :class:`Network` (MATPOWER import, AC/DC power flow);
- :class:`Scenario` (``from_toml``, ``from_dict``; ``run``, ``compare``,
  ``query``) and the module-level :func:`run` and :func:`compare` on files;
  results are :class:`RunResults` with polars DataFrames;
- hazards vectorised over numpy arrays: :func:`gmpe`, :func:`max_wind`,
  :func:`fragility`;
- :func:`query`: SPARQL (GeoSPARQL) over RDF files and scenario graphs,
  as a DataFrame;
- :func:`sweep`: many scenarios or seeds, locally or on a Dask cluster;
- :class:`Twin`: the live twin of a testbed (``blackstart twin``) in a
  background thread, its state readable while it runs;
- :mod:`blackstart.gym`: Gymnasium and PettingZoo environments;
- the exceptions (:mod:`blackstart.errors`).

Tables are polars DataFrames (``.to_pandas()`` works with pandas and
pyarrow installed). Long runs release the GIL; Ctrl-C interrupts them
(``KeyboardInterrupt``); ``progress=True`` shows a bar (tqdm when
installed, plain text otherwise).

Errors carry the engine's message, the ``blackstart`` command's (file,
line and column where it applies). Every one is a :class:`Error`: bad input
an :class:`InputError` (also a ``ValueError``), a failed computation a
:class:`ComputationError` (also a ``RuntimeError``), and one class per
kind::

    Error
    +-- InputError (ValueError)
    |   +-- ScenarioError     scenario files, text and dicts; unknown policies
    |   +-- NetworkError      MATPOWER files, networks, power-flow settings
    |   +-- HazardError       gmpe, max_wind, fragility: models and inputs
    |   +-- QueryError        malformed SPARQL, updates, RDF files
    |   +-- TwinError         testbeds, broker URLs, twin settings
    |   +-- ActionError       refused actions of the gym environments
    +-- ComputationError (RuntimeError)
        +-- SimulationError   a run failed (kernel, replica panicked)
        +-- QueryFailure      a query's evaluation failed
        +-- TwinFailure       the twin failed running (broker, credentials)
        +-- OutputError       output files could not be written
"""

from __future__ import annotations

import io
import json
import os
import sys
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
import polars as pl

from . import _blackstart
from .errors import (
    ActionError,
    ComputationError,
    Error,
    HazardError,
    InputError,
    NetworkError,
    OutputError,
    QueryError,
    QueryFailure,
    ScenarioError,
    SimulationError,
    TwinError,
    TwinFailure,
)

__version__: str = _blackstart.__version__

__all__ = [
    "Network",
    "PowerFlowResult",
    "RunResults",
    "Scenario",
    "run",
    "compare",
    "gmpe",
    "max_wind",
    "fragility",
    "fragility_classes",
    "query",
    "sweep",
    "Twin",
    "TwinResult",
    "Error",
    "InputError",
    "ComputationError",
    "ScenarioError",
    "NetworkError",
    "HazardError",
    "QueryError",
    "TwinError",
    "ActionError",
    "SimulationError",
    "QueryFailure",
    "TwinFailure",
    "OutputError",
    "__version__",
]

Progress = Union[None, bool, Callable[[int, int], Any]]


def _frame(ipc: bytes) -> pl.DataFrame:
    return pl.read_ipc(io.BytesIO(ipc))


class _TextBar:
    """A plain-text progress line on stderr (when tqdm is not installed)."""

    def __init__(self) -> None:
        self.total = 0

    def __call__(self, done: int, total: int) -> None:
        sys.stderr.write(f"\rreplicas {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _progress(progress: Progress) -> Tuple[Optional[Callable[[int, int], Any]], Callable[[], None]]:
    """The engine's progress callback for ``progress`` and a closer."""
    if progress is None or progress is False:
        return None, lambda: None
    if callable(progress):
        return progress, lambda: None
    try:  # tqdm's notebook-aware bar when installed
        from tqdm.auto import tqdm  # type: ignore[import-not-found]
    except ImportError:
        return _TextBar(), lambda: None
    bar = tqdm(unit="replica")

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    return update, bar.close


class PowerFlowResult:
    """The result of :meth:`Network.power_flow`.

    Attributes: ``converged``, ``iterations``, ``max_mismatch_pu``,
    ``losses_mw``, ``dc``, and the tables ``bus`` (``bus_id, vm_pu,
    va_deg``), ``gen`` (``gen, bus, pg_mw, qg_mvar``) and ``branch``
    (``branch, f_bus, t_bus, pf_mw, qf_mvar, pt_mw, qt_mvar``), in the
    columns of ``blackstart pf --out``.
    """

    def __init__(self, raw: "_blackstart.PowerFlowResult") -> None:
        self.converged: bool = raw.converged
        self.iterations: int = raw.iterations
        self.max_mismatch_pu: float = raw.max_mismatch_pu
        self.losses_mw: float = raw.losses_mw
        self.dc: bool = raw.dc
        self.bus: pl.DataFrame = _frame(raw.bus_ipc())
        self.gen: pl.DataFrame = _frame(raw.gen_ipc())
        self.branch: pl.DataFrame = _frame(raw.branch_ipc())

    def __repr__(self) -> str:
        kind = "DC" if self.dc else "AC"
        return (
            f"PowerFlowResult({kind}, converged={self.converged}, "
            f"iterations={self.iterations}, buses={self.bus.height})"
        )


class Network:
    """An electrical network (buses, branches, generators, loads)."""

    def __init__(self, raw: "_blackstart.Network") -> None:
        self._raw = raw

    @staticmethod
    def from_matpower(path: Union[str, os.PathLike]) -> "Network":
        """Reads a MATPOWER ``.m`` case file; a missing or malformed file
        raises :class:`NetworkError` (``file:line: ...``)."""
        return Network(_blackstart.Network.from_matpower(str(path)))

    @property
    def n_buses(self) -> int:
        """Number of buses."""
        return self._raw.n_buses

    def power_flow(
        self, dc: bool = False, init: str = "case", tol: float = 1e-8, max_iter: int = 20
    ) -> PowerFlowResult:
        """Solves the AC (Newton-Raphson; ``init`` is ``case``, ``flat``,
        ``dc`` or ``warm``) or DC power flow. Non-convergence is a result
        (``converged`` is False), not an exception; a bad setting or an
        inconsistent network raises :class:`NetworkError`."""
        return PowerFlowResult(self._raw.power_flow(dc, init, tol, max_iter))


class RunResults:
    """The results of a scenario run: ``timeseries``, ``events`` and
    ``decisions`` (polars DataFrames, all replicas in replica order, in the
    columns of the CLI's ``timeseries.parquet``, ``events.parquet`` and
    ``decisions.parquet``) and ``summary`` (a dict with ``aggregate`` and
    per-replica ``replicas`` metrics, as ``summary.json``)."""

    def __init__(self, raw: "_blackstart.RunResults") -> None:
        self.timeseries: pl.DataFrame = _frame(raw.timeseries_ipc())
        self.events: pl.DataFrame = _frame(raw.events_ipc())
        self.decisions: pl.DataFrame = _frame(raw.decisions_ipc())
        self.summary: Dict[str, Any] = json.loads(raw.summary_json)

    def system(self, metric: str = "served_load_fraction") -> pl.DataFrame:
        """One system metric over time: ``time_h, replica, value``."""
        return (
            self.timeseries.filter((pl.col("entity") == "system") & (pl.col("metric") == metric))
            .select((pl.col("time_ms") / 3.6e6).alias("time_h"), "replica", "value")
        )

    def __repr__(self) -> str:
        return (
            f"RunResults(scenario={self.summary.get('scenario')!r}, "
            f"replicas={self.summary.get('replicas_run')})"
        )


def _run_raw(
    runner: Callable[..., "_blackstart.RunResults"],
    replicas: Optional[int],
    seed: Optional[int],
    threads: int,
    out: Optional[Union[str, os.PathLike]],
    progress: Progress,
) -> RunResults:
    cb, close = _progress(progress)
    try:
        raw = runner(replicas, seed, threads, None if out is None else str(out), cb)
    finally:
        close()
    return RunResults(raw)


class Scenario:
    """A scenario (TOML; every field in ``examples/scenarios/README.md``),
    parsed and checked by the engine. Make one with :meth:`from_toml` or
    :meth:`from_dict`. Scenarios pickle (as their TOML text), so they travel
    to Dask workers."""

    def __init__(self, raw: "_blackstart.Scenario") -> None:
        self._raw = raw

    @staticmethod
    def from_toml(path: Union[str, os.PathLike]) -> "Scenario":
        """Reads a scenario file; paths in it are relative to its folder."""
        return Scenario(_blackstart.Scenario.from_toml(str(path)))

    @staticmethod
    def from_dict(d: Dict[str, Any], base_dir: Union[str, os.PathLike, None] = None) -> "Scenario":
        """A scenario from a dict shaped like the TOML file (tables as
        dicts, arrays of tables as lists of dicts). Relative paths in it are
        relative to ``base_dir`` (default: the working directory). Errors
        point at lines of the equivalent TOML (:attr:`toml_text`)."""
        base = os.path.abspath(os.fspath(base_dir) if base_dir is not None else os.getcwd())
        name = os.path.join(base, "<dict>.toml")
        return Scenario(_blackstart.Scenario.from_json(json.dumps(d), name))

    @property
    def name(self) -> str:
        """The scenario's name (``[scenario] name``)."""
        return self._raw.name

    @property
    def policy(self) -> str:
        """The response policy (``[policy] kind``)."""
        return self._raw.policy

    @property
    def path(self) -> str:
        """The file the scenario came from (used in messages)."""
        return self._raw.path

    @property
    def toml_text(self) -> str:
        """The scenario as TOML text."""
        return self._raw.toml_text

    def to_dict(self) -> Dict[str, Any]:
        """The scenario as a dict (the TOML file's tables)."""
        import tomllib

        return tomllib.loads(self.toml_text)

    def run(
        self,
        replicas: Optional[int] = None,
        threads: int = 0,
        seed: Optional[int] = None,
        out: Optional[Union[str, os.PathLike]] = None,
        progress: Progress = None,
    ) -> RunResults:
        """Runs the scenario as ``blackstart run`` does (``replicas`` and
        ``seed`` override the file; ``threads`` 0 uses every core; the same
        seed gives the same numbers whatever ``threads``); ``out`` also
        writes the CLI's output files. ``progress``: True for a bar, or a
        callable ``(done, total)``. The GIL is released while the engine
        runs, and Ctrl-C stops it."""
        return _run_raw(
            lambda r, s, t, o, p: self._raw.run(r, s, t, o, p), replicas, seed, threads, out, progress
        )

    def compare(
        self,
        policies: Sequence[str],
        replicas: Optional[int] = None,
        seed: Optional[int] = None,
        threads: int = 0,
        out: Optional[Union[str, os.PathLike]] = None,
    ) -> Dict[str, Any]:
        """Runs every policy on the same replicas; see :func:`compare`."""
        return json.loads(
            self._raw.compare(list(policies), replicas, seed, threads, None if out is None else str(out))
        )

    def query(self, sparql: str, at: Optional[float] = None, entailment: str = "rdfs") -> Union[pl.DataFrame, bool]:
        """A SPARQL query over the scenario's knowledge graph; see
        :func:`query`."""
        return query(sparql, scenario=self, at=at, entailment=entailment)

    def env_spec(self) -> Dict[str, Any]:
        """The shape of the scenario's stepping environment (see
        :mod:`blackstart.gym`)."""
        return self._raw.env_spec()

    def __reduce__(self) -> Tuple[Any, ...]:
        return (_scenario_from_text, (self.toml_text, self.path))

    def __repr__(self) -> str:
        return f"Scenario({self.name!r}, policy={self.policy!r})"


def _scenario_from_text(text: str, name: str) -> Scenario:
    return Scenario(_blackstart.Scenario.from_toml_str(text, name))


def run(
    path: Union[str, os.PathLike],
    replicas: Optional[int] = None,
    seed: Optional[int] = None,
    threads: int = 0,
    out: Optional[Union[str, os.PathLike]] = None,
    progress: Progress = None,
) -> RunResults:
    """Runs a scenario file (see ``examples/scenarios/README.md``), as
    ``blackstart run`` does; ``out`` also writes the CLI's output files.
    The GIL is released while the engine runs; Ctrl-C stops it;
    ``progress`` as in :meth:`Scenario.run`."""
    return _run_raw(
        lambda r, s, t, o, p: _blackstart.run(str(path), r, s, t, o, p), replicas, seed, threads, out, progress
    )


def compare(
    path: Union[str, os.PathLike],
    policies: List[str],
    replicas: Optional[int] = None,
    seed: Optional[int] = None,
    threads: int = 0,
    out: Optional[Union[str, os.PathLike]] = None,
) -> Dict[str, Any]:
    """Runs every policy (``none``, ``priority``, ``optimal``, ``market``; the
    first is the baseline) on the same replicas, as ``blackstart compare``
    does, and returns ``compare.json`` as a dict: ``baseline``, ``policies``
    (each policy's summary) and ``differences`` (policy minus baseline, per
    replica, summarised as ``mean``, ``ci95_low``, ``ci95_high``). ``out``
    also writes the CLI's files. Unknown policies raise
    :class:`ScenarioError` (a ``ValueError``)."""
    return json.loads(
        _blackstart.compare(str(path), list(policies), replicas, seed, threads, None if out is None else str(out))
    )


# ---------------------------------------------------------------------------
# Hazards


def _f64(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _from(b: bytes, shape: Tuple[int, ...]) -> np.ndarray:
    return np.frombuffer(b, dtype="<f8").reshape(shape).copy()


def gmpe(
    model: str,
    *,
    mag: Any,
    rrup: Any = np.nan,
    rjb: Any = np.nan,
    vs30: Any = np.nan,
    rake: Any = np.nan,
    hypo_depth: Any = np.nan,
    imt: str = "pga",
    region: str = "global",
) -> Dict[str, np.ndarray]:
    """Ground motion of ``model`` (``sm99-crustal``, ``sm99-interface``,
    ``sm99-slab`` or ``bssa14`` with ``region`` ``global``, ``japan`` or
    ``china-turkey``) for arrays of inputs, broadcast together (numpy rules):
    magnitude Mw, distances ``rrup`` and ``rjb`` (km), ``vs30`` (m/s),
    ``rake`` (degrees) and hypocentral depth (km); a model ignores the
    parameters it does not use. ``imt``: ``pga`` (g) or ``pgv`` (cm/s).

    Returns a dict of arrays of the broadcast shape: ``median`` and the
    natural-log standard deviations ``sigma_total``, ``sigma_inter`` and
    ``sigma_intra`` (NaN where the model does not define them), the same
    numbers as ``blackstart hazard gmpe``. Invalid inputs raise
    :class:`HazardError` (a ``ValueError``) naming the element and the
    parameter."""
    arrs = np.broadcast_arrays(_f64(mag), _f64(rake), _f64(hypo_depth), _f64(rrup), _f64(rjb), _f64(vs30))
    shape = arrs[0].shape
    flat = [np.ascontiguousarray(a.ravel()).tobytes() for a in arrs]
    med, tot, inter, intra = _blackstart.gmpe(model, region, imt, *flat)
    return {
        "median": _from(med, shape),
        "sigma_total": _from(tot, shape),
        "sigma_inter": _from(inter, shape),
        "sigma_intra": _from(intra, shape),
    }


def max_wind(
    track: Union[str, os.PathLike],
    lat: Any,
    lon: Any,
    model: str = "h08",
    step_h: float = 1.0,
    threshold: float = 0.0,
    gust_factor: float = 1.0,
) -> np.ndarray:
    """The largest 1-minute sustained wind (m/s) at each site (``lat``,
    ``lon`` arrays, broadcast together) over a best track CSV (columns of
    CLIMADA's test track), Holland model ``h08`` (Holland 2008) or ``h80``,
    the track resampled every ``step_h`` hours; winds below ``threshold``
    are 0, others multiplied by ``gust_factor``. The same numbers as
    ``blackstart hazard wind`` (whose default threshold is CLIMADA's 17.5
    m/s)."""
    la, lo = np.broadcast_arrays(_f64(lat), _f64(lon))
    shape = la.shape
    out = _blackstart.max_wind(
        str(track),
        np.ascontiguousarray(la.ravel()).tobytes(),
        np.ascontiguousarray(lo.ravel()).tobytes(),
        model,
        step_h,
        threshold,
        gust_factor,
    )
    return _from(out, shape)


class Fragility:
    """The result of :func:`fragility`: ``states`` (damage state names,
    least severe first), ``exceedance`` (array of shape
    ``intensity.shape + (len(states),)``: P(DS >= state | intensity)) and
    the class's ``info`` (``id, description, hazard, im, unit, status``)."""

    def __init__(self, states: List[str], exceedance: np.ndarray, info: Dict[str, Any]) -> None:
        self.states = states
        self.exceedance = exceedance
        self.info = info

    def state_probabilities(self) -> np.ndarray:
        """P(DS = state) for no damage then each state: shape
        ``intensity.shape + (len(states) + 1,)``."""
        e = self.exceedance
        ones = np.ones(e.shape[:-1] + (1,))
        zeros = np.zeros(e.shape[:-1] + (1,))
        full = np.concatenate([ones, e, zeros], axis=-1)
        return full[..., :-1] - full[..., 1:]

    def to_frame(self) -> pl.DataFrame:
        """For a 1-D intensity array: one column per damage state."""
        e = self.exceedance.reshape(-1, len(self.states))
        return pl.DataFrame({s: e[:, k] for k, s in enumerate(self.states)})

    def __repr__(self) -> str:
        return f"Fragility({self.info.get('id')!r}, states={self.states})"


def fragility(class_id: str, intensity: Any, curves: Optional[Union[str, os.PathLike]] = None) -> Fragility:
    """Probability of reaching or exceeding each damage state of asset
    class ``class_id`` (e.g. ``ESS1``, ``EDC2``, ``PW``; see
    :func:`fragility_classes`) at each intensity of the array (PGA in g,
    3-s gust in m/s or flood depth in m, as the class says; the same
    numbers as ``blackstart hazard fragility``). ``curves`` loads an extra
    fragility CSV."""
    x = _f64(intensity)
    states, exc, info = _blackstart.fragility(
        class_id, np.ascontiguousarray(x.ravel()).tobytes(), None if curves is None else str(curves)
    )
    return Fragility(list(states), _from(exc, x.shape + (len(states),)), dict(info))


def fragility_classes() -> List[str]:
    """Ids of the built-in fragility classes."""
    return list(_blackstart.fragility_classes())


# ---------------------------------------------------------------------------
# Knowledge graph


def query(
    sparql: str,
    data: Iterable[Union[str, os.PathLike]] = (),
    scenario: Optional[Scenario] = None,
    at: Optional[float] = None,
    entailment: str = "rdfs",
    geo_rewrite: bool = False,
) -> Union[pl.DataFrame, bool]:
    """Runs a SPARQL query (GeoSPARQL functions and the blackstart rules
    included) over RDF files ``data`` and/or the knowledge graph of
    ``scenario`` (with ``at``: one replica's state that many seconds after
    the start), as ``blackstart query`` does. ``entailment``: ``rdfs`` or
    ``none``. Returns a DataFrame (one string column per variable, the
    terms' lexical values, null where unbound) for SELECT, a bool for ASK.
    Malformed SPARQL, an update (refused) or a bad RDF file raises
    :class:`QueryError` (a ``ValueError``), a failed evaluation
    :class:`QueryFailure` (a ``RuntimeError``)."""
    raw = scenario._raw if scenario is not None else None
    text = _blackstart.query(sparql, [str(p) for p in data], raw, at, entailment, geo_rewrite)
    return _results_frame(json.loads(text))


def _results_frame(res: Dict[str, Any]) -> Union[pl.DataFrame, bool]:
    if "boolean" in res:
        return bool(res["boolean"])
    names = list(res["head"].get("vars", []))
    rows = res["results"]["bindings"]
    return pl.DataFrame(
        {v: [r[v]["value"] if v in r else None for r in rows] for v in names},
        schema={v: pl.String for v in names},
    )


class TwinResult:
    """What a stopped :class:`Twin` produced: ``results`` (a
    :class:`RunResults` covering the simulated time the twin ran, as
    ``blackstart twin`` writes them) and ``report`` (a dict, the content of
    ``twin.json``: ``counters``, ``assets``, ``alerts``, ``commands``,
    ``latency_ms``, ``wallclock``, ``end_ms``, ``steps``, ...)."""

    def __init__(self, raw: "_blackstart.RunResults", report_json: str) -> None:
        self.results: RunResults = RunResults(raw)
        self.report: Dict[str, Any] = json.loads(report_json)

    def __repr__(self) -> str:
        c = self.report.get("counters", {})
        return (
            f"TwinResult(steps={self.report.get('steps')}, end_ms={self.report.get('end_ms')}, "
            f"telemetry_received={c.get('telemetry_received')})"
        )


class Twin:
    """The live digital twin of a testbed, as ``blackstart twin TESTBED``
    runs it (see the README's "Live twin"), in a background thread of the
    engine: the scenario's model paced by the wall clock at ``speed``
    simulated seconds per wall second, bound assets fed by devices over
    MQTT. It starts at construction and runs until ``duration`` wall
    seconds have passed (None: the scenario's horizon) or :meth:`stop`.

    ``broker``: ``mqtt://[user:password@]host:port`` or ``mqtts://...``
    (with ``ca``); None starts an embedded broker on a free loopback port
    (:attr:`broker_url`; it lives until the Python process exits), for
    devices such as ``blackstart device-emulator --broker URL``.
    ``allow_control`` sends the policy's commands to devices (else to the
    advisory topic); ``record`` writes every handled event to a Parquet
    file for ``blackstart replay``; ``seed`` overrides the scenario's.

    A bad testbed raises :class:`TwinError` (its scenario
    :class:`ScenarioError`; both ``ValueError``) with the CLI's message; a
    failure while running (no broker, refused credentials:
    :class:`TwinFailure`, a ``RuntimeError``) is raised by :meth:`stop`.
    Use it as a context manager to stop it on exit::

        with blackstart.Twin("examples/twin/testbed.toml", speed=600) as twin:
            time.sleep(2)
            print(twin.state_frame())
        print(twin.result.report["counters"])
    """

    def __init__(
        self,
        testbed: Union[str, os.PathLike],
        speed: float = 60.0,
        broker: Optional[str] = None,
        *,
        duration: Optional[float] = None,
        ca: Optional[Union[str, os.PathLike]] = None,
        allow_control: bool = False,
        record: Optional[Union[str, os.PathLike]] = None,
        seed: Optional[int] = None,
    ) -> None:
        self._raw = _blackstart.TwinCore(
            str(testbed),
            float(speed),
            broker,
            None if ca is None else str(ca),
            allow_control,
            None if duration is None else float(duration),
            seed,
            None if record is None else str(record),
        )
        self.result: Optional[TwinResult] = None

    @property
    def broker_url(self) -> str:
        """The broker the twin reads (the embedded one unless given)."""
        return self._raw.broker_url

    @property
    def org(self) -> str:
        """The testbed's organisation: the MQTT topic prefix."""
        return self._raw.org

    @property
    def speed(self) -> float:
        """Simulated seconds per wall second."""
        return self._raw.speed

    @property
    def running(self) -> bool:
        """Whether the twin is still running."""
        return self._raw.running

    def state(self) -> Dict[str, Any]:
        """The twin's live state (what ``blackstart twin``'s terminal view
        shows), as a dict: ``now_ms`` (simulated time), ``running``,
        ``counters`` (the keys of ``twin.json``'s), ``alerts`` (the latest
        8) and ``assets``, one dict per bound asset with ``asset, kind,
        device, status`` (``waiting``, ``live`` or ``stale``), ``source``
        (``device`` while live: the twin's value is the device's latest
        valid telemetry, and a battery's SoC or a diesel's fuel replaces the
        model's at each control step; ``model`` while waiting or stale),
        ``last_seen_ms``, ``last_device_ts``, ``values`` (the device's
        latest valid values in model units: SoC as a fraction, MW, litres)
        and ``model`` (the model's own SoC or fuel). The asset list is
        empty until the twin's first event (within a quarter of a second)."""
        return json.loads(self._raw.state_json())

    def state_frame(self) -> pl.DataFrame:
        """The assets of :meth:`state` as a DataFrame, one row per asset and
        quantity: ``asset, kind, device, status, source, quantity,
        device_value, model_value, last_seen_ms`` (null where there is no
        such value yet; an asset with no quantity yet has one row with a
        null quantity)."""
        rows: List[Dict[str, Any]] = []
        for a in self.state()["assets"]:
            quantities = sorted(set(a["values"]) | set(a["model"])) or [None]
            for q in quantities:
                rows.append(
                    {
                        "asset": a["asset"],
                        "kind": a["kind"],
                        "device": a["device"],
                        "status": a["status"],
                        "source": a["source"],
                        "quantity": q,
                        "device_value": a["values"].get(q) if q else None,
                        "model_value": a["model"].get(q) if q else None,
                        "last_seen_ms": a["last_seen_ms"],
                    }
                )
        schema = {
            "asset": pl.String,
            "kind": pl.String,
            "device": pl.String,
            "status": pl.String,
            "source": pl.String,
            "quantity": pl.String,
            "device_value": pl.Float64,
            "model_value": pl.Float64,
            "last_seen_ms": pl.UInt64,
        }
        return pl.DataFrame(rows, schema=schema)

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Waits up to ``timeout`` seconds (None: without limit) for the
        twin to end by itself (its ``duration`` or the horizon); returns
        whether it has ended. Ctrl-C raises ``KeyboardInterrupt`` and
        leaves the twin running."""
        return self._raw.wait(timeout)

    def stop(self, out: Optional[Union[str, os.PathLike]] = None) -> TwinResult:
        """Stops the twin if it is still running (after the event it is
        handling), waits for its clean shutdown (MQTT connection closed,
        recording written) and returns a :class:`TwinResult`, also kept in
        :attr:`result`. ``out`` writes the CLI's outputs and ``twin.json``
        there. Calling it again returns the same outcome. An error of the
        run (no broker, refused credentials: :class:`TwinFailure`) is raised
        here, every time it is called."""
        raw, report = self._raw.stop(None if out is None else str(out))
        self.result = TwinResult(raw, report)
        return self.result

    def __enter__(self) -> "Twin":
        return self

    def __exit__(self, *exc: Any) -> None:
        if exc[0] is None:
            self.stop()
        else:  # do not hide the body's exception behind the twin's
            try:
                self.stop()
            except Exception:
                pass

    def __repr__(self) -> str:
        return f"Twin(org={self.org!r}, broker={self.broker_url!r}, running={self.running})"


from ._sweep import sweep  # noqa: E402  (needs Scenario)
