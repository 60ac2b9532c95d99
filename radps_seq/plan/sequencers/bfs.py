"""EDPS breadth-first ordering: level by level from the raw data towards the targets.

A job's level is the longest path (in edges) from a source; all level-0 jobs run first,
then level 1, and so on, ties in submission order. This is also the fallback plan when
a proposal is refused, because it needs no estimates and is always valid.
"""

from __future__ import annotations

import networkx as nx

from radps_seq.plan.base import BaseSequencer, PlanContext
from radps_seq.plan.graphs import depths, priority_order
from radps_seq.plan.plan import Plan


class BreadthFirstSequencer(BaseSequencer):
    name = "bfs"

    def propose(self, job_graph: nx.DiGraph, context: PlanContext) -> Plan:
        level = depths(job_graph)
        return Plan(planner=self.name, order=priority_order(job_graph, key=level.__getitem__))
