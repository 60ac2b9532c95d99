"""The sequencer protocol, scikit-learn style.

A sequencer keeps its hyper-parameters in ``__init__`` (so it can be built from a
name and keyword arguments, logged and tuned), learns from the run log in
``fit(run_log)`` (learned state in attributes ending in ``_``), and proposes a
:class:`~radps_seq.plan.plan.Plan` for a job graph in ``propose``. Proposals are always
checked by the guard before anything runs, so a sequencer is free to be clever.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self, runtime_checkable

from radps_seq.errors import RadpsError

if TYPE_CHECKING:
    from collections.abc import Mapping

    import networkx as nx
    import pandas as pd

    from radps_seq.plan.plan import Plan

OBJECTIVES = ("makespan", "interactive")


class NotFittedError(RadpsError):
    """``propose`` was called on a sequencer that needs ``fit`` first."""


@dataclass(frozen=True)
class PlanContext:
    """What a sequencer may know about the request besides the job graph.

    ``objective`` is ``"makespan"`` (finish everything soonest) or ``"interactive"``
    (first target product soonest). ``truth`` holds the true outcomes of a replayed
    trace (``{job: {"runtime_s", "changed"}}``); only clairvoyant sequencers
    (``uses_truth = True``, the oracle) may read it — it exists to compute bounds.
    """

    workers: int = 1
    objective: str = "makespan"
    seed: int = 0
    truth: Mapping[str, Mapping[str, Any]] | None = None

    def __post_init__(self) -> None:
        if self.objective not in OBJECTIVES:
            raise RadpsError(
                f"unknown objective {self.objective!r}; choose one of {', '.join(OBJECTIVES)}"
            )
        if int(self.workers) < 1:
            raise RadpsError(f"workers must be at least 1, got {self.workers}")


@dataclass(frozen=True)
class Observed:
    """What a running reduction knows at time ``now_s`` when it asks for a re-plan.

    Only jobs that finished before ``now_s`` appear in ``finished`` (``{job:
    {"status", "runtime_s", "output_bytes"}}``); ``running`` are started and not yet
    done. Replay builds the same record from simulated time, so a re-planning
    sequencer never sees the future.
    """

    now_s: float
    finished: Mapping[str, Mapping[str, Any]]
    running: frozenset[str] = frozenset()


@runtime_checkable
class Sequencer(Protocol):
    """What every planner provides; ``name`` is the registry name it plans under."""

    name: ClassVar[str]
    uses_truth: ClassVar[bool]

    def fit(self, run_log: pd.DataFrame | None) -> Self: ...

    def propose(self, job_graph: nx.DiGraph, context: PlanContext) -> Plan: ...

    def get_params(self) -> dict[str, Any]: ...


class BaseSequencer:
    """Shared plumbing: a no-op ``fit``, ``get_params`` and a readable ``repr``.

    Subclasses store each ``__init__`` argument under its own name, unchanged, as
    scikit-learn estimators do; that is what lets ``get_params`` rebuild them and lets
    experiment tracking log them. Tags, as scikit-learn's estimator tags:
    ``learns_from_runlog`` (``fit`` needs the run log), ``replans`` (``replan`` is
    called as jobs finish, each new plan checked by the guard), ``uses_truth``
    (clairvoyant, offline replay only).
    """

    name: ClassVar[str] = ""
    uses_truth: ClassVar[bool] = False
    learns_from_runlog: ClassVar[bool] = False
    replans: ClassVar[bool] = False

    def fit(self, run_log: pd.DataFrame | None = None) -> Self:
        """Nothing to learn for order-only baselines; kept so every sequencer fits."""
        return self

    def get_params(self) -> dict[str, Any]:
        names = [
            p.name
            for p in inspect.signature(type(self).__init__).parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        return {n: getattr(self, n) for n in names}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"
