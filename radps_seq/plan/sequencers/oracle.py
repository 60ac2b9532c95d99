"""The clairvoyant oracle: the bound a deployable planner is measured against.

It reads ``context.truth`` — the runtimes and effects that were actually measured —
which no deployable sequencer may do. Every skippable job whose measured effect stayed
within tolerance (``changed`` is False) is skipped where the guard's skip rules allow it,
and the rest is ordered by upward rank with the true runtimes (skipped jobs count 0 s).
"""

from __future__ import annotations

import networkx as nx

from radps_seq.errors import RadpsError
from radps_seq.plan.base import BaseSequencer, PlanContext
from radps_seq.plan.graphs import complete_jobs, priority_order, upward_rank
from radps_seq.plan.guard import legal_skips
from radps_seq.plan.plan import Plan


class OracleSequencer(BaseSequencer):
    name = "oracle"
    uses_truth = True

    def propose(self, job_graph: nx.DiGraph, context: PlanContext) -> Plan:
        truth = context.truth
        if truth is None:
            raise RadpsError(
                "oracle: needs the true outcomes (context.truth); it is an offline bound "
                "for replayed traces and cannot plan a live reduction"
            )
        jobs = complete_jobs(job_graph)
        unknown = [j for j in jobs if j not in truth]
        if unknown:
            raise RadpsError(f"oracle: no true outcome for job(s) {', '.join(unknown[:5])}")
        nodes = job_graph.nodes
        candidates = [
            j
            for j in jobs
            if truth[j].get("changed") is False
            and nodes[j].get("skippable", False)
            and not nodes[j].get("target", False)
        ]
        skipped = legal_skips(job_graph, priority_order(job_graph), candidates)
        runtime = {j: 0.0 if j in skipped else float(truth[j]["runtime_s"]) for j in jobs}
        rank = upward_rank(job_graph, runtime)
        order = priority_order(job_graph, key=lambda j: -rank[j])
        predictions: dict[str, dict[str, float | None]] = {
            j: {"runtime_s": float(truth[j]["runtime_s"])} for j in jobs
        }
        for j in jobs:
            if truth[j].get("changed") is not None:
                predictions[j]["p_noop"] = 0.0 if truth[j]["changed"] else 1.0
        return Plan(
            planner=self.name,
            order=order,
            skip=[j for j in order if j in skipped],
            predictions=predictions,
        )
