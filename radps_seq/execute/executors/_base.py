"""The executor protocol, and the live priorities both executors share.

An executor runs prepared job specs (in a checked plan's order) and hands every outcome
to ``on_done`` as soon as it is known; it never decides what a job does — that is
:func:`~radps_seq.execute.runner.process_job` on a worker — only when each job starts.
Among ready jobs the current plan's order decides. With a ``replan`` callable the plan
may change while the reduction runs: after each finished job the executor calls it with
what it has observed, and a plan it returns (already checked by the guard — the caller
sees to that) gives the jobs not yet started their new priorities.
"""

from __future__ import annotations

import os
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import ClassVar

from radps_seq.plan.base import Observed
from radps_seq.plan.plan import Plan

from ..result import JobOutcome
from ..runner import RunContext
from ..spec import JobSpec

#: Called after a job finished with what the run knows; a new (checked) plan or None.
Replan = Callable[[Observed], Plan | None]
OnDone = Callable[[JobOutcome], None]
OnStart = Callable[[JobSpec], None]


class BaseExecutor(ABC):
    """Runs job specs on ``workers`` workers; ``name`` is what ``--executor`` says.
    ``scheduler`` is the address of a cluster for executors that use one."""

    name: ClassVar[str] = ""

    def __init__(self, workers: int = 1, scheduler: str | None = None) -> None:
        self.workers = int(workers)
        self.scheduler = scheduler

    @abstractmethod
    def run(
        self,
        specs: Mapping[str, JobSpec],
        ctx: RunContext,
        on_done: OnDone,
        on_start: OnStart | None = None,
        replan: Replan | None = None,
    ) -> dict[str, JobOutcome]:
        """Run every spec (``specs`` in plan order, parents before children); returns
        every job's outcome, each also handed to ``on_done`` as soon as it is known."""


class Priorities:
    """The current plan's position of every job (lower runs first), and what the run has
    observed so far — the :class:`~radps_seq.plan.base.Observed` a re-plan is given."""

    def __init__(self, specs: Mapping[str, JobSpec], replan: Replan | None = None) -> None:
        self.position = {job: i for i, job in enumerate(specs)}
        self.replan = replan
        self.replans = 0
        self._start = time.monotonic()
        self._finished: dict[str, dict[str, float | str | None]] = {}
        self._running: set[str] = set()

    def __getitem__(self, job: str) -> int:
        return self.position[job]

    def started(self, job: str) -> None:
        self._running.add(job)

    def finished(self, outcome: JobOutcome) -> bool:
        """Record ``outcome``; True when a re-plan changed the priorities."""
        self._running.discard(outcome.id)
        if self.replan is None:
            return False
        self._finished[outcome.id] = {
            "status": outcome.status,
            "runtime_s": outcome.wall_s,
            "output_bytes": _size(outcome.products),
        }
        observed = Observed(
            time.monotonic() - self._start, dict(self._finished), frozenset(self._running)
        )
        plan = self.replan(observed)
        if plan is None:
            return False
        self.position = {job: i for i, job in enumerate(plan.order) if job in self.position}
        self.replans += 1
        return True


def _size(paths: list[str]) -> float | None:
    """Bytes written by a job (None when it wrote nothing readable)."""
    total = 0
    for path in paths:
        try:
            total += os.stat(path).st_size
        except OSError:
            continue
    return float(total) if paths else None
