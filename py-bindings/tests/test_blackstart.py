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


# ---------------------------------------------------------------------------
# Each binding against the CLI on the same input.

import os
import subprocess
import sys
import signal
import threading
import time
import _thread
import tomllib

import numpy as np

SCEN = ROOT / "examples" / "scenarios"
HOKKAIDO = SCEN / "hokkaido-2018.toml"
GMPE_DATA = ROOT / "disaster-scenarios" / "tests" / "data" / "gmpe"
TC_DATA = ROOT / "disaster-scenarios" / "tests" / "data" / "tc_wind"
BIN = ROOT / "target" / "release" / "blackstart"
PREFIXES = "PREFIX bs: <https://blackstart-sim.github.io/ontology#>\n"


def cli(*args, ok=True):
    """Runs the CLI built by `cargo test --release` (scripts/test.sh builds it first)."""
    assert BIN.exists(), f"{BIN} is missing: build it with cargo build --release --bin blackstart"
    p = subprocess.run([str(BIN), *map(str, args)], capture_output=True, text=True, cwd=ROOT)
    if ok:
        assert p.returncode == 0, p.stderr
    return p


def cli_error(*args):
    p = cli(*args, ok=False)
    assert p.returncode != 0
    line = [l for l in p.stderr.splitlines() if l.startswith("error: ")][-1]
    return line[len("error: "):]


def test_gmpe_matches_the_cli_and_broadcasts(tmp_path):
    src = GMPE_DATA / "BSSA2014_BSSA_2014_MEAN.csv"
    out = tmp_path / "gm.csv"
    cli("hazard", "gmpe", "--model", "bssa14", "--input", src, "--out", out)
    ref = pl.read_csv(out)
    args = dict(mag=ref["rup_mag"].to_numpy(), rake=ref["rup_rake"].to_numpy(),
                rjb=ref["dist_rjb"].to_numpy(), vs30=ref["site_vs30"].to_numpy())
    pga = blackstart.gmpe("bssa14", imt="pga", **args)
    pgv = blackstart.gmpe("bssa14", imt="pgv", **args)
    # The CLI prints 11 significant digits.
    np.testing.assert_allclose(pga["median"], ref["pga_g"].to_numpy(), rtol=1e-10, atol=0)
    np.testing.assert_allclose(pga["sigma_total"], ref["pga_sigma_total_ln"].to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(pga["sigma_inter"], ref["pga_sigma_inter_ln"].to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(pgv["median"], ref["pgv_cms"].to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(pgv["sigma_intra"], ref["pgv_sigma_intra_ln"].to_numpy(), rtol=1e-10)
    # Broadcasting: magnitudes down, distances across.
    grid = blackstart.gmpe("sm99-crustal", mag=np.array([[6.0], [7.0]]), rrup=[10.0, 20.0, 40.0],
                           hypo_depth=10.0, rake=0.0, vs30=400.0)
    assert grid["median"].shape == (2, 3)
    one = blackstart.gmpe("sm99-crustal", mag=7.0, rrup=20.0, hypo_depth=10.0, rake=0.0, vs30=400.0)
    assert one["median"].shape == ()
    assert grid["median"][1, 1] == one["median"]
    assert np.all(np.diff(grid["median"], axis=1) < 0)  # decays with distance
    assert np.all(np.isnan(grid["sigma_inter"])) or np.all(np.isfinite(grid["sigma_inter"]))


def test_gmpe_errors_carry_the_engines_message():
    with pytest.raises(ValueError, match=r"unknown model `nga` \(expected sm99-crustal"):
        blackstart.gmpe("nga", mag=6.0, rjb=1.0, vs30=400.0)
    with pytest.raises(ValueError, match=r"element 1: invalid input: bssa14: `dist_rjb` must not be negative \(got -5\)"):
        blackstart.gmpe("bssa14", mag=6.0, rake=0.0, rjb=[1.0, -5.0], vs30=400.0)
    with pytest.raises(ValueError, match="unknown intensity measure `sa`"):
        blackstart.gmpe("bssa14", mag=6.0, rake=0.0, rjb=1.0, vs30=400.0, imt="sa")


def test_max_wind_matches_the_cli(tmp_path):
    cen = pl.read_csv(TC_DATA / "climada_centr_brb_test.csv")
    sites = tmp_path / "sites.csv"
    cen.select(pl.col("centroid_id").alias("id"), "lat", "lon").write_csv(sites)
    track = TC_DATA / "climada_trac_brb_test.csv"
    out = tmp_path / "w.csv"
    cli("hazard", "wind", "--track", track, "--sites", sites, "--out", out)
    ref = pl.read_csv(out)
    got = blackstart.max_wind(track, cen["lat"].to_numpy(), cen["lon"].to_numpy(), threshold=17.5)
    assert got.shape == (cen.height,)
    # The CLI prints 6 decimals.
    np.testing.assert_allclose(got, ref["max_wind_ms"].to_numpy(), rtol=0, atol=5.1e-7)
    assert got.max() > 30.0
    with pytest.raises(ValueError, match="step_h must be positive"):
        blackstart.max_wind(track, [13.1], [-59.6], step_h=0.0)
    with pytest.raises(ValueError, match=str(tmp_path / "nope.csv")):
        blackstart.max_wind(tmp_path / "nope.csv", [13.1], [-59.6])


def test_fragility_matches_the_cli():
    classes = blackstart.fragility_classes()
    assert "ESS1" in classes
    x = np.array([0.05, 0.2, 0.5, 1.0])
    f = blackstart.fragility("ESS1", x)
    assert f.exceedance.shape == (4, len(f.states))
    assert f.info["hazard"] == "earthquake" and f.info["unit"] == "g"
    for i, pga in enumerate(x):
        lines = cli("hazard", "fragility", "--class", "ESS1", "--pga", pga).stdout.splitlines()
        rows = [l.split(",") for l in lines[2:]]
        assert [r[0] for r in rows] == f.states
        for k, r in enumerate(rows):
            assert f"{f.exceedance[i, k]:.4f}" == r[1]
    p = f.state_probabilities()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-12)
    assert np.all(p >= -1e-15)
    assert f.to_frame().columns == f.states
    msg = cli_error("hazard", "fragility", "--class", "NOPE", "--pga", "0.1")
    with pytest.raises(ValueError) as e:
        blackstart.fragility("NOPE", [0.1])
    assert str(e.value) == msg


def test_scenario_run_matches_the_cli_outputs(tmp_path):
    out = tmp_path / "cli"
    cli("run", HOKKAIDO, "--replicas", 3, "--seed", 11, "--out", out, "--quiet")
    sc = blackstart.Scenario.from_toml(HOKKAIDO)
    assert sc.name and sc.policy == "priority"
    res = sc.run(replicas=3, seed=11, threads=2)
    assert res.timeseries.equals(pl.read_parquet(out / "timeseries.parquet"))
    assert res.events.equals(pl.read_parquet(out / "events.parquet"))
    assert res.decisions.height > 0
    assert res.decisions.equals(pl.read_parquet(out / "decisions.parquet"))
    on_disk = json.loads((out / "summary.json").read_text())
    # (Every key and number of the binding's summary is the CLI's.)
    assert res.summary["aggregate"] == on_disk["aggregate"]
    assert res.summary["replicas"] == [{k: r[k] for k in p} for p, r in zip(res.summary["replicas"], on_disk["replicas"])]
    assert {k: v for k, v in res.summary.items() if k not in ("aggregate", "replicas")} == {
        k: on_disk[k] for k in res.summary if k not in ("aggregate", "replicas")}
    assert res.decisions.to_pandas().shape[0] == res.decisions.height if _has_pandas() else True
    served = res.system("critical_served_fraction")
    assert served.columns == ["time_h", "replica", "value"] and served.height == 3 * 4 * 96


def _has_pandas():
    try:
        import pandas  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def test_scenario_from_dict_is_the_same_scenario(tmp_path):
    d = tomllib.loads(HOKKAIDO.read_text())
    a = blackstart.Scenario.from_dict(d, base_dir=SCEN).run(replicas=2, seed=4)
    b = blackstart.Scenario.from_toml(HOKKAIDO).run(replicas=2, seed=4)
    assert a.summary == b.summary
    assert a.timeseries.equals(b.timeseries)
    d["policy"]["kind"] = "none"
    sc = blackstart.Scenario.from_dict(d, base_dir=SCEN)
    assert sc.policy == "none" and sc.to_dict()["policy"]["kind"] == "none"
    c = sc.run(replicas=2, seed=4)
    assert c.summary["policy"] == "none"


def test_scenario_errors_are_the_clis_messages(tmp_path):
    text = HOKKAIDO.read_text().replace('kind = "priority"', 'kind = "greedy"')
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    msg = cli_error("run", bad, "--replicas", 1, "--quiet")
    with pytest.raises(ValueError) as e:
        blackstart.Scenario.from_toml(bad).run(replicas=1)
    assert str(e.value) == msg
    assert "bad.toml:" in msg and "greedy" in msg
    broken = tmp_path / "broken.toml"
    broken.write_text("[scenario\nname = 1\n")
    with pytest.raises(ValueError) as e:
        blackstart.Scenario.from_toml(broken)
    assert str(e.value).startswith(f"{broken}:1:")
    assert str(e.value) == cli_error("run", broken, "--quiet")
    d = tomllib.loads(HOKKAIDO.read_text())
    d["scenario"]["horizon"] = "soon"
    with pytest.raises(ValueError, match=r"<dict>\.toml:\d+:\d+: horizon `soon` is not a duration"):
        blackstart.Scenario.from_dict(d, base_dir=SCEN).run(replicas=1)


def test_progress_callback_and_ctrl_c():
    seen = []
    blackstart.run(HOKKAIDO, replicas=4, threads=1, progress=lambda d, n: seen.append((d, n)))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    # Ctrl-C (SIGINT's handler, as in a terminal) stops a long run quickly.
    # The interrupt comes from another thread once the first replica has
    # finished, so it lands mid-run whatever the machine's speed.
    sc = blackstart.Scenario.from_toml(SCEN / "kumamoto-2016.toml")
    t0 = time.perf_counter()
    sc.run(replicas=3, threads=1)
    per_replica = (time.perf_counter() - t0) / 3
    first_done = threading.Event()
    fired_at = []

    def fire():
        if first_done.wait(60):
            fired_at.append(time.perf_counter())
            _thread.interrupt_main()

    def note(done, total):
        first_done.set()

    helper = threading.Thread(target=fire, daemon=True)
    # Python's own SIGINT handler, as in a terminal: a process started in
    # the background inherits SIGINT ignored, and then there is no Ctrl-C
    # (interrupt_main does nothing) and the run would go on to the end.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        helper.start()
        with pytest.raises(KeyboardInterrupt):
            sc.run(replicas=400, threads=1, progress=note)
    finally:
        signal.signal(signal.SIGINT, previous)
    stopped_at = time.perf_counter()
    helper.join(5)
    assert fired_at, "the interrupt never fired"
    # Stopped within the replica running at the interrupt (and the 50 ms
    # signal poll), far from the 400 asked for.
    elapsed = stopped_at - fired_at[0]
    assert elapsed < 3 * per_replica + 1.0, (elapsed, per_replica)
    # A failing callback stops the run with its exception.
    def boom(d, n):
        raise RuntimeError("stop here")
    with pytest.raises(RuntimeError, match="stop here"):
        blackstart.run(HOKKAIDO, replicas=3, threads=1, progress=boom)


def test_query_matches_the_cli():
    q = PREFIXES + "SELECT ?mg ?name WHERE { ?mg a bs:Microgrid ; <http://www.w3.org/2000/01/rdf-schema#label> ?name } ORDER BY ?mg"
    sc = blackstart.Scenario.from_toml(HOKKAIDO)
    got = sc.query(q)
    ref = blackstart._results_frame(json.loads(cli("query", "--scenario", HOKKAIDO, q).stdout))
    assert isinstance(got, pl.DataFrame) and got.height > 0
    assert got.equals(ref)
    ask = PREFIXES + "ASK { ?x a bs:Microgrid }"
    assert blackstart.query(ask, scenario=sc) is True
    upd = PREFIXES + "INSERT DATA { bs:a bs:b bs:c }"
    msg = cli_error("query", "--scenario", HOKKAIDO, upd)
    with pytest.raises(ValueError) as e:
        sc.query(upd)
    assert str(e.value) == msg
    with pytest.raises(ValueError, match="nothing to query"):
        blackstart.query("SELECT * WHERE { ?s ?p ?o }")


# ---------------------------------------------------------------------------
# Stub and docstrings.


def _stub_params(fn):
    """(name, has default, default or None) of a stub function's parameters."""
    a = fn.args
    pos = a.posonlyargs + a.args
    defaults = [None] * (len(pos) - len(a.defaults)) + list(a.defaults)
    out = []
    for arg, d in zip(pos, defaults):
        if arg.arg in ("self", "cls"):
            continue
        out.append((arg.arg, d is not None, None if d is None else ast.literal_eval(d)))
    return out


def _real_params(obj):
    sig = inspect.signature(obj)
    out = []
    for p in sig.parameters.values():
        if p.name in ("self", "cls"):
            continue
        has = p.default is not inspect.Parameter.empty
        out.append((p.name, has, p.default if has else None))
    return out


def _same(real, stub):
    """Same names, same defaults present; default values equal where the
    module shows them (pyo3 shows `...` for some, e.g. an empty list)."""
    if [(n, h) for n, h, _ in real] != [(n, h) for n, h, _ in stub]:
        return False
    return all(r is Ellipsis or r == s for (_, _, r), (_, _, s) in zip(real, stub))


def test_stub_matches_the_extension_names_and_signatures():
    stub = pathlib.Path(blackstart.__file__).with_name("_blackstart.pyi").read_text()
    tree = ast.parse(stub)
    funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    for name, fn in funcs.items():
        assert _same(_real_params(getattr(_blackstart, name)), _stub_params(fn)), name
    for cname, cls in classes.items():
        real_cls = getattr(_blackstart, cname)
        for f in cls.body:
            if not isinstance(f, ast.FunctionDef):
                continue
            is_prop = any(isinstance(d, ast.Name) and d.id == "property" for d in f.decorator_list)
            if is_prop:
                assert isinstance(inspect.getattr_static(real_cls, f.name), type(inspect.getattr_static(_blackstart.Network, "n_buses"))), (cname, f.name)
                continue
            target = real_cls if f.name == "__new__" else getattr(real_cls, f.name)
            assert _same(_real_params(target), _stub_params(f)), (cname, f.name)


def test_every_public_name_has_a_docstring_everywhere():
    import blackstart.gym as bgym

    for mod in (blackstart, bgym):
        for name in mod.__all__:
            obj = getattr(mod, name)
            if callable(obj):
                assert inspect.getdoc(obj), f"{mod.__name__}.{name}"
            if inspect.isclass(obj):
                for m, v in vars(obj).items():
                    if not m.startswith("_") and (callable(v) or isinstance(v, property)):
                        assert inspect.getdoc(v), f"{name}.{m}"
    for name in dir(_blackstart):
        if name.startswith("_"):
            continue
        obj = getattr(_blackstart, name)
        assert inspect.getdoc(obj), name
        if inspect.isclass(obj):
            for m in dir(obj):
                if not m.startswith("_"):
                    assert inspect.getdoc(getattr(obj, m)), f"{name}.{m}"
