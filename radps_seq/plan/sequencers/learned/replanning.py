"""The learned planner that learns while it runs (``learned``): re-plans as jobs finish.

The static plan (:mod:`.sequencer`) must order jobs on predictions alone; a running
reduction soon knows more. When jobs finish, :meth:`ReplanningLearnedSequencer.replan`
gets an :class:`~radps_seq.plan.base.Observed` record — only jobs finished before now —
and re-ranks what has not started yet with:

- the **sizes of products already written**: a job whose parents are done has its
  ``parent_output_bytes`` feature exact instead of predicted, for the model trained
  across runs;
- the **runtimes of finished jobs of the same task in this run**: with a few of them, a
  per-task fit of log runtime on log input size (what the task reads: its own files plus
  its parents' products) orders the remaining jobs of that task by their size; with
  fewer, or sizes that do not explain runtime, the model's predictions for the task are
  rescaled by observed / predicted. A task type never trained on is learned this way
  from its first finished jobs.

Skips are the first plan's and never change (a job skipped or run cannot be undone).
Re-planning costs a prediction over the whole graph, so it happens when some task's
evidence has doubled since the plan in force (its first finished job, then 2, 4, 8...):
a few dozen re-plans even for 10,000 jobs. Every re-plan is checked by the guard
before the executor or replay uses it (the caller's duty, as for ``propose``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from typing import Any

import networkx as nx

from radps_seq.plan.base import Observed, PlanContext
from radps_seq.plan.plan import Plan
from radps_seq.plan.sequencers.learned.features import PARENT_BYTES
from radps_seq.plan.sequencers.learned.sequencer import LearnedSequencer

#: Prediction key recording how many finished jobs of the task a prediction used.
EVIDENCE = "observed_jobs"
#: Finished jobs of a task needed before its runtimes are fitted on input size.
MIN_FIT_JOBS = 3
#: A size fit is used only when it explains at least this share of the log-runtime
#: variance among the finished jobs; otherwise the task is rescaled as a whole.
MIN_R2 = 0.5


class ReplanningLearnedSequencer(LearnedSequencer):
    """:class:`~.sequencer.LearnedSequencer` plus ``replan``; same hyper-parameters,
    same first plan (so the two differ only by what is learned while running)."""

    name = "learned"
    replans = True

    def replan(
        self, job_graph: nx.DiGraph, plan: Plan, observed: Observed, context: PlanContext
    ) -> Plan | None:
        """A new plan from what ``observed`` says, or None when there is nothing new
        enough to re-plan on (no task's evidence doubled since ``plan``)."""
        tasks = {j: str(job_graph.nodes[j].get("task")) for j in job_graph}
        done = {
            j: r
            for j, r in observed.finished.items()
            if j in tasks and r.get("status", "succeeded") == "succeeded"
            and r.get("runtime_s") is not None and j not in set(plan.skip)
        }  # fmt: skip
        counts = Counter(tasks[j] for j in done)
        if not _evidence_doubled(plan, counts, tasks):
            return None
        written = {
            j: float(r["output_bytes"])
            for j, r in observed.finished.items()
            if r.get("output_bytes") is not None
        }
        predicted = self.predictions(job_graph, written)
        sizes = self._input_sizes(job_graph, written)
        runtime = {j: float(p["runtime_s"] or 0.0) for j, p in predicted.items()}
        for task in counts:
            jobs = [j for j in runtime if tasks[j] == task]
            calibrate(runtime, jobs, {j: float(done[j]["runtime_s"]) for j in jobs if j in done},
                      sizes)  # fmt: skip
        for j in done:
            runtime[j] = 0.0  # done: nothing below it waits for it any more
        predictions = {
            j: {**p, "runtime_s": runtime[j] if j not in done else float(done[j]["runtime_s"]),
                EVIDENCE: float(counts.get(tasks[j], 0))}
            for j, p in predicted.items()
        }  # fmt: skip
        first = frozenset(observed.finished) | frozenset(observed.running)
        new = self.ordered(job_graph, context, runtime, set(plan.skip), predictions, first)
        return new

    def _input_sizes(self, job_graph: nx.DiGraph, written: Mapping[str, float]) -> dict[str, float]:
        """What every job reads: its own files plus its parents' products (written
        sizes where known, the model's predictions elsewhere)."""
        if self.model_ is None:
            return {}
        X = self.model_.features(job_graph, written)
        own = X["input_bytes"] if "input_bytes" in X else 0.0
        total = (X[PARENT_BYTES].fillna(0.0) + own).astype(float)
        return total.to_dict()


def _evidence_doubled(plan: Plan, counts: Counter[str], tasks: Mapping[str, str]) -> bool:
    used: dict[str, float] = {}
    for job, p in plan.predictions.items():
        if job in tasks:
            used[tasks[job]] = max(used.get(tasks[job], 0.0), float(p.get(EVIDENCE) or 0.0))
    return any(n >= max(1.0, 2.0 * used.get(task, 0.0)) for task, n in counts.items())


def calibrate(
    runtime: dict[str, float],
    jobs: list[str],
    observed: Mapping[str, float],
    sizes: Mapping[str, float],
) -> None:
    """Re-estimate the unfinished ``jobs`` of one task in place from its finished ones
    (``observed`` runtimes): a log-log fit on input size when it explains the finished
    jobs, else the model's predictions rescaled by observed / predicted."""
    if not observed:
        return
    todo = [j for j in jobs if j not in observed]
    fit = _size_fit(observed, sizes)
    if fit is not None:
        slope, intercept = fit
        low, high = min(observed.values()), max(observed.values())
        for j in todo:
            guess = math.exp(intercept + slope * math.log1p(sizes.get(j, 0.0)))
            runtime[j] = min(max(guess, 0.5 * low), 2.0 * high)
        return
    predicted = sum(runtime[j] for j in observed)
    scale = sum(observed.values()) / predicted if predicted > 0 else None
    mean = sum(observed.values()) / len(observed)
    for j in todo:
        runtime[j] = runtime[j] * scale if scale is not None else mean


def _size_fit(observed: Mapping[str, float], sizes: Mapping[str, float]) -> Any:
    """(slope, intercept) of log runtime on log(1 + input bytes), or None when there are
    too few jobs, no spread in size, or the fit explains too little."""
    if len(observed) < MIN_FIT_JOBS or not sizes:
        return None
    x = [math.log1p(sizes.get(j, 0.0)) for j in observed]
    y = [math.log(max(t, 1e-6)) for t in observed.values()]
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    slope = sxy / sxx
    r2 = sxy * sxy / (sxx * syy)
    if slope <= 0 or r2 < MIN_R2:
        return None
    return slope, my - slope * mx
