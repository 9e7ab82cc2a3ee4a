"""Type stubs of the Rust extension module (checked against it in tests:
names, parameters and their defaults).

The module raises the exception classes of ``blackstart.errors`` (defined
there in Python, for their two bases; not attributes of this module), with
the engine's message:

- ``Error(Exception)``: the base of every error the engine raises;
- ``InputError(Error, ValueError)``: the caller's input, with its kinds
  ``ScenarioError`` (scenario files, text, dicts; unknown policies),
  ``NetworkError`` (MATPOWER files, networks, power-flow settings),
  ``HazardError`` (gmpe, max_wind, fragility), ``QueryError`` (SPARQL, RDF
  files, query arguments), ``TwinError`` (testbeds, broker URLs, twin
  settings) and ``ActionError`` (EnvCore.step's action, a finished
  episode);
- ``ComputationError(Error, RuntimeError)``: a failed computation, with
  its kinds ``SimulationError`` (a run, or EnvCore.step without an
  episode), ``QueryFailure`` (a query's evaluation), ``TwinFailure`` (the
  twin while running: broker, credentials, recording) and ``OutputError``
  (output files); raised as such for an internal failure (a bug)."""

from typing import Any, Callable, Dict, List, Optional, Tuple

__version__: str

class Network:
    @staticmethod
    def from_matpower(path: str) -> Network: ...
    @property
    def n_buses(self) -> int: ...
    def time_power_flow(self, repeats: int = 100, dc: bool = False) -> float: ...
    def power_flow(self, dc: bool = False, init: str = "case", tol: float = 1e-8, max_iter: int = 20) -> PowerFlowResult: ...

class PowerFlowResult:
    @property
    def converged(self) -> bool: ...
    @property
    def iterations(self) -> int: ...
    @property
    def max_mismatch_pu(self) -> float: ...
    @property
    def losses_mw(self) -> float: ...
    @property
    def dc(self) -> bool: ...
    def bus_ipc(self) -> bytes: ...
    def gen_ipc(self) -> bytes: ...
    def branch_ipc(self) -> bytes: ...

class RunResults:
    @property
    def summary_json(self) -> str: ...
    def timeseries_ipc(self) -> bytes: ...
    def events_ipc(self) -> bytes: ...
    def decisions_ipc(self) -> bytes: ...

class Scenario:
    @staticmethod
    def from_toml(path: str) -> Scenario: ...
    @staticmethod
    def from_toml_str(text: str, name: str) -> Scenario: ...
    @staticmethod
    def from_json(json: str, name: str) -> Scenario: ...
    @property
    def toml_text(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def policy(self) -> str: ...
    def run(
        self,
        replicas: Optional[int] = None,
        seed: Optional[int] = None,
        threads: int = 0,
        out: Optional[str] = None,
        progress: Optional[Callable[[int, int], Any]] = None,
    ) -> RunResults: ...
    def compare(
        self,
        policies: List[str],
        replicas: Optional[int] = None,
        seed: Optional[int] = None,
        threads: int = 0,
        out: Optional[str] = None,
    ) -> str: ...
    def env_spec(self) -> Dict[str, Any]: ...

class EnvCore:
    def __new__(cls, scenario: Scenario, detail: bool = False) -> EnvCore: ...
    def reset(self, seed: int) -> Dict[str, Any]: ...
    def step(
        self,
        transfer_mw: List[float],
        dispatch_mask: List[bool],
        battery_mw: List[float],
        diesel_mw: List[float],
        shed: List[float],
    ) -> Tuple[List[float], List[float], List[float], float, Optional[Dict[str, Any]]]: ...
    def results(self) -> Optional[RunResults]: ...
    def close(self) -> None: ...

class TwinCore:
    def __new__(
        cls,
        testbed: str,
        speed: float = 60.0,
        broker: Optional[str] = None,
        ca: Optional[str] = None,
        allow_control: bool = False,
        duration_s: Optional[float] = None,
        seed: Optional[int] = None,
        record: Optional[str] = None,
    ) -> TwinCore: ...
    @property
    def broker_url(self) -> str: ...
    @property
    def org(self) -> str: ...
    @property
    def speed(self) -> float: ...
    @property
    def running(self) -> bool: ...
    def state_json(self) -> str: ...
    def wait(self, timeout_s: Optional[float] = None) -> bool: ...
    def stop(self, out: Optional[str] = None) -> Tuple[RunResults, str]: ...

def run(
    path: str,
    replicas: Optional[int] = None,
    seed: Optional[int] = None,
    threads: int = 0,
    out: Optional[str] = None,
    progress: Optional[Callable[[int, int], Any]] = None,
) -> RunResults: ...
def compare(
    path: str,
    policies: List[str],
    replicas: Optional[int] = None,
    seed: Optional[int] = None,
    threads: int = 0,
    out: Optional[str] = None,
) -> str: ...
def gmpe(
    model: str,
    region: str,
    imt: str,
    mag: bytes,
    rake: bytes,
    hypo_depth: bytes,
    rrup: bytes,
    rjb: bytes,
    vs30: bytes,
) -> Tuple[bytes, bytes, bytes, bytes]: ...
def max_wind(
    track: str,
    lat: bytes,
    lon: bytes,
    model: str = "h08",
    step_h: float = 1.0,
    threshold: float = 0.0,
    gust_factor: float = 1.0,
) -> bytes: ...
def fragility(class_id: str, intensity: bytes, curves: Optional[str] = None) -> Tuple[List[str], bytes, Dict[str, Any]]: ...
def fragility_classes() -> List[str]: ...
def query(
    sparql: str,
    data: List[str] = [],
    scenario: Optional[Scenario] = None,
    at: Optional[float] = None,
    entailment: str = "rdfs",
    geo_rewrite: bool = False,
) -> str: ...

