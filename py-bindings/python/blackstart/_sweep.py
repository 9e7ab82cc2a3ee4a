"""Sweeps: many scenarios or seeds, run locally or on a Dask cluster."""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import polars as pl

from . import Scenario

Item = Union[Scenario, str, "os.PathLike[str]", Dict[str, Any], int]

# (TOML text, file name for messages, replicas, seed, threads)
_Task = Tuple[str, str, Optional[int], Optional[int], int]


def _run_task(task: _Task) -> Dict[str, Any]:
    """Runs one sweep task (on a worker, or locally) and returns its
    ``summary.json`` as a dict."""
    from . import _scenario_from_text

    text, name, replicas, seed, threads = task
    return _scenario_from_text(text, name).run(replicas=replicas, seed=seed, threads=threads).summary


def _task_of(item: Item, scenario: Optional[Scenario], replicas: Optional[int], threads: int) -> _Task:
    if isinstance(item, bool):
        raise TypeError("a sweep item is a Scenario, a path, a dict or an int seed, not a bool")
    if isinstance(item, int):
        if scenario is None:
            raise ValueError("seeds need a scenario: sweep([1, 2, 3], scenario=Scenario.from_toml(...))")
        return (scenario.toml_text, scenario.path, replicas, item, threads)
    if isinstance(item, Scenario):
        sc = item
    elif isinstance(item, dict):
        sc = Scenario.from_dict(item)
    elif isinstance(item, (str, os.PathLike)):
        sc = Scenario.from_toml(item)
    else:
        raise TypeError(f"a sweep item is a Scenario, a path, a dict or an int seed, not {type(item).__name__}")
    return (sc.toml_text, sc.path, replicas, None, threads)


def sweep(
    scenarios_or_seeds: Sequence[Item],
    scenario: Optional[Scenario] = None,
    client: Any = None,
    replicas: Optional[int] = None,
    threads: int = 1,
) -> pl.DataFrame:
    """Runs a study: each item is a :class:`Scenario`, a scenario file, a
    scenario dict, or an int seed (of ``scenario``); ``replicas`` overrides
    every scenario's count. With a Dask ``client``
    (``dask.distributed.Client``) the items run as tasks on its workers
    (each with ``threads`` engine threads; scenarios travel as TOML text, so
    files need only exist where ``sweep`` is called); without one they run
    here, one after the other. Results do not depend on where they ran.

    Returns one row per item and replica: ``item`` (its index), ``scenario``
    (name), ``policy``, ``seed``, ``replica``, then every per-replica metric
    of ``summary.json``.
    """
    tasks: List[_Task] = [_task_of(it, scenario, replicas, threads) for it in scenarios_or_seeds]
    if client is None:
        summaries = [_run_task(t) for t in tasks]
    else:
        futures = client.map(_run_task, tasks, pure=False)
        summaries = client.gather(futures)
    rows: List[Dict[str, Any]] = []
    for i, s in enumerate(summaries):
        for r, metrics in enumerate(s["replicas"]):
            row: Dict[str, Any] = {
                "item": i,
                "scenario": s["scenario"],
                "policy": s.get("policy"),
                "seed": s["seed"],
                "replica": r,
            }
            row.update({k: float(v) for k, v in metrics.items() if k != "replica"})
            rows.append(row)
    return pl.DataFrame(rows)
