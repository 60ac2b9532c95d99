"""What execution hands back: per-job outcomes, the reduction result, dry-run decisions.

Outcomes are plain, picklable data because they travel between a Dask worker and the
client, and because a consumer job resolves its inputs from its parents' outcomes
(``outputs`` for jobs that ran or were reused, ``passthrough`` for skipped ones).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

#: Job statuses (the run log's five).
SUCCEEDED, FAILED, SKIPPED, CACHED, INCOMPLETE = (
    "succeeded",
    "failed",
    "skipped",
    "cached",
    "incomplete",
)
#: Where a failed attempt's message names its kept log.
_LOG = re.compile(r"\(log: ([^)]+)\)")
#: Statuses whose products exist and may be consumed.
PRODUCED = (SUCCEEDED, CACHED)


@dataclass(frozen=True)
class FileRef:
    """A file as a recipe input: its path, its category and the sha256 of its content."""

    path: str
    category: str
    sha256: str


@dataclass
class Attempt:
    """One measured execution attempt of a job (one run-log row)."""

    attempt: int
    status: str
    start_ts: float
    end_ts: float
    cpu_s: float | None = None
    worker: str | None = None
    qc: dict[str, Any] = field(default_factory=dict)
    effect: float | None = None
    cache_reason: str | None = None
    error: str | None = None


@dataclass
class JobOutcome:
    """How one job ended.

    ``products`` are all product paths of the job folder; ``outputs`` the ones its
    consumers receive (after the task's output filter); ``passthrough`` the main input a
    skipped job hands on. ``blocked_by`` names the failed job that kept this one from
    running (the root cause, not the nearest blocked parent).
    """

    id: str
    task: str
    status: str
    wall_s: float = 0.0
    products: list[str] = field(default_factory=list)
    outputs: list[FileRef] = field(default_factory=list)
    passthrough: list[FileRef] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    reason: str | None = None
    error: str | None = None
    blocked_by: str | None = None
    index_entry: dict[str, Any] | None = None

    def to_dict(self, label: str | None = None) -> dict[str, Any]:
        """The job record of the JSON summary: what ended how, why, and where its log is."""
        return {
            "id": self.id,
            "label": label or self.task,
            "task": self.task,
            "status": self.status,
            "wall_s": round(self.wall_s, 6),
            "products": list(self.products),
            "error": self.error,
            "blocked_by": self.blocked_by,
            "log": self.log(),
        }

    def log(self) -> str | None:
        """The job's log: the kept log of a failed attempt, or ``job.log`` of its result."""
        if self.error:
            found = _LOG.search(self.error)
            return found.group(1) if found else None
        if self.products:
            return os.path.join(os.path.dirname(self.products[0]), "job.log")
        return None


@dataclass
class ReductionResult:
    """The outcome of one reduction; ``to_dict`` is the ``radps-seq run --format json`` summary.

    ``status`` is ``succeeded`` (every target produced, nothing failed), ``failed`` (no
    target produced) or ``partial``; ``refused`` lists the guard's reasons when the
    proposed plan was refused and the baseline ran instead; ``missing_targets`` the
    target jobs that were not produced.
    """

    reduction: str
    status: str
    planner: str
    makespan_s: float
    jobs: list[JobOutcome]
    refused: list[str] = field(default_factory=list)
    missing_targets: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        """Non-zero when a target job was not produced (failed, blocked or incomplete)."""
        return 1 if self.missing_targets else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "reduction": self.reduction,
            "status": self.status,
            "planner": self.planner,
            "makespan_s": round(self.makespan_s, 6),
            "jobs": [job.to_dict(self.labels.get(job.id)) for job in self.jobs],
        }


@dataclass(frozen=True)
class Decision:
    """What a run would do with one job and why (``radps-seq run -n``)."""

    job: str
    task: str
    action: str  # "run" | "reuse" | "skip"
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"job": self.job, "task": self.task, "action": self.action, "reason": self.reason}
