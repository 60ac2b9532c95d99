"""EDPS depth-first ordering: finish one target's whole chain before starting the next.

The order is a post-order of a depth-first search that walks *up* from each target
job through its parents (in submission order), so a target runs as soon as everything
it needs has run; jobs that feed no target follow, walked up from the remaining sinks.
This is the order that gets the first science product out earliest on one worker.
"""

from __future__ import annotations

import networkx as nx

from radps_seq.plan.base import BaseSequencer, PlanContext
from radps_seq.plan.graphs import complete_jobs
from radps_seq.plan.plan import Plan


class DepthFirstSequencer(BaseSequencer):
    name = "dfs"

    def propose(self, job_graph: nx.DiGraph, context: PlanContext) -> Plan:
        jobs = complete_jobs(job_graph)
        planned = set(jobs)
        targets = [j for j in jobs if job_graph.nodes[j].get("target", False)]
        sinks = [j for j in jobs if not any(c in planned for c in job_graph.succ[j])]
        order: list[str] = []
        done: set[str] = set()
        for root in [*targets, *sinks, *jobs]:
            if root in done:
                continue
            # Iterative post-order: a job is emitted once all its parents are.
            stack = [(root, iter([p for p in job_graph.pred[root] if p in planned]))]
            done.add(root)
            while stack:
                job, parents = stack[-1]
                parent = next((p for p in parents if p not in done), None)
                if parent is None:
                    stack.pop()
                    order.append(job)
                else:
                    done.add(parent)
                    stack.append(
                        (parent, iter([p for p in job_graph.pred[parent] if p in planned]))
                    )
        return Plan(planner=self.name, order=order)
