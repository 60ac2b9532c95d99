"""A real yardstick: the best schedule with the true runtimes, from a CP-SAT solver.

(The proven lower bound reported is the larger of CP-SAT's and ``max(critical path,
total work / k)``: on big instances the solver's own bound is often the weaker one.)

HEFT with true runtimes (the ``oracle``) is a heuristic, and ``max(critical path, total
work / k)`` is loose: neither says how far from *optimal* a planner is. This module
states the scheduling problem exactly — every complete job an interval of its true
runtime, parents finished before children start, at most ``k`` jobs at once, minimise
the makespan (no skips) — and gives it to OR-Tools' CP-SAT with a time limit, starting
from the oracle's schedule as a hint. The result is a schedule (an upper bound on the
optimum) and a proven lower bound; when they meet, the schedule is optimal. A planner's
makespan over :attr:`BoundResult.best_known_s` is then "how far from the best schedule
anyone has found", and the gap says how much that best could still move.

Runtimes are scaled to integer ticks of at most 1/10^6 of the total work, so rounding
moves a makespan by well under 0.1 %.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from radps_seq.errors import RadpsError
from radps_seq.experiments.replay import lower_bound, replay
from radps_seq.plan.graphs import complete_jobs, priority_order
from radps_seq.plan.plan import Plan

#: Integer ticks the total work is cut into (CP-SAT works on integers).
TICKS = 1_000_000


@dataclass(frozen=True)
class BoundResult:
    """CP-SAT's schedule (``makespan_s``, None when it found none in time) and proven
    ``lower_bound_s``; ``optimal`` when the two meet; ``status`` is CP-SAT's word."""

    makespan_s: float | None
    lower_bound_s: float
    optimal: bool
    status: str
    wall_s: float

    @property
    def gap(self) -> float:
        """Relative distance between the schedule and the proven bound (0: optimal)."""
        if self.makespan_s is None or self.lower_bound_s <= 0:
            return math.nan
        return self.makespan_s / self.lower_bound_s - 1.0


def cpsat_bound(
    job_graph: nx.DiGraph,
    truth: Mapping[str, Mapping[str, Any]],
    workers: int,
    time_limit_s: float = 10.0,
    hint: Mapping[str, float] | None = None,
    threads: int = 1,
) -> BoundResult:
    """Solve the k-worker schedule of ``job_graph`` with true runtimes (see module doc).

    ``hint``: start times (s) of a known schedule, e.g. the oracle's replay, that CP-SAT
    starts from. ``threads``: solver workers (one by default: the machine is shared).
    """
    from ortools.sat.python import cp_model

    if workers < 1:
        raise RadpsError(f"bound: workers must be at least 1, got {workers}")
    jobs = complete_jobs(job_graph)
    seconds = {j: max(0.0, float(truth[j]["runtime_s"])) for j in jobs}
    total = sum(seconds.values())
    if total <= 0:
        return BoundResult(0.0, 0.0, True, "TRIVIAL", 0.0)
    tick = total / TICKS
    ticks = {j: int(round(s / tick)) for j, s in seconds.items()}
    horizon = sum(ticks.values())
    model = cp_model.CpModel()
    start = {j: model.new_int_var(0, horizon, f"s{i}") for i, j in enumerate(jobs)}
    intervals = [
        model.new_fixed_size_interval_var(start[j], ticks[j], f"i{i}") for i, j in enumerate(jobs)
    ]
    model.add_cumulative(intervals, [1] * len(jobs), workers)
    planned = set(jobs)
    for u, v in job_graph.edges():
        if u in planned and v in planned:
            model.add(start[v] >= start[u] + ticks[u])
    makespan = model.new_int_var(0, horizon, "makespan")
    for j in jobs:
        model.add(makespan >= start[j] + ticks[j])
    model.minimize(makespan)
    for j, s in _feasible_hint(job_graph, ticks, workers, hint).items():
        model.add_hint(start[j], int(s))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit_s)
    solver.parameters.num_workers = int(threads)
    status = solver.solve(model)
    name = solver.status_name(status)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    trivial = lower_bound(job_graph, truth, workers)
    proven = max(trivial, solver.best_objective_bound * tick if found else 0.0)
    best = solver.objective_value * tick if found else None
    return BoundResult(
        makespan_s=best,
        lower_bound_s=proven,
        optimal=status == cp_model.OPTIMAL or (best is not None and best <= proven * (1 + 1e-6)),
        status=name,
        wall_s=solver.wall_time,
    )


def _feasible_hint(
    job_graph: nx.DiGraph, ticks: Mapping[str, int], workers: int, hint: Mapping[str, float] | None
) -> dict[str, float]:
    """Start ticks of the hinted schedule made feasible after rounding: the hint's start
    order list-scheduled again with the integer durations (CP-SAT ignores a hint that
    breaks a constraint by one tick)."""
    if not hint:
        return {}
    order = priority_order(job_graph, key=lambda j: hint.get(j, math.inf))
    integer = {j: {"runtime_s": float(t)} for j, t in ticks.items()}
    runs = replay(Plan("hint", order), job_graph, integer, workers).runs
    return {j: r.start_s for j, r in runs.items()}


def best_known(
    records: Any,
    instances: Mapping[str, Any],
    references: Any,
    *,
    workers: Sequence[str],
    time_limit_s: float,
    objective: str = "makespan",
    progress: Any = None,
) -> Any:
    """``records`` (one row per sequencer × instance × k × seed) with a yardstick per
    (instance, k): ``best_known_s``, the best of every replayed schedule that ran every
    job and — for the k whose workers label is in ``workers`` — CP-SAT's schedule with
    true runtimes (hinted with the oracle's, ``cpsat_s``); ``proven_lb_s``, CP-SAT's
    proven lower bound there, else ``max(critical path, work / k)``; and ``ratio_best``
    = makespan / best-known. A schedule with skips runs fewer jobs and can come out
    below 1."""
    import pandas as pd

    solved: dict[tuple[str, int], BoundResult] = {}
    for name, k in sorted({(n, int(k)) for n, k, w in
                           zip(records["instance"], records["k"], records["workers"], strict=True)
                           if str(w) in workers}):  # fmt: skip
        inst = instances[name]
        if progress:
            progress(f"CP-SAT bound: {name}, k={k} ({time_limit_s:g} s at most)")
        oracle, _ = references.get(inst, k, objective)
        hint = {j: r.start_s for j, r in oracle.runs.items() if r.worker is not None}
        solved[(name, k)] = cpsat_bound(inst.graph, inst.truth, k, time_limit_s, hint=hint)
    frame = records.copy()
    keys = list(zip(frame["instance"], frame["k"].astype(int), strict=True))
    frame["cpsat_s"] = [_or_nan(solved.get(key), "makespan_s") for key in keys]
    frame["proven_lb_s"] = [
        _or_nan(solved.get(key), "lower_bound_s", lb) for key, lb in zip(keys, frame["lower_bound_s"], strict=True)
    ]
    frame["cpsat_optimal"] = [solved[key].optimal if key in solved else None for key in keys]
    complete = frame[frame["skipped"] == 0]
    replayed = complete.groupby(["instance", "k"])["makespan_s"].min().to_dict()
    best = [min(replayed.get(key, math.inf), _or_nan(solved.get(key), "makespan_s", math.inf))
            for key in keys]  # fmt: skip
    frame["best_known_s"] = [math.nan if math.isinf(b) else b for b in best]
    frame["ratio_best"] = frame["makespan_s"] / frame["best_known_s"]
    return pd.DataFrame(frame)


def bound_table(records: Any) -> Any:
    """One row per (instance, k) CP-SAT was run on: best-known, proven lower bound, the
    gap between them, and whether CP-SAT proved its schedule optimal."""
    rows = records[records["cpsat_s"].notna()]
    table = rows.groupby(["instance", "workers", "k"], sort=False).agg(
        family=("family", "first"), jobs=("size", "first"),
        best_known_s=("best_known_s", "first"), cpsat_s=("cpsat_s", "first"),
        proven_lb_s=("proven_lb_s", "first"), optimal=("cpsat_optimal", "first"),
    ).reset_index()  # fmt: skip
    table["best_over_bound"] = table["best_known_s"] / table["proven_lb_s"]
    return table


def _or_nan(result: BoundResult | None, attribute: str, missing: float = math.nan) -> float:
    value = getattr(result, attribute) if result is not None else None
    return missing if value is None else float(value)
