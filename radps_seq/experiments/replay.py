"""Replay: a discrete-event simulation of a plan on k identical workers.

Sequencers are compared by replaying their plans against the outcomes that were really
measured (a WfCommons trace or an exported run log) instead of re-running recipes. The
simulation is a list scheduler: a job is ready once all its parents are done; a skipped
job takes no time and no worker and is done the moment its own parents are; whenever a
worker is free it starts the ready job the plan placed first. The plan's order is
therefore a *priority*, exactly what an executor with k workers does with it. A
sequencer that re-plans (``replans = True``) is asked again whenever jobs finish, and
sees only what had finished by then (:class:`~radps_seq.plan.base.Observed`); every
new plan is checked by the guard before it reorders the jobs not yet started.

The lower bound is ``max(critical path, total work / k)`` over the **full** graph with
true runtimes and **no** skips — the best any order-only plan could do. A plan that
skips jobs can beat it (ratio below 1), which is the point of skipping; comparing
against the no-skip bound keeps one yardstick for every planner on an instance.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from radps_seq.errors import RadpsError
from radps_seq.plan.base import Observed, PlanContext, Sequencer
from radps_seq.plan.graphs import complete_jobs, upward_rank
from radps_seq.plan.guard import accept
from radps_seq.plan.plan import Plan
from radps_seq.plan.sequencers import get_sequencer

if TYPE_CHECKING:
    import pandas as pd

Truth = Mapping[str, Mapping[str, Any]]

#: The keys ``radps-seq replay --format json`` prints, in this order.
SUMMARY_KEYS = (
    "makespan_s",
    "lower_bound_s",
    "skipped",
    "compute_saved_s",
    "products_changed",
    "refused",
    "replans",
    "refused_replans",
)


@dataclass(frozen=True)
class JobRun:
    """When a job ran in the replay; skipped jobs have ``worker`` None and zero length."""

    start_s: float
    finish_s: float
    worker: int | None


@dataclass
class ReplayResult:
    """Outcome of replaying one plan; ``summary()`` is the machine-readable part."""

    planner: str
    workers: int
    makespan_s: float
    lower_bound_s: float
    skipped: int
    compute_saved_s: float
    products_changed: int
    time_to_first_target_s: float | None
    runs: dict[str, JobRun] = field(repr=False)
    refused: int = 0
    violations: list[str] = field(default_factory=list)
    replans: int = 0
    refused_replans: int = 0

    @property
    def ratio(self) -> float:
        """Makespan over the lower bound (1.0 is optimal for an order-only plan)."""
        return self.makespan_s / self.lower_bound_s if self.lower_bound_s > 0 else 1.0

    def summary(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in SUMMARY_KEYS}


def runtimes(job_graph: nx.DiGraph, truth: Truth) -> dict[str, float]:
    """True runtime of every complete job; a job without one is a bad trace."""
    out = {}
    for job in complete_jobs(job_graph):
        try:
            out[job] = float(truth[job]["runtime_s"])
        except (KeyError, TypeError, ValueError):
            raise RadpsError(f"replay: no true runtime for job {job!r}") from None
    return out


def work(job_graph: nx.DiGraph, truth: Truth) -> tuple[float, float]:
    """(critical path, total work) in seconds, with true runtimes and no skips."""
    runtime = runtimes(job_graph, truth)
    return max(upward_rank(job_graph, runtime).values(), default=0.0), sum(runtime.values())


def lower_bound(job_graph: nx.DiGraph, truth: Truth, workers: int) -> float:
    """``max(critical path, total work / k)`` with true runtimes and no skips."""
    critical, total = work(job_graph, truth)
    return max(critical, total / workers)


def auto_workers(job_graph: nx.DiGraph, truth: Truth) -> int:
    """k = ceil(total work / critical path): where the order matters most.

    With fewer workers any order that keeps them busy is close to total/k; with more,
    the critical path alone decides. (DESIGN.md 6.)
    """
    critical, total = work(job_graph, truth)
    return max(1, math.ceil(total / critical)) if critical > 0 else 1


def replay(
    plan: Plan,
    job_graph: nx.DiGraph,
    truth: Truth,
    workers: int,
    replan: Callable[[Observed], Plan | None] | None = None,
) -> ReplayResult:
    """Simulate ``plan`` (assumed checked) on ``workers`` identical workers.

    With ``replan``, whenever jobs finish it is called with what a running reduction
    knows at that simulated instant — the jobs finished so far with their runtimes and
    product sizes, and the running ones (never their outcomes) — and a returned plan
    (checked by the caller) becomes the priority of every job not yet started."""
    if workers < 1:
        raise RadpsError(f"replay: workers must be at least 1, got {workers}")
    runtime = runtimes(job_graph, truth)
    position = _positions(plan, runtime)
    skipped = set(plan.skip) & runtime.keys()
    waiting = {j: sum(1 for p in job_graph.pred[j] if p in runtime) for j in runtime}
    ready: list[tuple[int, str]] = []  # (plan position, job)
    running: list[tuple[float, int, str]] = []  # (finish, worker, job)
    free = list(range(workers))
    runs: dict[str, JobRun] = {}
    now = 0.0

    def become_ready(jobs: list[str]) -> None:
        # A skipped job is done the moment it is ready and may release more jobs.
        while jobs:
            job = jobs.pop()
            if job in skipped:
                runs[job] = JobRun(now, now, None)
                jobs.extend(_released(job_graph, job, waiting))
            else:
                heapq.heappush(ready, (position[job], job))

    become_ready([j for j, n in waiting.items() if n == 0])
    finished: dict[str, dict[str, Any]] = {}
    while ready or running:
        while ready and free:
            _, job = heapq.heappop(ready)
            worker = heapq.heappop(free)
            runs[job] = JobRun(now, now + runtime[job], worker)
            heapq.heappush(running, (now + runtime[job], worker, job))
        now = running[0][0]
        # Release every job finishing at this instant before choosing what runs next.
        while running and running[0][0] == now:
            _, worker, job = heapq.heappop(running)
            heapq.heappush(free, worker)
            finished[job] = _outcome(truth[job], runtime[job])
            become_ready(_released(job_graph, job, waiting))
        if replan is not None:
            observed = Observed(now, dict(finished), frozenset(j for _, _, j in running))
            new = replan(observed)
            if new is not None:
                position = _positions(new, runtime)
                ready = [(position[j], j) for _, j in ready]
                heapq.heapify(ready)
    if len(runs) != len(runtime):
        raise RadpsError("replay: job graph has a cycle; some jobs never became ready")
    targets = [j for j in runtime if job_graph.nodes[j].get("target", False)]
    return ReplayResult(
        planner=plan.planner,
        workers=workers,
        makespan_s=max((r.finish_s for r in runs.values()), default=0.0),
        lower_bound_s=lower_bound(job_graph, truth, workers),
        skipped=len(skipped),
        compute_saved_s=sum((runtime[j] for j in skipped), 0.0),
        products_changed=sum(1 for j in skipped if truth[j].get("changed")),
        time_to_first_target_s=min((runs[j].finish_s for j in targets), default=None),
        runs=runs,
    )


def _positions(plan: Plan, runtime: Mapping[str, float]) -> dict[str, int]:
    position = {job: i for i, job in enumerate(plan.order) if job in runtime}
    if len(position) != len(runtime):
        raise RadpsError("replay: the plan does not cover the graph's jobs; check it first")
    return position


def _outcome(truth: Mapping[str, Any], runtime_s: float) -> dict[str, Any]:
    """What a finished job tells a running reduction: no more than its executor sees."""
    out: dict[str, Any] = {"status": "succeeded", "runtime_s": runtime_s}
    if truth.get("output_bytes") is not None:
        out["output_bytes"] = float(truth["output_bytes"])
    return out


def _released(job_graph: nx.DiGraph, job: str, waiting: dict[str, int]) -> list[str]:
    """Children of a finished ``job`` whose last pending parent it was."""
    out = []
    for child in job_graph.succ[job]:
        if child in waiting:
            waiting[child] -= 1
            if waiting[child] == 0:
                out.append(child)
    return out


def replay_with_guard(
    sequencer: Sequencer,
    job_graph: nx.DiGraph,
    context: PlanContext,
    truth: Truth,
    workers: int,
) -> ReplayResult:
    """Propose, check, and replay — through the same :func:`~radps_seq.plan.guard.accept`
    as a reduction, so a refused proposal falls back to the same baseline.

    This is what a reduction does with a live proposal, so a sequencer that proposes
    invalid plans is scored on the fallback it caused and counted as ``refused=1`` with
    the guard's reasons.
    """
    plan, violations = accept(sequencer.propose(job_graph, context), job_graph, context)
    hook = None
    if not violations and getattr(sequencer, "replans", False):
        hook = CountedReplans(sequencer, job_graph, plan, context)
    result = replay(plan, job_graph, truth, workers, hook)
    result.refused = int(bool(violations))
    result.violations = [str(v) for v in violations]
    if hook is not None:
        result.replans, result.refused_replans = hook.accepted, hook.refused
    return result


class CountedReplans:
    """The re-plan hook of a replay: the reduction's own guarded re-plan
    (:func:`radps_seq.plan.guard.guarded_replan`: every new plan checked by the guard,
    skips kept, a refused one ignored), counting re-plans accepted and refused."""

    def __init__(
        self, sequencer: Any, job_graph: nx.DiGraph, plan: Plan, context: PlanContext
    ) -> None:
        from radps_seq.plan.guard import guarded_replan

        self.proposals = 0
        self.accepted = 0
        self._guarded = guarded_replan(_Counting(sequencer, self), job_graph, plan, context)

    @property
    def refused(self) -> int:
        return self.proposals - self.accepted

    def __call__(self, observed: Observed) -> Plan | None:
        plan = self._guarded(observed)
        self.accepted += plan is not None
        return plan


class _Counting:
    """A sequencer seen through a counter of the re-plans it proposes."""

    def __init__(self, sequencer: Any, counts: CountedReplans) -> None:
        self.sequencer = sequencer
        self.counts = counts

    def replan(self, *args: Any) -> Plan | None:
        proposal = self.sequencer.replan(*args)
        self.counts.proposals += proposal is not None
        return proposal


def replay_trace(
    path: str | Path,
    planner_name: str,
    workers: int | None = None,
    model: str | None = None,
    run_log: pd.DataFrame | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Replay planner ``planner_name`` on a trace file; the ``radps-seq replay`` result.

    ``workers`` None means k = ceil(total work / critical path). The sequencer is
    fitted on ``run_log`` when given, otherwise on the trace's own outcomes seen as a run
    log (in-sample: per-task mean runtimes of the very trace being replayed). With
    ``model`` the sequencer is built with ``model=model`` and used as loaded, unfitted
    again. Returns exactly :data:`SUMMARY_KEYS`.
    """
    from radps_seq.experiments.traces import load_trace, trace_as_run_log

    job_graph, truth, _ = load_trace(path)
    if model is not None:
        sequencer = get_sequencer(planner_name, model=model)
    else:
        history = run_log if run_log is not None else trace_as_run_log(job_graph, truth)
        sequencer = get_sequencer(planner_name).fit(history)
    k = workers or auto_workers(job_graph, truth)
    context = PlanContext(workers=k, seed=seed, truth=truth)
    return replay_with_guard(sequencer, job_graph, context, truth, k).summary()
