"""Reinforcement-learning environments over the engine: a Gymnasium
environment (:class:`DisasterResponseEnv`, one controller for the whole
community) and a PettingZoo parallel environment
(:class:`MicrogridParallelEnv`, one agent per microgrid).

Both step one replica of a scenario one control interval at a time
(``engine::env`` in Rust): the engine's disaster, energy and
grid analyzers report, the caller's action becomes the decision maker's
plan, and the engine's executor, settlement and AC power flow carry it out,
as for the built-in policies. Requires ``gymnasium`` (and ``pettingzoo``
for the parallel environment).

**Episode.** ``reset(seed=s)`` starts replica 0 of the scenario with
engine seed ``s`` (the same damage, repairs and weather as ``blackstart run
--seed s``); without a seed, the engine seed is drawn from the
environment's ``np_random``. An episode lasts the scenario's horizon (one
step per control interval); its end is a time limit, so the last step
returns ``truncated=True`` (``terminated`` is always False) and repeats the
last observation. The same seed and the same actions give the same episode,
number for number. An action that asks for nothing (zero ``transfer_mw``,
zero ``dispatch``) leaves every microgrid to its local controller: the
episode then equals the batch run of policy ``none``.

**Observation** (``n`` microgrids, ``e`` path elements: each microgrid's
feeder to the substation bus, then the tie lines; see
``Scenario.env_spec()``), a ``Dict`` of float64 arrays:

============================ ======== =====================================
key                          shape    meaning
============================ ======== =====================================
``time_h``                   (1,)     hours since the event
``severity``                 (1,)     disaster analyzer: severity 1-5
``upstream_up``              (1,)     1 when the bulk grid is available
``risk``                     (n,)     risk level: 0 low, 1 elevated, 2 high
``damaged_sites``            (n,)     damaged sites
``expected_restore_h``       (n,)     planned hours until grid supply
``demand_mw``                (n, 3)   demand now: critical, essential,
                                      normal (MW)
``renewable_mw``             (n,)     PV and wind available now (MW)
``stored_mwh``               (n,)     usable battery energy (MWh)
``fuel_mwh``                 (n,)     usable diesel fuel (MWh)
``dispatchable_mw``          (n,)     most power storage and diesels can
                                      give now (MW)
``horizon_balance_mwh``      (n,)     supply over the planning horizon less
                                      all demand (MWh)
``critical_balance_mwh``     (n,)     the same, critical demand only
``upstream_connected``       (n,)     1 when fed by the bulk grid
``can_form_grid``            (n,)     1 with a grid-forming unit in service
``group``                    (n,)     grid analyzer: sharing group of an
                                      islanded microgrid, -1 if none
``edge_intact``              (e,)     1 when the path element is intact
``edge_usable``              (e,)     1 when it can carry shared energy now
============================ ======== =====================================

**Action** (the executor's commands come from it), a ``Dict``:

- ``transfer_mw`` (n, n), in [0, largest path capacity]: power to send
  from microgrid ``i`` to ``j`` (diagonal ignored); each request is routed
  over usable paths (fewest elements) within the capacity left by the
  requests before it, in row-major order; switches follow the paths;
  what cannot be routed is dropped;
- ``dispatch`` (n,), MultiBinary: 1 to set the microgrid's own units and
  sheds from the three arrays below, 0 to leave them to its local
  controller (priority shedding within battery and fuel limits);
- ``battery_mw`` (n,), in [-P, P] (P: the microgrid's battery power):
  net battery power, + discharge; ``diesel_mw`` (n,), in [0, rating];
  ``shed`` (n, 3), in [0, 1]: fraction of critical, essential and normal
  demand to shed. The executor clamps them to every unit's limits.

**Reward**: priority-weighted served energy of the step,
``sum(w[c] * served_mw[m, c] * dt_h)`` with ``w = (100, 10, 1)`` for
critical, essential and normal load (the optimal planner's weights). The
``info`` dict carries ``served_mw`` and ``demand_mw`` (n, 3), ``step``
and, at the end, ``summary`` (the episode's ``summary.json``).
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np

import gymnasium
from gymnasium import spaces

from . import RunResults, Scenario, _blackstart

__all__ = ["DisasterResponseEnv", "MicrogridParallelEnv"]

ScenarioLike = Union[Scenario, str, "os.PathLike[str]", Dict[str, Any]]

_INF = np.inf
_PER_MG = [
    "risk",
    "damaged_sites",
    "expected_restore_h",
    "renewable_mw",
    "stored_mwh",
    "fuel_mwh",
    "dispatchable_mw",
    "horizon_balance_mwh",
    "critical_balance_mwh",
    "upstream_connected",
    "can_form_grid",
    "group",
]


def _scenario(s: ScenarioLike) -> Scenario:
    if isinstance(s, Scenario):
        return s
    if isinstance(s, dict):
        return Scenario.from_dict(s)
    return Scenario.from_toml(s)


def _box(low: Any, high: Any, shape: Tuple[int, ...]) -> spaces.Box:
    return spaces.Box(low=low, high=high, shape=shape, dtype=np.float64)


class _Core:
    """The engine's stepping core and the scenario's shape."""

    def __init__(self, scenario: ScenarioLike, detail: bool) -> None:
        self.scenario = _scenario(scenario)
        self.spec: Dict[str, Any] = self.scenario.env_spec()
        self.n = len(self.spec["microgrids"])
        self.e = len(self.spec["edges"])
        self.weights = np.asarray(self.spec["reward_weights"], dtype=np.float64)
        self.raw = _blackstart.EnvCore(self.scenario._raw, detail)
        self.max_transfer = float(max(self.spec["edge_capacity_mw"], default=0.0))

    def obs(self, d: Dict[str, Any]) -> Dict[str, np.ndarray]:
        n = self.n
        o = {
            "time_h": np.array([d["time_h"]], dtype=np.float64),
            "severity": np.array([float(d["severity"])], dtype=np.float64),
            "upstream_up": np.array([1.0 if d["upstream_up"] else 0.0], dtype=np.float64),
            "demand_mw": np.asarray(d["demand_mw"], dtype=np.float64).reshape(n, 3),
            "edge_intact": np.asarray(d["edge_intact"], dtype=np.float64).reshape(self.e),
            "edge_usable": np.asarray(d["edge_usable"], dtype=np.float64).reshape(self.e),
        }
        for k in _PER_MG:
            o[k] = np.asarray(d[k], dtype=np.float64).reshape(n)
        return o

    def observation_space(self) -> spaces.Dict:
        n, e = self.n, self.e
        s = {
            "time_h": _box(0.0, _INF, (1,)),
            "severity": _box(1.0, 5.0, (1,)),
            "upstream_up": _box(0.0, 1.0, (1,)),
            "risk": _box(0.0, 2.0, (n,)),
            "damaged_sites": _box(0.0, _INF, (n,)),
            "expected_restore_h": _box(0.0, _INF, (n,)),
            "demand_mw": _box(-_INF, _INF, (n, 3)),
            "renewable_mw": _box(-_INF, _INF, (n,)),
            "stored_mwh": _box(-_INF, _INF, (n,)),
            "fuel_mwh": _box(-_INF, _INF, (n,)),
            "dispatchable_mw": _box(-_INF, _INF, (n,)),
            "horizon_balance_mwh": _box(-_INF, _INF, (n,)),
            "critical_balance_mwh": _box(-_INF, _INF, (n,)),
            "upstream_connected": _box(0.0, 1.0, (n,)),
            "can_form_grid": _box(0.0, 1.0, (n,)),
            "group": _box(-1.0, float(max(n - 1, 0)), (n,)),
            "edge_intact": _box(0.0, 1.0, (e,)),
            "edge_usable": _box(0.0, 1.0, (e,)),
        }
        return spaces.Dict(s)

    def step(
        self,
        transfer: np.ndarray,
        mask: np.ndarray,
        battery: np.ndarray,
        diesel: np.ndarray,
        shed: np.ndarray,
    ) -> Tuple[np.ndarray, np.ndarray, np.ndarray, float, Optional[Dict[str, Any]]]:
        """One control interval: served and demanded power per microgrid and
        class, the engine's reward per microgrid (priority-weighted served
        energy), the interval (h) and the next observation (None at the end)."""
        served, demand, rewards, dt_h, obs = self.raw.step(
            np.asarray(transfer, dtype=np.float64).ravel().tolist(),
            [bool(x) for x in np.asarray(mask).ravel()],
            np.asarray(battery, dtype=np.float64).ravel().tolist(),
            np.asarray(diesel, dtype=np.float64).ravel().tolist(),
            np.asarray(shed, dtype=np.float64).ravel().tolist(),
        )
        n = self.n
        return (
            np.asarray(served, dtype=np.float64).reshape(n, 3),
            np.asarray(demand, dtype=np.float64).reshape(n, 3),
            np.asarray(rewards, dtype=np.float64).reshape(n),
            float(dt_h),
            obs,
        )


class DisasterResponseEnv(gymnasium.Env):
    """One controller for a scenario's whole community (see the module
    docs for the spaces, the reward and the episode).

    ``scenario``: a :class:`~blackstart.Scenario`, a scenario file or a
    scenario dict. ``detail``: also record per-microgrid and per-asset
    series for :meth:`results`.
    """

    metadata = {"render_modes": []}

    def __init__(self, scenario: ScenarioLike, detail: bool = False) -> None:
        super().__init__()
        self._core = _Core(scenario, detail)
        n = self._core.n
        spec = self._core.spec
        self.microgrids: List[str] = list(spec["microgrids"])
        self.observation_space = self._core.observation_space()
        bp = np.asarray(spec["battery_power_mw"], dtype=np.float64)
        dp = np.asarray(spec["diesel_power_mw"], dtype=np.float64)
        self.action_space = spaces.Dict(
            {
                "transfer_mw": _box(0.0, self._core.max_transfer, (n, n)),
                "dispatch": spaces.MultiBinary(n),
                "battery_mw": spaces.Box(low=-bp, high=bp, dtype=np.float64),
                "diesel_mw": spaces.Box(low=np.zeros(n), high=dp, dtype=np.float64),
                "shed": _box(0.0, 1.0, (n, 3)),
            }
        )
        self._last: Optional[Dict[str, np.ndarray]] = None

    def reset(
        self, *, seed: Optional[int] = None, options: Optional[Dict[str, Any]] = None
    ) -> Tuple[Dict[str, np.ndarray], Dict[str, Any]]:
        """Starts an episode: engine seed ``seed`` when given, else one drawn
        from ``np_random``."""
        super().reset(seed=seed)
        engine_seed = int(seed) if seed is not None else int(self.np_random.integers(0, 2**63 - 1))
        obs = self._core.obs(self._core.raw.reset(engine_seed))
        self._last = obs
        return obs, {"engine_seed": engine_seed, "step": 0}

    def step(
        self, action: Dict[str, Any]
    ) -> Tuple[Dict[str, np.ndarray], float, bool, bool, Dict[str, Any]]:
        """Carries out one control interval."""
        n = self._core.n
        served, demand, rewards, dt_h, nxt = self._core.step(
            action.get("transfer_mw", np.zeros((n, n))),
            action.get("dispatch", np.zeros(n)),
            action.get("battery_mw", np.zeros(n)),
            action.get("diesel_mw", np.zeros(n)),
            action.get("shed", np.zeros((n, 3))),
        )
        reward = float(rewards.sum())
        info: Dict[str, Any] = {"served_mw": served, "demand_mw": demand}
        if nxt is None:
            assert self._last is not None
            res = self._core.raw.results()
            if res is not None:
                info["summary"] = RunResults(res).summary
            return self._last, reward, False, True, info
        obs = self._core.obs(nxt)
        info["step"] = int(nxt["step"])
        self._last = obs
        return obs, reward, False, False, info

    def results(self) -> Optional[RunResults]:
        """The last finished episode's results (as ``Scenario.run`` with one
        replica and the episode's seed), or None."""
        raw = self._core.raw.results()
        return None if raw is None else RunResults(raw)

    def close(self) -> None:
        """Stops the running episode."""
        self._core.raw.close()


try:
    from pettingzoo import ParallelEnv as _ParallelEnv
except ImportError:  # pragma: no cover - optional dependency
    _ParallelEnv = object  # type: ignore[assignment,misc]


class MicrogridParallelEnv(_ParallelEnv):  # type: ignore[misc,valid-type]
    """A PettingZoo parallel environment: one agent per microgrid (named
    as in the scenario).

    Each agent observes the global ``time_h``, ``severity`` and
    ``upstream_up``, its own row of every per-microgrid array of
    :class:`DisasterResponseEnv`'s observation (``demand_mw`` shape (3,),
    the others (1,)) and ``edge_usable`` (e,). Its action is its own part
    of the joint action: ``transfer_mw`` (n,): power to send to each
    microgrid; ``dispatch`` (Discrete(2)); ``battery_mw`` (1,);
    ``diesel_mw`` (1,); ``shed`` (3,). Its reward is the priority-weighted
    served energy of its own microgrid. All agents end together, truncated,
    at the horizon.
    """

    metadata = {"name": "blackstart_microgrids_v0", "render_modes": []}

    def __init__(self, scenario: ScenarioLike, detail: bool = False) -> None:
        self._core = _Core(scenario, detail)
        spec = self._core.spec
        n, e = self._core.n, self._core.e
        self.possible_agents: List[str] = list(spec["microgrids"])
        self.agents: List[str] = []
        self.render_mode = None
        bp = spec["battery_power_mw"]
        dp = spec["diesel_power_mw"]
        self._obs_spaces: Dict[str, spaces.Dict] = {}
        self._act_spaces: Dict[str, spaces.Dict] = {}
        for m, a in enumerate(self.possible_agents):
            o = {
                "time_h": _box(0.0, _INF, (1,)),
                "severity": _box(1.0, 5.0, (1,)),
                "upstream_up": _box(0.0, 1.0, (1,)),
                "demand_mw": _box(-_INF, _INF, (3,)),
                "edge_usable": _box(0.0, 1.0, (e,)),
            }
            full = self._core.observation_space()
            for k in _PER_MG:
                sp = full[k]
                o[k] = _box(float(sp.low[0]), float(sp.high[0]), (1,))
            self._obs_spaces[a] = spaces.Dict(o)
            self._act_spaces[a] = spaces.Dict(
                {
                    "transfer_mw": _box(0.0, self._core.max_transfer, (n,)),
                    "dispatch": spaces.Discrete(2),
                    "battery_mw": _box(-bp[m], bp[m], (1,)),
                    "diesel_mw": _box(0.0, dp[m], (1,)),
                    "shed": _box(0.0, 1.0, (3,)),
                }
            )
        self._np_random = np.random.default_rng()
        self._last: Dict[str, Dict[str, np.ndarray]] = {}

    def observation_space(self, agent: str) -> spaces.Dict:
        """The agent's observation space."""
        return self._obs_spaces[agent]

    def action_space(self, agent: str) -> spaces.Dict:
        """The agent's action space."""
        return self._act_spaces[agent]

    def _split(self, d: Dict[str, Any]) -> Dict[str, Dict[str, np.ndarray]]:
        g = self._core.obs(d)
        out = {}
        for m, a in enumerate(self.possible_agents):
            o = {
                "time_h": g["time_h"],
                "severity": g["severity"],
                "upstream_up": g["upstream_up"],
                "demand_mw": g["demand_mw"][m].copy(),
                "edge_usable": g["edge_usable"],
            }
            for k in _PER_MG:
                o[k] = g[k][m : m + 1].copy()
            out[a] = o
        return out

    def reset(
        self, seed: Optional[int] = None, options: Optional[Dict[str, Any]] = None
    ) -> Tuple[Dict[str, Dict[str, np.ndarray]], Dict[str, Dict[str, Any]]]:
        """Starts an episode (engine seed ``seed``, or one drawn from the
        environment's generator)."""
        if seed is not None:
            self._np_random = np.random.default_rng(seed)
            engine_seed = int(seed)
        else:
            engine_seed = int(self._np_random.integers(0, 2**63 - 1))
        for a, sp in self._act_spaces.items():
            sp.seed(None if seed is None else seed + self.possible_agents.index(a))
        self.agents = list(self.possible_agents)
        obs = self._split(self._core.raw.reset(engine_seed))
        self._last = obs
        return obs, {a: {"engine_seed": engine_seed} for a in self.agents}

    def step(self, actions: Dict[str, Dict[str, Any]]) -> Tuple[
        Dict[str, Dict[str, np.ndarray]],
        Dict[str, float],
        Dict[str, bool],
        Dict[str, bool],
        Dict[str, Dict[str, Any]],
    ]:
        """Carries out one control interval with every live agent's action
        (a missing agent's action asks for nothing)."""
        n = self._core.n
        transfer = np.zeros((n, n))
        mask = np.zeros(n, dtype=bool)
        battery = np.zeros(n)
        diesel = np.zeros(n)
        shed = np.zeros((n, 3))
        for m, a in enumerate(self.possible_agents):
            act = actions.get(a)
            if act is None:
                continue
            transfer[m] = np.asarray(act.get("transfer_mw", np.zeros(n)), dtype=np.float64).reshape(n)
            mask[m] = bool(act.get("dispatch", 0))
            battery[m] = float(np.asarray(act.get("battery_mw", 0.0)).reshape(-1)[0])
            diesel[m] = float(np.asarray(act.get("diesel_mw", 0.0)).reshape(-1)[0])
            shed[m] = np.asarray(act.get("shed", np.zeros(3)), dtype=np.float64).reshape(3)
        served, demand, per_mg, dt_h, nxt = self._core.step(transfer, mask, battery, diesel, shed)
        rewards = {a: float(per_mg[m]) for m, a in enumerate(self.possible_agents)}
        done = nxt is None
        obs = self._last if done else self._split(nxt)
        self._last = obs
        infos = {
            a: {"served_mw": served[m].copy(), "demand_mw": demand[m].copy()}
            for m, a in enumerate(self.possible_agents)
        }
        terms = {a: False for a in self.possible_agents}
        truncs = {a: done for a in self.possible_agents}
        if done:
            self.agents = []
        return obs, rewards, terms, truncs, infos

    def results(self) -> Optional[RunResults]:
        """The last finished episode's results, or None."""
        raw = self._core.raw.results()
        return None if raw is None else RunResults(raw)

    def render(self) -> None:
        """No rendering (plot ``results()`` instead)."""
        return None

    def close(self) -> None:
        """Stops the running episode."""
        self._core.raw.close()
