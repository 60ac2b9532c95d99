"""Plain functions over job graphs that sequencers, the guard and replay share.

Only *complete* jobs are planned (incomplete ones are in the graph for reporting), so
every function here works on the complete jobs and the edges between them. Missing node
attributes take the permissive default (``complete`` True, ``target``/``skippable``
False) so hand-built graphs in tests and traces need only what they use.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Hashable, Iterable, Mapping

import networkx as nx

from radps_seq.errors import RadpsError


def complete_jobs(job_graph: nx.DiGraph) -> list[str]:
    """The jobs a plan must cover, in the graph's insertion (submission) order."""
    return [job for job, ok in job_graph.nodes(data="complete", default=True) if ok]


def priority_order(
    job_graph: nx.DiGraph,
    key: Callable[[str], Hashable] | None = None,
    jobs: Iterable[str] | None = None,
) -> list[str]:
    """A topological order of the complete jobs that always takes the ready job with the
    smallest ``key`` (Kahn's algorithm with a heap).

    Every list-scheduling priority (breadth-first, critical path, random, "closest to a
    proposal") is this function with a different key, which is why no sequencer can emit
    an order that runs an edge backwards. Ties fall back to submission order, so the
    result is deterministic. ``jobs`` restricts the order to a subset (default: all
    complete jobs); edges from outside the subset are ignored.
    """
    jobs = complete_jobs(job_graph) if jobs is None else list(jobs)
    index = {job: i for i, job in enumerate(jobs)}
    key = key or index.__getitem__
    waiting = {job: sum(1 for p in job_graph.predecessors(job) if p in index) for job in jobs}
    heap = [(key(job), index[job], job) for job in jobs if waiting[job] == 0]
    heapq.heapify(heap)
    order: list[str] = []
    while heap:
        _, _, job = heapq.heappop(heap)
        order.append(job)
        for child in job_graph.successors(job):
            if child in waiting:
                waiting[child] -= 1
                if waiting[child] == 0:
                    heapq.heappush(heap, (key(child), index[child], child))
    if len(order) < len(jobs):
        stuck = sorted(job for job, n in waiting.items() if n > 0)[:5]
        raise RadpsError(f"job graph has a cycle through jobs {', '.join(stuck)}")
    return order


def depths(job_graph: nx.DiGraph) -> dict[str, int]:
    """Longest path (in edges) from a source to each complete job: its "level"."""
    depth: dict[str, int] = {}
    for job in priority_order(job_graph):
        depth[job] = max((depth[p] + 1 for p in job_graph.pred[job] if p in depth), default=0)
    return depth


def upward_rank(
    job_graph: nx.DiGraph, runtime: Mapping[str, float], order: Iterable[str] | None = None
) -> dict[str, float]:
    """HEFT upward rank: a job's runtime plus the longest runtime-weighted path below it.

    Scheduling the highest rank first keeps the critical path moving; with identical
    workers and no communication cost this is the classic critical-path list scheduler.
    ``order``: a topological order of the complete jobs, when the caller has one (a
    planner re-ranking the same graph many times).
    """
    rank: dict[str, float] = {}
    for job in reversed(list(priority_order(job_graph) if order is None else order)):
        below = (rank[c] for c in job_graph.successors(job) if c in rank)
        rank[job] = float(runtime[job]) + max(below, default=0.0)
    return rank
