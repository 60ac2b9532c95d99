"""Recording a run as it goes: run-log rows, job states and the result index, batched.

Rows are buffered and written every ``batch`` outcomes or ``interval_s`` seconds, so a
long run shows progress in the database (for a service in front of it) while a
1,000-job dummy run costs a handful of transactions rather than a thousand.
"""

from __future__ import annotations

import time
from typing import Any

import networkx as nx

from radps_seq.runlog import RunLog, job_run_row, static_fields

from .progress import Progress
from .result import INCOMPLETE, JobOutcome
from .workdb import WorkDB


class Recorder:
    def __init__(
        self,
        runlog: RunLog,
        workdb: WorkDB,
        graph: nx.DiGraph,
        *,
        reduction_id: str,
        workflow: str | None,
        planner: str,
        total: int,
        progress: Progress | None = None,
        batch: int = 256,
        interval_s: float = 2.0,
    ) -> None:
        self.runlog, self.workdb, self.graph = runlog, workdb, graph
        self.reduction_id, self.workflow, self.planner = reduction_id, workflow, planner
        self.total, self.progress = total, progress
        self.batch, self.interval_s = batch, interval_s
        self.done = 0
        self._rows: list[dict[str, Any]] = []
        self._states: dict[str, tuple[str, str]] = {}
        self._index: list[dict[str, Any]] = []
        self._flushed = time.monotonic()

    def states(self, states: dict[str, tuple[str, str]]) -> None:
        self._states.update(states)

    def started(self, spec: Any) -> None:
        """A job was handed to a worker (its state reaches the database with the next batch)."""
        self._states[spec.id] = (spec.task, "running")
        if self.progress is not None:
            self.progress.started(spec.id)

    def incomplete(self, job_id: str) -> JobOutcome:
        """The record of a job that cannot run: derivation found inputs missing."""
        job = self.graph.nodes[job_id]["job"]
        error = "incomplete: missing " + ", ".join(job.missing or ["inputs"])
        self._rows.append(
            job_run_row(
                static_fields(self.graph, job_id),
                reduction_id=self.reduction_id,
                workflow=self.workflow,
                planner=self.planner,
                attempt=0,
                status=INCOMPLETE,
                error=error,
            )
        )
        self._states[job_id] = (job.task, INCOMPLETE)
        return JobOutcome(job_id, job.task, INCOMPLETE, error=error)

    def __call__(self, outcome: JobOutcome) -> None:
        static = static_fields(self.graph, outcome.id)
        for attempt in outcome.attempts:
            self._rows.append(
                job_run_row(
                    static,
                    reduction_id=self.reduction_id,
                    workflow=self.workflow,
                    planner=self.planner,
                    attempt=attempt.attempt,
                    status=attempt.status,
                    start_ts=attempt.start_ts,
                    end_ts=attempt.end_ts,
                    cpu_s=attempt.cpu_s,
                    worker=attempt.worker,
                    qc=attempt.qc,
                    effect=attempt.effect,
                    cache_reason=attempt.cache_reason,
                    error=attempt.error,
                )
            )
        self._states[outcome.id] = (outcome.task, outcome.status)
        if outcome.index_entry is not None:
            self._index.append(outcome.index_entry)
        self.done += 1
        if self.progress is not None:
            self.progress.finished(outcome)
        if len(self._rows) >= self.batch or time.monotonic() - self._flushed > self.interval_s:
            self.flush()

    def flush(self) -> None:
        self.runlog.add_runs(self._rows)
        self.runlog.set_states(self.reduction_id, self._states)
        self.workdb.save_results(self._index)
        self._rows, self._states, self._index = [], {}, []
        self._flushed = time.monotonic()
