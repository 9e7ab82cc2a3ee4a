"""The live twin from Python: `blackstart.Twin` on the example testbed with
the embedded broker, fed by telemetry published over MQTT (a minimal MQTT
3.1.1 publisher here, and the CLI's device emulator), its live state, a
clean stop, and the CLI's messages for bad input."""

import json
import pathlib
import socket
import subprocess
import time

import polars as pl
import pytest

import blackstart

ROOT = pathlib.Path(__file__).resolve().parents[2]
TESTBED = ROOT / "examples" / "twin" / "testbed.toml"
KUMAMOTO = ROOT / "examples" / "scenarios" / "kumamoto-2016.toml"
BIN = ROOT / "target" / "release" / "blackstart"


# ---------------------------------------------------------------------------
# A minimal MQTT 3.1.1 publisher (QoS 0), enough to play a device.


def _remaining_length(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n % 128, n // 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _string(s: str) -> bytes:
    b = s.encode()
    return len(b).to_bytes(2, "big") + b


class Device:
    """One MQTT connection publishing telemetry at QoS 0."""

    def __init__(self, url: str, client_id: str) -> None:
        host, port = url.removeprefix("mqtt://").rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=5)
        body = _string("MQTT") + bytes([4, 0x02]) + (60).to_bytes(2, "big") + _string(client_id)
        self.sock.sendall(bytes([0x10]) + _remaining_length(len(body)) + body)
        connack = self.sock.recv(4)
        assert connack == bytes([0x20, 0x02, 0x00, 0x00]), connack

    def publish(self, topic: str, payload: dict) -> None:
        body = _string(topic) + json.dumps(payload).encode()
        self.sock.sendall(bytes([0x30]) + _remaining_length(len(body)) + body)

    def close(self) -> None:
        self.sock.sendall(bytes([0xE0, 0x00]))
        self.sock.close()


def _telemetry(value: float, unit: str, seq: int) -> dict:
    return {"ts": int(time.time() * 1000), "value": value, "unit": unit, "quality": "good", "seq": seq}


def _wait_for(pred, twin, timeout=20.0):
    """Polls `twin.state()` until `pred(state)` holds; returns that state."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        st = twin.state()
        if pred(st):
            return st
        time.sleep(0.05)
    pytest.fail(f"twin state never satisfied the condition: {twin.state()}")


def _asset(st, name):
    return next(a for a in st["assets"] if a["asset"] == name)


# ---------------------------------------------------------------------------


def test_twin_state_reflects_device_telemetry_and_stops_cleanly(tmp_path):
    with blackstart.Twin(TESTBED, speed=600) as twin:
        assert twin.running and twin.org == "kumamoto" and twin.speed == 600.0
        assert twin.broker_url.startswith("mqtt://127.0.0.1:")
        # Before any telemetry: every bound asset waits, the model's estimate stands.
        st = _wait_for(lambda s: len(s["assets"]) == 10, twin)
        assert st["running"]
        assert {a["status"] for a in st["assets"]} == {"waiting"}
        assert {a["source"] for a in st["assets"]} == {"model"}
        assert 0.0 < _asset(st, "mashiki-battery")["model"]["soc"] <= 1.0
        # A battery management system and a meter report (device units: %,
        # kW), and a BMS in the wrong unit (counted as rejected, never used).
        # QoS 0: publish until the twin has seen them (its subscription may
        # still be settling).
        dev = Device(twin.broker_url, "pytest-devices")
        seq = 0
        while True:
            seq += 1
            dev.publish("kumamoto/mashiki-battery/mashiki-bms/soc", _telemetry(42.0, "%", seq))
            dev.publish("kumamoto/mashiki-town-hall/town-hall-meter/power", _telemetry(37.5, "kW", seq))
            dev.publish("kumamoto/hospital-battery/hospital-bms/soc", _telemetry(0.9, "fraction", seq))
            time.sleep(0.3)
            st = twin.state()
            c = st["counters"]
            if _asset(st, "mashiki-battery")["status"] == "live" and _asset(st, "mashiki-town-hall")["status"] == "live" and c["telemetry_rejected"] >= 1:
                break
            assert seq < 50, st
        assert 2 <= c["telemetry_received"] <= 2 * seq and 1 <= c["telemetry_rejected"] <= seq
        bat = _asset(st, "mashiki-battery")
        assert bat["status"] == "live" and bat["source"] == "device" and bat["device"] == "mashiki-bms"
        assert bat["values"]["soc"] == pytest.approx(0.42)  # 42 % scaled to a fraction
        assert bat["last_seen_ms"] is not None and bat["last_device_ts"] is not None
        hall = _asset(st, "mashiki-town-hall")
        assert hall["source"] == "device" and hall["values"]["p_mw"] == pytest.approx(0.0375)
        hosp = _asset(st, "hospital-battery")
        assert hosp["status"] == "waiting" and hosp["source"] == "model" and hosp["values"] == {}
        received = c["telemetry_received"]
        # The model takes the device's SoC at its next control step.
        st = _wait_for(lambda s: s["now_ms"] >= 15 * 60 * 1000, twin)
        assert st["running"] and st["now_ms"] > 0
        # The same assets as a DataFrame, one row per asset and quantity.
        df = twin.state_frame()
        assert df.columns == [
            "asset", "kind", "device", "status", "source", "quantity", "device_value", "model_value", "last_seen_ms",
        ]
        row = df.filter((pl.col("asset") == "mashiki-battery") & (pl.col("quantity") == "soc"))
        assert row["device_value"].to_list() == [pytest.approx(0.42)]
        assert row["source"].to_list() == ["device"] and row["kind"].to_list() == ["battery"]
        assert df.filter(pl.col("asset") == "hospital-diesel")["source"].to_list() == ["model"]
        dev.close()
    # Leaving the block stopped the twin: clean shutdown, final outputs kept.
    assert not twin.running
    res = twin.result
    assert isinstance(res, blackstart.TwinResult)
    rep = res.report
    assert rep["counters"]["telemetry_received"] >= received
    assert rep["counters"]["telemetry_rejected"] >= 1
    assert rep["steps"] >= 1 and rep["end_ms"] >= 15 * 60 * 1000
    final_bat = next(a for a in rep["assets"] if a["asset"] == "mashiki-battery")
    assert final_bat["values"]["soc"] == pytest.approx(0.42)
    assert res.results.timeseries.height > 0
    assert res.results.timeseries["time_ms"].max() <= rep["end_ms"] + 15 * 60 * 1000
    # stop() again returns the same outcome and writes the CLI's files.
    again = twin.stop(out=tmp_path / "out")
    assert again.report == rep
    assert json.loads((tmp_path / "out" / "twin.json").read_text()) == rep
    assert pl.read_parquet(tmp_path / "out" / "timeseries.parquet").equals(res.results.timeseries)


def test_twin_with_the_cli_device_emulator(tmp_path):
    assert BIN.exists(), f"{BIN} is missing: build it with cargo build --release --bin blackstart"
    twin = blackstart.Twin(TESTBED, speed=900, duration=30)
    emu = subprocess.run(
        [str(BIN), "device-emulator", "--scenario", str(TESTBED), "--broker", twin.broker_url,
         "--rate", "4", "--duration", "3s", "--report", str(tmp_path / "emu.json")],
        capture_output=True, text=True, timeout=60,
    )
    assert emu.returncode == 0, emu.stderr
    published = json.loads((tmp_path / "emu.json").read_text())["published"]
    assert published > 0
    # Every bound device reported: all ten assets are live, fed by their device.
    st = _wait_for(lambda s: {a["status"] for a in s["assets"]} == {"live"}, twin)
    assert {a["source"] for a in st["assets"]} == {"device"}
    assert all(a["values"] for a in st["assets"])
    assert twin.running
    res = twin.stop()
    assert not twin.running
    assert 10 <= res.report["counters"]["telemetry_received"] <= published
    assert res.report["counters"]["telemetry_rejected"] == 0


def test_twin_ends_by_itself_after_its_duration():
    twin = blackstart.Twin(TESTBED, speed=3600, duration=1.0)
    assert twin.wait(timeout=30)
    assert not twin.running and not twin.state()["running"]
    rep = twin.stop().report
    # One wall second at 3600x: one simulated hour, four 15-min control steps.
    assert rep["end_ms"] <= 3600 * 1000 and rep["steps"] >= 3


def _cli_error(*args):
    p = subprocess.run([str(BIN), *map(str, args)], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 2, p.stderr
    return [l for l in p.stderr.splitlines() if l.startswith("error: ")][-1][len("error: "):]


def test_bad_testbed_raises_the_clis_message(tmp_path):
    text = TESTBED.read_text().replace('"../scenarios/kumamoto-2016.toml"', json.dumps(str(KUMAMOTO)))
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('asset = "mashiki-battery"', 'asset = "no-such-battery"', 1))
    msg = _cli_error("twin", bad, "--quiet")
    assert "no-such-battery" in msg
    with pytest.raises(ValueError) as e:
        blackstart.Twin(bad)
    assert str(e.value) == msg
    # A bad speed: the CLI's message too.
    good = tmp_path / "good.toml"
    good.write_text(text)
    msg = _cli_error("twin", good, "--speed", "0", "--quiet")
    with pytest.raises(ValueError) as e:
        blackstart.Twin(good, speed=0)
    assert str(e.value) == msg
    # A malformed broker URL.
    msg = _cli_error("twin", good, "--broker", "http://example.invalid", "--quiet")
    assert "unknown scheme" in msg
    with pytest.raises(ValueError) as e:
        blackstart.Twin(good, broker="http://example.invalid")
    assert str(e.value) == msg
