"""A random valid order, seeded by ``context.seed``: the "no idea" reference point.

Each job draws a random priority and the order is the topological order that always
takes the ready job with the smallest draw, so it is valid by construction and the
same seed gives the same plan.
"""

from __future__ import annotations

import random

import networkx as nx

from radps_seq.plan.base import BaseSequencer, PlanContext
from radps_seq.plan.graphs import complete_jobs, priority_order
from radps_seq.plan.plan import Plan


class RandomSequencer(BaseSequencer):
    name = "random"

    def propose(self, job_graph: nx.DiGraph, context: PlanContext) -> Plan:
        rng = random.Random(context.seed)
        jobs = complete_jobs(job_graph)
        draw = {j: rng.random() for j in jobs}
        return Plan(
            planner=self.name, order=priority_order(job_graph, key=draw.__getitem__, jobs=jobs)
        )
