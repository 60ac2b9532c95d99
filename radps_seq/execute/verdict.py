"""What to do with one job, given its parents' outcomes: the one decision function.

:func:`judge` serves both the runner (which then does what it says) and the dry run
(which reports it), so ``radps-seq run -n`` can never disagree with a run. In a dry run
a parent that would run has the status :data:`PENDING`: its products are not known
before it runs, so its consumers are reported as waiting for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache import cache_key, components, decide
from .inputs import resolve_inputs
from .result import FAILED, FileRef, JobOutcome
from .spec import JobSpec
from .store import ProductStore

#: A dry run's status of a job that would run (its products are not known yet).
PENDING = "pending"
#: Verdicts: a parent failed; the job cannot be attempted; skipped by the plan; waiting
#: for a parent that would run (dry runs only); its products are reused; it must run.
BLOCKED, FAIL, SKIP, WAIT, REUSE, RUN = "blocked", "fail", "skip", "wait", "reuse", "run"


@dataclass
class Verdict:
    """``action`` (one of the six above) and why; ``parent`` is the failed parent of a
    blocked job or the pending one a job waits for; ``inputs`` are the resolved inputs
    (a skipped job's hand-on); the cache fields are set for ``reuse`` and ``run``."""

    action: str
    reason: str = ""
    parent: str | None = None
    inputs: list[FileRef] = field(default_factory=list)
    parts: dict[str, Any] | None = None
    key: str | None = None
    folder: Path | None = None
    manifest: dict[str, Any] | None = None


def judge(spec: JobSpec, parents: Mapping[str, JobOutcome], store: ProductStore) -> Verdict:
    """Blocked? skipped? unable to start? reusable? else it runs — and why."""
    relevant = spec.main_parents if spec.skipped else list(spec.parents)
    for parent in relevant:
        if parents[parent].status == FAILED:
            return Verdict(BLOCKED, parent=parent)
    waiting = [p for p in relevant if parents[p].status == PENDING]
    if spec.skipped:
        if waiting:
            return Verdict(SKIP, "skipped by plan", parent=waiting[0])
        handed_on, problems = resolve_inputs(spec, parents, main_only=True)
        if problems:  # nothing complete to hand on: its consumers must not run
            return Verdict(FAIL, "; ".join(problems))
        return Verdict(SKIP, "skipped by plan", inputs=handed_on)
    inputs, problems = ([], []) if waiting else resolve_inputs(spec, parents)
    if spec.error or problems:
        return Verdict(FAIL, spec.error or "; ".join(problems))
    if waiting:
        if spec.forced:
            return Verdict(RUN, spec.forced)
        upstream = parents[waiting[0]]
        return Verdict(WAIT, f"upstream will run: {upstream.task} job {upstream.id}", waiting[0])
    parts = components(spec.recipe.identity, spec.recipe.version, spec.parameters, inputs)
    key = cache_key(parts)
    folder = store.folder(spec.task, spec.id)
    action, reason, manifest = decide(folder, key, parts, spec.previous, spec.forced)
    return Verdict(action, reason, None, inputs, parts, key, folder, manifest)
