"""blackstart: energy sharing between microgrids during disasters.

A thin Python face over the Rust engine (no logic is re-implemented here):

>>> import blackstart
>>> net = blackstart.Network.from_matpower("grid-model/tests/data/case9.m")
>>> pf = net.power_flow()
>>> pf.converged, pf.bus.columns
(True, ['bus_id', 'vm_pu', 'va_deg'])

Tables are polars DataFrames (``.to_pandas()`` works with pandas and
pyarrow installed). Bad input raises ``ValueError`` and a failed computation
``RuntimeError``, with the engine's message (file, line and column where it
applies).
"""

from __future__ import annotations

import io
import json
from typing import Any, Dict, List, Optional

import polars as pl

from . import _blackstart

__version__: str = _blackstart.__version__

__all__ = ["Network", "PowerFlowResult", "RunResults", "run", "compare", "__version__"]


def _frame(ipc: bytes) -> pl.DataFrame:
    return pl.read_ipc(io.BytesIO(ipc))


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
    def from_matpower(path: str) -> "Network":
        """Reads a MATPOWER ``.m`` case file."""
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
        (``converged`` is False), not an exception."""
        return PowerFlowResult(self._raw.power_flow(dc, init, tol, max_iter))


class RunResults:
    """The results of :func:`run`: ``timeseries`` and ``events`` (polars
    DataFrames, all replicas in replica order) and ``summary`` (a dict with
    ``aggregate`` and per-replica ``replicas`` metrics, as ``summary.json``)."""

    def __init__(self, raw: "_blackstart.RunResults") -> None:
        self.timeseries: pl.DataFrame = _frame(raw.timeseries_ipc())
        self.events: pl.DataFrame = _frame(raw.events_ipc())
        self.summary: Dict[str, Any] = json.loads(raw.summary_json)

    def __repr__(self) -> str:
        return f"RunResults(scenario={self.summary.get('scenario')!r}, replicas={self.summary.get('replicas_run')})"


def run(
    path: str,
    replicas: Optional[int] = None,
    seed: Optional[int] = None,
    threads: int = 0,
    out: Optional[str] = None,
) -> RunResults:
    """Runs a scenario file (see ``examples/scenarios/README.md``), as
    ``blackstart run`` does; ``out`` also writes the CLI's output files.
    The GIL is released while the engine runs."""
    return RunResults(_blackstart.run(str(path), replicas, seed, threads, out))


def compare(
    path: str,
    policies: List[str],
    replicas: Optional[int] = None,
    seed: Optional[int] = None,
    threads: int = 0,
    out: Optional[str] = None,
) -> Dict[str, Any]:
    """Runs every policy (``none``, ``priority``, ``optimal``, ``market``; the
    first is the baseline) on the same replicas, as ``blackstart compare``
    does, and returns ``compare.json`` as a dict: ``baseline``, ``policies``
    (each policy's summary) and ``differences`` (policy minus baseline, per
    replica, summarised as ``mean``, ``ci95_low``, ``ci95_high``). ``out``
    also writes the CLI's files. Unknown policies raise ``ValueError``."""
    return json.loads(_blackstart.compare(str(path), list(policies), replicas, seed, threads, out))
