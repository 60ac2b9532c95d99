"""EDPS task-type ordering: all jobs of one task together, tasks in cascade order.

Tasks are ordered topologically in the *task graph* (task A before task B when a job of
A feeds a job of B), ties by first appearance; a task that feeds itself or a cycle
between tasks is kept together as one block. Within a task, jobs keep submission order.
"""

from __future__ import annotations

import networkx as nx

from radps_seq.plan.base import BaseSequencer, PlanContext
from radps_seq.plan.graphs import complete_jobs, priority_order
from radps_seq.plan.plan import Plan


class TaskTypeSequencer(BaseSequencer):
    name = "type"

    def propose(self, job_graph: nx.DiGraph, context: PlanContext) -> Plan:
        jobs = complete_jobs(job_graph)
        task = {j: job_graph.nodes[j].get("task", "") for j in jobs}
        task_graph = nx.DiGraph()
        task_graph.add_nodes_from(dict.fromkeys(task.values()))
        task_graph.add_edges_from(
            (task[u], task[v]) for u, v in job_graph.edges() if u in task and v in task
        )
        blocks = nx.condensation(task_graph)
        first = {t: i for i, t in enumerate(task_graph)}
        block_key = {b: min(first[t] for t in blocks.nodes[b]["members"]) for b in blocks}
        rank = {
            b: i
            for i, b in enumerate(nx.lexicographical_topological_sort(blocks, key=block_key.get))
        }
        task_rank = {t: rank[b] for t, b in blocks.graph["mapping"].items()}
        order = priority_order(job_graph, key=lambda j: task_rank[task[j]], jobs=jobs)
        return Plan(planner=self.name, order=order)
