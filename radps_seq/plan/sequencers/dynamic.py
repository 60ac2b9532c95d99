"""EDPS's runtime ordering: no plan-time ordering at all — run whatever is ready.

EDPS submits jobs as their inputs appear and its workers take them first come, first
served. As a plan this is the topological order that always picks the ready job that
was submitted first (graph insertion order, which is derivation order); replayed on k
workers, the list scheduler then does exactly "start the oldest ready job whenever a
worker is free". It is the baseline a sequencer must beat to be worth having.
"""

from __future__ import annotations

import networkx as nx

from radps_seq.plan.base import BaseSequencer, PlanContext
from radps_seq.plan.graphs import priority_order
from radps_seq.plan.plan import Plan


class DynamicSequencer(BaseSequencer):
    name = "dynamic"

    def propose(self, job_graph: nx.DiGraph, context: PlanContext) -> Plan:
        return Plan(planner=self.name, order=priority_order(job_graph))
