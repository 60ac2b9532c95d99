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
  fewer, or sizes that do not significantly explain runtime, the model's predictions
  (their within-task differences shrunk as in the static plan) are rescaled by
  observed / predicted. A task type never trained on is learned this way from its
  first finished jobs;
- jobs still of equal rank go largest input first, with the sizes written so far.

Skips are the first plan's and never change (a job skipped or run cannot be undone).
Re-planning costs a prediction over the whole graph, so it happens when some task's
evidence has doubled since the plan in force (its first finished job, then 2, 4, 8...):
a few dozen re-plans even for 10,000 jobs. Every re-plan is checked by the guard
before the executor or replay uses it (the caller's duty, as for ``propose``).
"""

from __future__ import annotations

import itertools
import math
import weakref
from collections import Counter
from collections.abc import Mapping
from typing import Any

import networkx as nx

from radps_seq.plan.base import Observed, PlanContext
from radps_seq.plan.plan import Plan
from radps_seq.plan.sequencers.learned.features import PARENT_BYTES, input_sizes
from radps_seq.plan.sequencers.learned.sequencer import LearnedSequencer

#: Prediction key recording how many finished jobs of the task a prediction used.
EVIDENCE = "observed_jobs"
#: Finished jobs of a task needed before its runtimes are fitted on input size.
MIN_FIT_JOBS = 3
#: A size fit is used only when its slope is this many standard errors above zero
#: among the finished jobs (t statistic, about 95 % one-sided for a dozen jobs);
#: otherwise the task is rescaled as a whole. (A share of variance explained is no
#: test: three jobs explain half of it by chance one time in three.)
MIN_T = 2.0


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
        run = self._run(job_graph, plan)
        counts = run.count(observed)
        if not any(n >= max(1, 2 * run.used.get(t, 0)) for t, n in counts.items()):
            return None
        done = {
            j: float(r["runtime_s"])
            for j, r in observed.finished.items()
            if j in run.tasks and j not in run.skipped
            and r.get("status", "succeeded") == "succeeded" and r.get("runtime_s") is not None
        }  # fmt: skip
        written = {
            j: float(r["output_bytes"])
            for j, r in observed.finished.items()
            if r.get("output_bytes") is not None
        }
        X = self.features(job_graph, written, run.static)
        predicted = run.predict(self, job_graph, X)
        sizes = input_sizes(X)
        ties = input_sizes(X, raw=True) if self.ties == "raw_bytes" else sizes
        runtime = self.shrunk(job_graph, predicted)
        for task in counts:
            jobs = run.by_task[task]
            calibrate(runtime, jobs, {j: done[j] for j in jobs if j in done}, sizes)
        evidence = {t: float(counts.get(t, 0)) for t in run.by_task}
        predictions = {
            j: {**p, "runtime_s": done.get(j, runtime[j]), EVIDENCE: evidence[run.tasks[j]]}
            for j, p in predicted.items()
        }
        for j in done:
            runtime[j] = 0.0  # done: nothing below it waits for it any more
        first = frozenset(observed.finished) | frozenset(observed.running)
        new = self.ordered(
            job_graph, context, runtime, run.skipped, predictions, first, plan.order, ties
        )
        run.used = {t: int(n) for t, n in counts.items()}
        return new

    def _run(self, job_graph: nx.DiGraph, plan: Plan) -> _Run:
        """What stays fixed while one reduction runs, computed on its first re-plan (a
        plan without evidence counts is a first plan: a new run starts)."""
        runs = self.__dict__.setdefault("_runs", weakref.WeakKeyDictionary())
        run = runs.get(job_graph)
        fresh = not plan.order or EVIDENCE not in plan.predictions.get(plan.order[0], {})
        if run is None or fresh or run.size != job_graph.number_of_nodes():
            run = runs[job_graph] = _Run(job_graph, plan)
        return run

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_runs"}


class _Run:
    """Per reduction: task of every job, jobs by task, the skips in force, the static
    feature rows, and how many finished jobs of each task the plan in force used.

    ``count`` reads only the jobs finished since the previous call (both replay and the
    executors add finished jobs to ``Observed.finished`` in finishing order), so asking
    after every finished job costs what the new jobs cost, not the whole run again.
    """

    def __init__(self, job_graph: nx.DiGraph, plan: Plan) -> None:
        from radps_seq.plan.sequencers.learned.features import static_features

        self.size = job_graph.number_of_nodes()
        self.tasks = {j: str(job_graph.nodes[j].get("task")) for j in plan.order}
        self.by_task: dict[str, list[str]] = {}
        for job, task in self.tasks.items():
            self.by_task.setdefault(task, []).append(job)
        self.skipped = set(plan.skip)
        self.static = static_features(job_graph)
        self.used: dict[str, int] = {}
        self.counts: Counter[str] = Counter()
        self.seen = 0
        self.predicted: dict[str, dict[str, float | None]] = {}
        self.inputs: Any = None

    def predict(
        self, sequencer: LearnedSequencer, job_graph: nx.DiGraph, X: Any
    ) -> dict[str, dict[str, float | None]]:
        """The model's predictions, recomputed only for jobs whose features changed
        since the previous re-plan (a parent's product was written meanwhile)."""
        if X is None or self.inputs is None:
            self.predicted = sequencer.predictions(job_graph, X)
        else:
            now, before = X[PARENT_BYTES], self.inputs
            changed = X.index[~((now == before) | (now.isna() & before.isna()))]
            if len(changed):
                self.predicted.update(sequencer.predictions(job_graph, X.loc[changed]))
        self.inputs = None if X is None else X[PARENT_BYTES]
        return dict(self.predicted)

    def count(self, observed: Observed) -> Counter[str]:
        finished = observed.finished
        new = len(finished) - self.seen
        if new < 0:  # a different run's record: count afresh
            self.counts, self.seen, new = Counter(), 0, len(finished)
        for job in itertools.islice(reversed(finished), new):
            if job in self.tasks and job not in self.skipped:
                self.counts[self.tasks[job]] += 1
        self.seen = len(finished)
        return self.counts


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
        # Clamped in log space: a steep slope over a narrow size range must not overflow.
        low = math.log(max(0.5 * min(observed.values()), 1e-6))
        high = math.log(max(2.0 * max(observed.values()), 1e-6))
        for j in todo:
            guess = intercept + slope * math.log1p(sizes.get(j, 0.0))
            runtime[j] = math.exp(min(max(guess, low), high))
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
    r2 = min(sxy * sxy / (sxx * syy), 1.0 - 1e-12)
    if slope <= 0 or math.sqrt(r2 * (n - 2) / (1.0 - r2)) < MIN_T:
        return None
    return slope, my - slope * mx
