"""The guard: every proposal is checked against the rule-derived job graph before
anything runs (DESIGN.md 5.3), so a sequencer — learned or hand-written — can never make
the executor run a job before its inputs exist or drop a mandatory product.

:func:`accept` is the one entry point between propose and execute: the reduction calls
it once per plan (and once per re-plan), replay calls it the same way. ``check`` lists every violation in one linear pass (position dict, one pass over the
edges, memoised pass-through availability) so that the operator sees all problems at
once and a 10,000-job plan is checked in milliseconds. ``repair`` turns any proposal
into the valid plan closest to it, for callers that prefer a corrected plan to a refusal.

Skip semantics (contracts.md): a skipped job hands its own main input to its consumers.
A slot of a non-skipped job is satisfied when its on-disk files plus the parents in that
slot that are not skipped, or skipped with a pass-through edge and an available main
input, reach the slot's ``min_ret``. A job is reported as *left incomplete by the skips*
when one of its slots is unsatisfied under the skips but satisfied without them — a job
whose inputs were already short in the derived graph is the derivation's problem, not
the plan's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import networkx as nx

from radps_seq.errors import RadpsError
from radps_seq.plan.graphs import priority_order
from radps_seq.plan.plan import CheckedPlan, Plan

if TYPE_CHECKING:
    from collections.abc import Callable

    from radps_seq.plan.base import Observed, PlanContext

log = logging.getLogger(__name__)
#: What runs when a proposal is refused: EDPS's breadth-first order, always valid.
FALLBACK = "bfs"

#: Every kind of violation ``check`` reports.
KINDS = (
    "unknown",
    "incomplete",
    "duplicate",
    "missing",
    "target-skipped",
    "not-skippable",
    "order",
    "left-incomplete",
)


@dataclass(frozen=True)
class Violation:
    """One reason a plan is refused: ``kind`` (one of :data:`KINDS`), the job, a detail."""

    kind: str
    job: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.job}: {self.detail}"

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "job": self.job, "detail": self.detail}


def check(plan: Plan, job_graph: nx.DiGraph) -> list[Violation]:
    """Every violation of ``plan`` against ``job_graph``; an empty list means valid."""
    nodes = dict(job_graph.nodes(data=True))
    complete = {job for job, attrs in nodes.items() if attrs.get("complete", True)}
    found: list[Violation] = []

    def listed(job: str, where: str, seen: dict[str, int], i: int) -> bool:
        if job not in nodes:
            found.append(Violation("unknown", job, f"in {where}: not a job of the graph"))
        elif job not in complete:
            found.append(
                Violation("incomplete", job, f"in {where}: incomplete jobs are never planned")
            )
        elif job in seen:
            found.append(
                Violation("duplicate", job, f"in {where}: listed at {seen[job]} and again at {i}")
            )
        else:
            seen[job] = i
            return True
        return False

    pos: dict[str, int] = {}
    for i, job in enumerate(plan.order):
        listed(job, "order", pos, i)
    found.extend(
        Violation("missing", job, "complete job not in the order")
        for job in nodes
        if job in complete and job not in pos
    )
    skipped: dict[str, int] = {}
    for i, job in enumerate(plan.skip):
        if listed(job, "skip", skipped, i):
            if nodes[job].get("target", False):
                found.append(Violation("target-skipped", job, "a target job cannot be skipped"))
            if not nodes[job].get("skippable", False):
                task = nodes[job].get("task", "?")
                found.append(
                    Violation("not-skippable", job, f"task {task!r} is not declared skippable")
                )
    for u, v in job_graph.edges():
        if u in pos and v in pos and pos[u] > pos[v]:
            found.append(Violation("order", v, f"at {pos[v]}, before its parent {u} at {pos[u]}"))
    for job, slot, have, need, _ in _short_slots(job_graph, nodes, complete, set(skipped)):
        found.append(
            Violation(
                "left-incomplete",
                job,
                f"slot {slot!r} gets {have} of the {need} inputs it needs after the skips",
            )
        )
    return found


def accept(
    plan: Plan | None,
    job_graph: nx.DiGraph,
    context: PlanContext,
    fallback: CheckedPlan | None = None,
) -> tuple[CheckedPlan, list[Violation]]:
    """The plan that may run, and the violations of ``plan`` (empty when accepted).

    A refused proposal (or none at all) is replaced by ``fallback`` — the plan already
    running, for a re-plan — or else by the :data:`FALLBACK` baseline, itself checked,
    so a graph no plan can run is an error here and not in the executor. The refusal is
    logged with its reasons, and a replacing baseline carries them (``refused``) to the
    run record.
    """
    violations = check(plan, job_graph) if plan is not None else []
    if plan is not None and not violations:
        return CheckedPlan(plan.planner, list(plan.order), list(plan.skip), plan.predictions), []
    if plan is not None:
        log.warning(
            "plan of planner %r refused by the guard (%d violation(s)); %s: %s",
            plan.planner,
            len(violations),
            "keeping the current plan" if fallback else f"running the {FALLBACK} baseline instead",
            "; ".join(str(v) for v in violations[:10]),
        )
    if fallback is not None:
        return fallback, violations
    from radps_seq.plan.sequencers import get_sequencer

    baseline = get_sequencer(FALLBACK).fit(None).propose(job_graph, context)
    problems = check(baseline, job_graph)
    if problems:
        raise RadpsError(f"the job graph cannot be executed: {problems[0]}")
    checked = CheckedPlan(
        baseline.planner,
        list(baseline.order),
        list(baseline.skip),
        baseline.predictions,
        [str(v) for v in violations],
    )
    return checked, violations


def guarded_replan(
    sequencer: Any, graph: nx.DiGraph, plan: CheckedPlan, context: PlanContext
) -> Callable[[Observed], CheckedPlan | None]:
    """The sequencer's ``replan`` with every new plan checked by :func:`accept` first —
    what a reduction hands its executor, and what replay uses.

    A re-plan changes the priorities of the jobs not yet started; the skips stay those
    the reduction started with (jobs may already have been skipped or run), so that is
    the plan the guard checks. A refused re-plan is ignored — the current plan goes on
    — and the guard's reasons are logged.
    """
    current = plan

    def replan(observed: Observed) -> CheckedPlan | None:
        nonlocal current
        proposal = sequencer.replan(graph, current, observed, context)
        if proposal is None:
            return None
        if set(proposal.skip) != set(current.skip):
            log.info("re-plan of planner %r: its skip changes are not applied", proposal.planner)
        candidate = Plan(proposal.planner, list(proposal.order), list(current.skip),
                         dict(proposal.predictions))  # fmt: skip
        checked, violations = accept(candidate, graph, context, fallback=current)
        if violations:
            return None
        current = checked
        return checked

    return replan


def repair(plan: Plan, job_graph: nx.DiGraph) -> Plan:
    """The valid plan closest to ``plan``; a valid plan comes back unchanged.

    Unknown, incomplete and duplicate ids are dropped, missing jobs are appended, and
    the order becomes the topological order that always runs the ready job the proposal
    placed first (so a valid order is kept as is). Skips of targets and of
    non-skippable jobs are dropped; skips that leave a job incomplete are then undone
    deterministically — for each short slot, the culprit skipped parents placed latest
    in the order — until every job is complete again.
    """
    nodes = dict(job_graph.nodes(data=True))
    complete = {job for job, attrs in nodes.items() if attrs.get("complete", True)}
    first: dict[str, int] = {}
    for i, job in enumerate(plan.order):
        if job in complete:
            first.setdefault(job, i)
    appended = len(plan.order)
    graph_index = {job: i for i, job in enumerate(nodes)}
    order = priority_order(job_graph, key=lambda job: first.get(job, appended + graph_index[job]))
    candidates = [
        job
        for job in dict.fromkeys(plan.skip)
        if job in complete
        and not nodes[job].get("target", False)
        and nodes[job].get("skippable", False)
    ]
    skipped = legal_skips(job_graph, order, candidates)
    return Plan(
        planner=plan.planner,
        order=order,
        skip=[job for job in candidates if job in skipped],
        predictions=plan.predictions,
    )


def legal_skips(job_graph: nx.DiGraph, order: list[str], candidates: list[str]) -> set[str]:
    """The subset of ``candidates`` that can be skipped while every job stays complete.

    ``candidates`` must already be skippable, non-target, complete jobs. While a slot is
    short, the skipped parents that contribute nothing to it are un-skipped, latest in
    ``order`` first, as many as the slot lacks; un-skipping a job can make it need its
    own inputs, so this repeats until no slot is short (at worst no skips remain, which
    is complete by definition). Also used by planners that want "skip wherever legal".
    """
    nodes = dict(job_graph.nodes(data=True))
    complete = {job for job, attrs in nodes.items() if attrs.get("complete", True)}
    position = {job: i for i, job in enumerate(order)}
    skipped = set(candidates)
    while short := _short_slots(job_graph, nodes, complete, skipped):
        undone: set[str] = set()
        for _, _, have, need, culprits in short:
            lacking = need - have - sum(1 for p in culprits if p in undone)
            for parent in sorted(culprits, key=position.__getitem__, reverse=True):
                if lacking <= 0:
                    break
                if parent not in undone:
                    undone.add(parent)
                    lacking -= 1
        skipped -= undone
    return skipped


def _short_slots(
    job_graph: nx.DiGraph,
    nodes: dict[str, dict[str, Any]],
    complete: set[str],
    skipped: set[str],
) -> list[tuple[str, str, int, int, list[str]]]:
    """(job, slot, inputs it gets, min_ret, skipped parents giving nothing) for every slot
    of a non-skipped job that the skips leave short. Only consumers of skipped jobs can
    be affected, so only they are examined."""
    if not skipped:
        return []
    pred = job_graph.pred
    available: dict[str, bool] = {}

    def main_input_available(job: str) -> bool:
        # Iterative depth-first memoisation: chains of skipped jobs can be long.
        stack = [job]
        while stack:
            top = stack[-1]
            if top in available:
                stack.pop()
                continue
            if _slot(nodes[top], "main")[1] > 0:
                available[top] = True
                continue
            pending = []
            result = False
            for parent, edge in pred[top].items():
                if parent not in complete or edge.get("slot", "main") != "main":
                    continue
                if parent not in skipped or available.get(parent) is True:
                    result = True
                    break
                if parent not in available:
                    pending.append(parent)
            if result or not pending:
                available[top] = result
                stack.pop()
            else:
                stack.extend(pending)
        return available[job]

    consumers = {
        child
        for job in skipped
        for child in job_graph.succ[job]
        if child in complete and child not in skipped
    }
    short = []
    for job in (j for j in nodes if j in consumers):
        slots = nodes[job].get("slots") or {}
        have: dict[str, int] = {}
        full: dict[str, int] = {}
        culprits: dict[str, list[str]] = {}
        for parent, edge in pred[job].items():
            if parent not in complete:
                continue
            slot = edge.get("slot", "main")
            full[slot] = full.get(slot, 0) + 1
            if parent not in skipped or (
                edge.get("passthrough", False) and main_input_available(parent)
            ):
                have[slot] = have.get(slot, 0) + 1
            else:
                culprits.setdefault(slot, []).append(parent)
        for slot in slots:
            need, files = _slot(nodes[job], slot)
            got = files + have.get(slot, 0)
            if got < need <= files + full.get(slot, 0):
                short.append((job, slot, got, need, culprits[slot]))
    return short


def _slot(attrs: dict[str, Any], slot: str) -> tuple[int, int]:
    """(min_ret, files) of a job's slot; a slot the job does not declare needs nothing."""
    spec = (attrs.get("slots") or {}).get(slot) or {}
    return int(spec.get("min_ret", 0)), int(spec.get("files", 0))
