"""The exceptions the engine raises.

Every error of the engine is a :class:`Error`. It is either the caller's
input (:class:`InputError`, also a ``ValueError``: a file, a value or an
argument is wrong, and the message says which and where: file, line and
column where it applies) or a failure of the computation
(:class:`ComputationError`, also a ``RuntimeError``: the input was
accepted and the run, the query, the twin or the writing of outputs
failed). So ``except ValueError`` and ``except RuntimeError`` keep working,
and a caller can also catch one kind::

    Error(Exception)
    +-- InputError(Error, ValueError)
    |   +-- ScenarioError     scenario files, text and dicts
    |   +-- NetworkError      MATPOWER files, networks, power-flow settings
    |   +-- HazardError       hazard models and their inputs
    |   +-- QueryError        SPARQL queries and RDF files
    |   +-- TwinError         testbeds and twin settings
    |   +-- ActionError       actions of the stepping environments
    +-- ComputationError(Error, RuntimeError)
        +-- SimulationError   a run failed
        +-- QueryFailure      a query's evaluation failed
        +-- TwinFailure       the live twin failed while running
        +-- OutputError       output files could not be written

The message is the engine's, the same as the ``blackstart`` command's
(after ``error:``). An internal failure of the bindings themselves (a bug)
is raised as a plain :class:`ComputationError`.

This module imports nothing of the engine; the extension module
(``blackstart._blackstart``) imports it to raise its classes, and the
package exports them (``blackstart.ScenarioError``).
"""

from __future__ import annotations

__all__ = [
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
]


class Error(Exception):
    """The base of every error the engine raises (``blackstart.Error``);
    the message is the engine's, as the ``blackstart`` command prints it."""


class InputError(Error, ValueError):
    """The caller's input is invalid (a file, a value or an argument); the
    message says which and where (file, line and column where it applies).
    The ``blackstart`` command exits with status 2 on these."""


class ComputationError(Error, RuntimeError):
    """The input was accepted but the computation failed (a run, a query,
    the twin, writing outputs). The ``blackstart`` command exits with
    status 3 on these. Raised as such (not a subclass) for an internal
    failure of the bindings, which is a bug."""


class ScenarioError(InputError):
    """A scenario is invalid: its file cannot be read, its TOML is malformed
    or does not match the schema, or a value is wrong (``file:line:column:
    ...``); also an unknown policy given to ``compare``, a dict that cannot
    be written as TOML, or the scenario bound by a testbed being invalid.
    Raised by :meth:`Scenario.from_toml`, :meth:`Scenario.from_dict`,
    :func:`run`, :func:`compare`, the environments of :mod:`blackstart.gym`,
    :func:`query` (with a scenario) and :class:`Twin`."""


class NetworkError(InputError):
    """A network cannot be used: its MATPOWER file cannot be read or is
    malformed (``file:line: ...``), the network is inconsistent (e.g. a
    branch to a missing bus), or a power-flow setting
    (``init``, ``tol``) is invalid. Raised by :meth:`Network.from_matpower`
    and :meth:`Network.power_flow`. (A power flow that does not converge is
    a result, ``converged`` False, not an exception.)"""


class HazardError(InputError):
    """An input of a hazard model is invalid: an unknown model, region,
    intensity measure or fragility class, a value outside a model's domain
    (``element i: ...``), or a best-track or fragility CSV that cannot be
    read or is malformed (``file:line: field ...``). Raised by :func:`gmpe`,
    :func:`max_wind` and :func:`fragility`."""


class QueryError(InputError):
    """A query cannot be run: malformed SPARQL (``line``, ``column``), an
    update (the store is read-only), an RDF file that cannot be read, whose
    format is unknown or that is malformed (``file:line:column``), or a bad
    argument of :func:`query` (``entailment``, ``at``, nothing to query)."""


class TwinError(InputError):
    """A twin cannot start: its testbed file cannot be read or is invalid
    (an unknown asset, a binding of the wrong kind), the scenario it names
    cannot be read, the broker URL or TLS setting is malformed, or ``speed``
    or ``duration`` is not positive. Raised by :class:`Twin` with the
    message of ``blackstart twin``."""


class ActionError(InputError):
    """A step of a stepping environment (:mod:`blackstart.gym`) was
    refused: the action has the wrong shape or a value out of range (the
    message names the field), or the episode is over (reset it). The
    episode goes on after a malformed action."""


class SimulationError(ComputationError):
    """A simulation failed: the kernel failed, a replica panicked, the run
    was interrupted by the engine, or a stepping environment cannot go on
    (no running episode, its replica stopped); the message starts with
    ``simulation failed:`` where the engine says so. Raised by
    :func:`run`, :meth:`Scenario.run`, :func:`compare`, :func:`query` (the
    state at ``at``), the environments and :meth:`Twin.stop`."""


class QueryFailure(ComputationError):
    """A well-formed query failed while it was evaluated (e.g. a ``SERVICE``
    call, which the store does not make: the message names the service),
    or the knowledge graph could not be built or its rules applied
    (``query failed: ...``). Raised by :func:`query`."""


class TwinFailure(ComputationError):
    """The live twin failed while running: no connection to the broker,
    the broker refused the credentials, the embedded broker did not start,
    its thread panicked, it was stopped before its first control step (no
    results), or its recording (``record``) could not be written. Raised by
    :meth:`Twin.stop` (and by :class:`Twin` when the embedded broker cannot
    start)."""


class OutputError(ComputationError):
    """Output files could not be written (``cannot write outputs: ...``,
    the path in the message): ``out=`` of :func:`run`, :meth:`Scenario.run`,
    :func:`compare` and :meth:`Twin.stop`."""
