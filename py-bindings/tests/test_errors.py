"""The exception classes (``blackstart.errors``): the class tree, and each
class raised by a real error through the public API, with the engine's
message saying where; the catalogue of bad inputs (``tests/bad-inputs``)
raises the class of its kind with the CLI's exact message and exit status."""

import pathlib
import pickle
import socket
import subprocess
import threading
import time
import tomllib

import numpy as np
import pytest

import blackstart
import blackstart.errors
from blackstart.gym import DisasterResponseEnv

ROOT = pathlib.Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "bad-inputs"
BIN = ROOT / "target" / "release" / "blackstart"
CASE9 = ROOT / "grid-model" / "tests" / "data" / "case9.m"
SCEN = ROOT / "examples" / "scenarios"
HOKKAIDO = SCEN / "hokkaido-2018.toml"
TRACK = SCEN / "faxai-2019-track.csv"
TESTBED = ROOT / "examples" / "twin" / "testbed.toml"
DATA_TTL = BAD / "sparql" / "data.ttl"

B = blackstart
INPUT = [B.ScenarioError, B.NetworkError, B.HazardError, B.QueryError, B.TwinError, B.ActionError]
FAILURE = [B.SimulationError, B.QueryFailure, B.TwinFailure, B.OutputError]


def kind(excinfo, cls):
    """Checks that the raised exception is exactly `cls`, an `Error` and a
    `ValueError` (input) or a `RuntimeError` (failure), not both; returns
    its message."""
    e = excinfo.value
    assert type(e) is cls, f"{type(e).__name__} raised, {cls.__name__} expected: {e}"
    assert isinstance(e, blackstart.Error)
    if cls in INPUT:
        assert isinstance(e, blackstart.InputError) and isinstance(e, ValueError)
        assert not isinstance(e, RuntimeError)
    else:
        assert isinstance(e, blackstart.ComputationError) and isinstance(e, RuntimeError)
        assert not isinstance(e, ValueError)
    return str(e)


def cli(*args, cwd=ROOT):
    """(exit status, the message after `error: `) of a failing CLI call."""
    assert BIN.exists(), f"{BIN} is missing: build it with cargo build --release --bin blackstart"
    p = subprocess.run([str(BIN), *map(str, args)], capture_output=True, text=True, cwd=cwd)
    assert p.returncode != 0, p.stdout
    errors = [l for l in p.stderr.splitlines() if l.startswith("error: ")]
    assert errors, p.stderr
    return p.returncode, errors[-1][len("error: "):]


def short(horizon="6h", policy="priority"):
    """Hokkaido 2018 over a short horizon (fast runs)."""
    d = tomllib.loads(HOKKAIDO.read_text())
    d["scenario"]["horizon"] = horizon
    d["policy"]["kind"] = policy
    return d


# ---------------------------------------------------------------------------
# The tree.


def test_the_class_tree():
    assert blackstart.Error.__bases__ == (Exception,)
    assert blackstart.InputError.__bases__ == (blackstart.Error, ValueError)
    assert blackstart.ComputationError.__bases__ == (blackstart.Error, RuntimeError)
    for c in INPUT:
        assert c.__bases__ == (blackstart.InputError,), c
        assert issubclass(c, ValueError) and not issubclass(c, RuntimeError), c
    for c in FAILURE:
        assert c.__bases__ == (blackstart.ComputationError,), c
        assert issubclass(c, RuntimeError) and not issubclass(c, ValueError), c
    # Every class is listed, documented, exported by the package (the same
    # objects) and named in the extension's stub.
    names = {"Error", "InputError", "ComputationError"} | {c.__name__ for c in INPUT + FAILURE}
    assert set(blackstart.errors.__all__) == names
    stub = pathlib.Path(blackstart.__file__).with_name("_blackstart.pyi").read_text()
    for name in names:
        cls = getattr(blackstart.errors, name)
        assert cls.__module__ == "blackstart.errors", name
        assert cls.__doc__ and len(cls.__doc__) > 40, name
        assert name in blackstart.__all__, name
        assert getattr(blackstart, name) is cls, name
        assert f"``{name}" in stub, name


def test_errors_pickle_with_their_class_and_message():
    # Sweeps on Dask send exceptions back from the workers.
    for cls in INPUT + FAILURE:
        e = pickle.loads(pickle.dumps(cls("where: what")))
        assert type(e) is cls and str(e) == "where: what"


# ---------------------------------------------------------------------------
# The catalogue of bad inputs: each case through Python raises its kind's
# class with the CLI's message (an input error: exit status 2).


def _cases(folder):
    return sorted(p.name for p in (BAD / folder).iterdir() if p.with_name(p.name + ".expected").exists())


_CALLS = {
    "scenario": (B.ScenarioError, lambda name: blackstart.run(name, replicas=1)),
    "matpower": (B.NetworkError, lambda name: blackstart.Network.from_matpower(name)),
    "rdf": (B.QueryError, lambda name: blackstart.query(pathlib.Path("q.rq").read_text(), data=[name])),
    "sparql": (B.QueryError, lambda name: blackstart.query(pathlib.Path(name).read_text(), data=["data.ttl"])),
    "testbed": (B.TwinError, lambda name: blackstart.Twin(name, speed=1000)),
    "track": (B.HazardError, lambda name: blackstart.max_wind(name, [35.0], [140.0])),
}


@pytest.mark.parametrize(
    "folder,name", [(f, n) for f in _CALLS for n in _cases(f)], ids=lambda x: str(x)
)
def test_catalogue_of_bad_inputs_raises_its_class_with_the_clis_message(folder, name, monkeypatch):
    expected = (BAD / folder / (name + ".expected")).read_text().splitlines()
    assert expected[-1] == "exit 2" and expected[0].startswith("error: "), expected
    cls, call = _CALLS[folder]
    monkeypatch.chdir(BAD / folder)
    with pytest.raises(cls) as e:
        call(name)
    assert kind(e, cls) == expected[0][len("error: "):]


def test_catalogue_covers_every_folder_used_here():
    # A folder emptied or renamed would make the test above vacuous.
    for folder in _CALLS:
        assert _cases(folder), folder


# ---------------------------------------------------------------------------
# Input errors.


def test_scenario_error(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nname = "x"\nhorizon = 6\n')
    with pytest.raises(blackstart.ScenarioError) as e:
        blackstart.Scenario.from_toml(bad)
    msg = kind(e, blackstart.ScenarioError)
    assert msg.startswith(f"{bad}:3:"), msg
    assert cli("run", bad, "--quiet", "--out", tmp_path / "o") == (2, msg)
    # A missing file.
    with pytest.raises(blackstart.ScenarioError) as e:
        blackstart.run(tmp_path / "nope.toml")
    assert kind(e, blackstart.ScenarioError).startswith(f"cannot read {tmp_path / 'nope.toml'}: ")
    # A dict: the line of the equivalent TOML.
    d = short()
    d["scenario"]["horizon"] = "soon"
    with pytest.raises(blackstart.ScenarioError) as e:
        blackstart.Scenario.from_dict(d, base_dir=SCEN).run(replicas=1)
    assert "<dict>.toml:" in kind(e, blackstart.ScenarioError)
    # An unknown policy.
    with pytest.raises(blackstart.ScenarioError) as e:
        blackstart.compare(HOKKAIDO, ["none", "bribery"], replicas=1)
    assert "bribery" in kind(e, blackstart.ScenarioError)
    # The scenario of a twin is a scenario's error, not the testbed's.
    with pytest.raises(blackstart.ScenarioError) as e:
        blackstart.Twin(bad)
    assert kind(e, blackstart.ScenarioError).startswith(f"{bad}:3:")


def test_network_error(tmp_path):
    missing = tmp_path / "missing.m"
    with pytest.raises(blackstart.NetworkError) as e:
        blackstart.Network.from_matpower(missing)
    msg = kind(e, blackstart.NetworkError)
    assert msg.startswith(f"cannot read {missing}: ")
    assert cli("pf", missing) == (2, msg)
    net = blackstart.Network.from_matpower(CASE9)
    with pytest.raises(blackstart.NetworkError) as e:
        net.power_flow(init="sideways")
    assert "sideways" in kind(e, blackstart.NetworkError)
    with pytest.raises(blackstart.NetworkError) as e:
        net.power_flow(tol=0.0)
    assert kind(e, blackstart.NetworkError) == "tol must be a positive number, got 0"


def test_hazard_error(tmp_path):
    with pytest.raises(blackstart.HazardError) as e:
        blackstart.gmpe("nga", mag=7.0, rjb=10.0, vs30=400.0, rake=0.0)
    assert "unknown model `nga` (expected sm99-crustal" in kind(e, blackstart.HazardError)
    # The element and the parameter.
    with pytest.raises(blackstart.HazardError) as e:
        blackstart.gmpe("bssa14", mag=7.0, rjb=np.array([10.0, -5.0]), vs30=400.0, rake=0.0)
    assert kind(e, blackstart.HazardError).startswith("element 1: ")
    # A missing track file: its path.
    nope = tmp_path / "nope.csv"
    with pytest.raises(blackstart.HazardError) as e:
        blackstart.max_wind(nope, [35.0], [140.0])
    assert str(nope) in kind(e, blackstart.HazardError)
    with pytest.raises(blackstart.HazardError) as e:
        blackstart.fragility("CASTLE", [0.1])
    assert "CASTLE" in kind(e, blackstart.HazardError)
    with pytest.raises(blackstart.HazardError) as e:
        blackstart.fragility("ESS1", [0.1], curves=nope)
    assert str(nope) in kind(e, blackstart.HazardError)
    with pytest.raises(blackstart.HazardError) as e:
        blackstart.fragility("ESS1", [0.1, -1.0])
    assert "-1" in kind(e, blackstart.HazardError)


def test_query_error(tmp_path):
    with pytest.raises(blackstart.QueryError) as e:
        blackstart.query("SELECT ?s WHERE {\n  ?s ?p\n}", data=[DATA_TTL])
    msg = kind(e, blackstart.QueryError)
    assert msg.startswith("invalid SPARQL at line 3, column 2: "), msg
    q = tmp_path / "q.rq"
    q.write_text("SELECT ?s WHERE {\n  ?s ?p\n}")
    assert cli("query", "--data", DATA_TTL, "--query", q) == (2, msg)
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b\n")
    with pytest.raises(blackstart.QueryError) as e:
        blackstart.query("ASK { ?s ?p ?o }", data=[bad])
    assert kind(e, blackstart.QueryError).startswith(f"{bad}:")
    with pytest.raises(blackstart.QueryError) as e:
        blackstart.query("ASK { ?s ?p ?o }", data=[DATA_TTL], entailment="owl")
    assert "owl" in kind(e, blackstart.QueryError)


def test_twin_error(tmp_path):
    missing = tmp_path / "missing.toml"
    with pytest.raises(blackstart.TwinError) as e:
        blackstart.Twin(missing)
    msg = kind(e, blackstart.TwinError)
    assert msg.startswith(f"cannot read {missing}: ")
    assert cli("twin", missing, "--quiet") == (2, msg)
    with pytest.raises(blackstart.TwinError) as e:
        blackstart.Twin(TESTBED, broker="http://example.invalid")
    assert "unknown scheme" in kind(e, blackstart.TwinError)
    with pytest.raises(blackstart.TwinError) as e:
        blackstart.Twin(TESTBED, speed=0)
    assert kind(e, blackstart.TwinError) == "--speed must be a positive number, got 0"


def test_action_error():
    env = DisasterResponseEnv(blackstart.Scenario.from_dict(short(horizon="1h"), base_dir=SCEN))
    env.reset(seed=1)
    n = len(env.microgrids)
    with pytest.raises(blackstart.ActionError) as e:
        env.step({"transfer_mw": -np.ones((n, n))})
    assert kind(e, blackstart.ActionError).startswith("action: transfer_mw must be finite and >= 0")
    # The episode goes on; once over, a step is refused too.
    for _ in range(10):
        *_, term, trunc, _ = env.step({})
        if term or trunc:
            break
    assert term or trunc
    with pytest.raises(blackstart.ActionError) as e:
        env.step({})
    assert kind(e, blackstart.ActionError) == "the episode is over: reset the environment"
    env.close()


# ---------------------------------------------------------------------------
# Failures.


def test_simulation_error():
    env = DisasterResponseEnv(blackstart.Scenario.from_dict(short(horizon="1h"), base_dir=SCEN))
    with pytest.raises(blackstart.SimulationError) as e:
        env.step({})
    assert kind(e, blackstart.SimulationError) == "no episode is running: call reset() first"
    env.close()


def test_query_failure():
    # A well-formed query whose evaluation fails: the store makes no
    # SERVICE calls.
    sparql = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    with pytest.raises(blackstart.QueryFailure) as e:
        blackstart.query(sparql, data=[DATA_TTL])
    msg = kind(e, blackstart.QueryFailure)
    assert "<http://127.0.0.1:9/sparql>" in msg, msg
    assert cli("query", sparql, "--data", DATA_TTL) == (3, msg)


class RefusingBroker:
    """A TCP server answering every MQTT CONNECT with CONNACK "not
    authorised" (return code 5)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"mqtt://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.recv(1024)
                conn.sendall(bytes([0x20, 0x02, 0x00, 0x05]))
                time.sleep(0.2)

    def close(self) -> None:
        self.sock.close()


def test_twin_failure(tmp_path):
    broker = RefusingBroker()
    try:
        twin = blackstart.Twin(TESTBED, speed=600, broker=broker.url)
        assert twin.wait(timeout=20), "the twin should end by itself when refused"
        for _ in range(2):  # raised at every stop()
            with pytest.raises(blackstart.TwinFailure) as e:
                twin.stop()
            msg = kind(e, blackstart.TwinFailure)
            assert broker.url.removeprefix("mqtt://") in msg, msg
            assert "refused the credentials" in msg, msg
    finally:
        broker.close()
    # Its recording cannot be written: the run's failure, raised by stop().
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    twin = blackstart.Twin(TESTBED, speed=3600, duration=0.5, record=blocker / "rec.parquet")
    assert twin.wait(timeout=30)
    with pytest.raises(blackstart.TwinFailure) as e:
        twin.stop()
    assert kind(e, blackstart.TwinFailure).startswith(f"{blocker / 'rec.parquet'}: ")


def test_output_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    sc = blackstart.Scenario.from_dict(short(), base_dir=SCEN)
    with pytest.raises(blackstart.OutputError) as e:
        sc.run(replicas=1, out=blocker / "out")
    msg = kind(e, blackstart.OutputError)
    assert msg.startswith("cannot write outputs: ") and str(blocker) in msg, msg
    with pytest.raises(blackstart.OutputError) as e:
        sc.compare(["none", "priority"], replicas=1, out=blocker / "cmp")
    assert str(blocker / "cmp") in kind(e, blackstart.OutputError)
    # The CLI's message, exit status 3.
    with pytest.raises(blackstart.OutputError) as e:
        blackstart.run(HOKKAIDO, replicas=1, out=blocker / "run")
    msg = kind(e, blackstart.OutputError)
    assert cli("run", HOKKAIDO, "--replicas", "1", "--quiet", "--out", blocker / "run") == (3, msg)
    # The twin's outputs; the twin's result is kept.
    twin = blackstart.Twin(TESTBED, speed=3600, duration=0.5)
    assert twin.wait(timeout=30)
    with pytest.raises(blackstart.OutputError) as e:
        twin.stop(out=blocker / "twin")
    assert str(blocker / "twin") in kind(e, blackstart.OutputError)
    assert twin.stop().report["steps"] >= 1
