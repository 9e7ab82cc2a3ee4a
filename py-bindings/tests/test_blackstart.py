"""Tests of the Python package against the engine and MATPOWER's references."""

import ast
import inspect
import json
import pathlib

import polars as pl
import pytest

import blackstart
from blackstart import _blackstart

ROOT = pathlib.Path(__file__).resolve().parents[2]
CASE9 = ROOT / "grid-model" / "tests" / "data" / "case9.m"
REF9 = ROOT / "grid-model" / "tests" / "data" / "ref" / "case9_bus.csv"


def test_power_flow_matches_matpower_case9():
    net = blackstart.Network.from_matpower(str(CASE9))
    assert net.n_buses == 9
    pf = net.power_flow(tol=1e-10)
    assert pf.converged
    assert pf.bus.columns == ["bus_id", "vm_pu", "va_deg"]
    ref = pl.read_csv(REF9)
    joined = pf.bus.join(ref, on="bus_id", suffix="_ref")
    assert (joined["vm_pu"] - joined["vm_pu_ref"]).abs().max() < 1e-6
    assert (joined["va_deg"] - joined["va_deg_ref"]).abs().max() < 1e-4
    assert pf.gen.columns == ["gen", "bus", "pg_mw", "qg_mvar"]
    assert pf.branch.height == 9
    # MATPOWER: losses 4.641021474 MW.
    assert abs(pf.losses_mw - 4.641021474) < 1e-6


def test_dc_power_flow_and_flat_start():
    net = blackstart.Network.from_matpower(str(CASE9))
    dc = net.power_flow(dc=True)
    assert dc.dc and dc.converged
    flat = net.power_flow(init="flat")
    assert flat.converged


def test_bad_input_raises_value_error_with_the_place(tmp_path):
    bad = tmp_path / "bad.m"
    bad.write_text("mpc.baseMVA = 100;\nmpc.bus = [\n1 3 0 0 0 0 1 1 0 345 1 1.1 0.9;\n")
    with pytest.raises(ValueError, match=r"bad\.m:3: matrix mpc\.bus started on line 2 is not closed"):
        blackstart.Network.from_matpower(str(bad))
    net = blackstart.Network.from_matpower(str(CASE9))
    with pytest.raises(ValueError, match="unknown start"):
        net.power_flow(init="sideways")
    with pytest.raises(ValueError, match="cannot read"):
        blackstart.run(str(tmp_path / "missing.toml"))


def test_run_returns_dataframes_and_summary(tmp_path):
    res = blackstart.run(str(ROOT / "examples" / "scenarios" / "hokkaido-2018.toml"), replicas=3, out=str(tmp_path))
    assert res.timeseries.columns == ["time_ms", "replica", "entity", "metric", "value"]
    assert set(res.timeseries["replica"].unique().to_list()) == {0, 1, 2}
    served = res.timeseries.filter(
        (pl.col("entity") == "system") & (pl.col("metric") == "critical_served_fraction")
    )
    assert served.height == 3 * 4 * 96
    assert res.events.columns == ["time_ms", "replica", "entity", "kind", "detail"]
    assert len(res.summary["replicas"]) == 3
    assert "saidi_h" in res.summary["aggregate"]
    # The same numbers as the CLI's summary.json.
    on_disk = json.loads((tmp_path / "summary.json").read_text())
    assert on_disk == res.summary


def test_same_seed_same_results_whatever_the_threads():
    path = str(ROOT / "examples" / "scenarios" / "hokkaido-2018.toml")
    a = blackstart.run(path, replicas=4, threads=1)
    b = blackstart.run(path, replicas=4, threads=2)
    assert a.summary == b.summary
    assert a.timeseries.equals(b.timeseries)


def test_compare_gives_paired_differences_on_common_random_numbers(tmp_path):
    path = str(ROOT / "examples" / "scenarios" / "hokkaido-2018.toml")
    cmp = blackstart.compare(path, ["none", "priority"], replicas=3, out=str(tmp_path))
    assert cmp["baseline"] == "none"
    a = [r["served_energy_fraction"] for r in cmp["policies"]["none"]["replicas"]]
    b = [r["served_energy_fraction"] for r in cmp["policies"]["priority"]["replicas"]]
    d = cmp["differences"]["priority"]["served_energy_fraction"]
    assert abs(d["mean"] - sum(y - x for x, y in zip(a, b)) / 3) < 1e-12
    assert d["ci95_low"] <= d["mean"] <= d["ci95_high"]
    assert json.loads((tmp_path / "compare.json").read_text()) == cmp
    with pytest.raises(ValueError, match="none, priority, optimal, market"):
        blackstart.compare(path, ["none", "greedy"], replicas=1)


def test_stub_lists_every_public_name_of_the_extension():
    stub = pathlib.Path(blackstart.__file__).with_name("_blackstart.pyi").read_text()
    tree = ast.parse(stub)
    names = {n.name for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    names |= {t.id for n in tree.body if isinstance(n, ast.AnnAssign) for t in [n.target]}
    public = {n for n in dir(_blackstart) if not n.startswith("_") or n == "__version__"}
    assert public == names
    for cls in ("Network", "PowerFlowResult", "RunResults"):
        stub_cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls)
        stub_members = {f.name for f in stub_cls.body if isinstance(f, ast.FunctionDef)}
        real = {m for m, _ in inspect.getmembers(getattr(_blackstart, cls)) if not m.startswith("_")}
        assert real == stub_members, cls


def test_every_public_name_has_a_docstring():
    for name in blackstart.__all__:
        obj = getattr(blackstart, name)
        if callable(obj):
            assert inspect.getdoc(obj), name
