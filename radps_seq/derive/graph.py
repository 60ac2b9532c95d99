"""The job graph: the jobs a target needs, as a networkx DiGraph (DESIGN.md 5.2).

This graph is the rule-derived truth every plan is checked against, so its node and
edge attributes are a contract (see :func:`build_job_graph`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from ..cascade import Task, Workflow
from .drafts import Deriver, Draft


@dataclass
class Derivation:
    """The result of deriving a cascade for targets over a pile of files."""

    workflow: str
    targets: list[str]
    graph: nx.DiGraph
    unclassified: list[str] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    incomplete: list[dict[str, Any]] = field(default_factory=list)

    @property
    def jobs(self) -> list[Any]:
        return [self.graph.nodes[n]["job"] for n in self.graph.graph["order"]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "workflow": self.workflow,
            "targets": self.targets,
            "jobs": [job.to_dict() for job in self.jobs],
            "unclassified": self.unclassified,
            "errors": self.errors,
            "incomplete": self.incomplete,
        }


def select_drafts(deriver: Deriver, targets: Sequence[Task]) -> tuple[list[Draft], set[str]]:
    """Every draft of the target tasks, plus everything they read, transitively."""
    selected: dict[str, Draft] = {}
    target_ids: set[str] = set()
    stack: list[Draft] = []
    for task in targets:
        for draft in deriver.drafts(task):
            target_ids.add(draft.job.id)
            stack.append(draft)
    while stack:
        draft = stack.pop()
        if draft.job.id in selected:
            continue
        selected[draft.job.id] = draft
        stack.extend(draft.parents.values())
    return list(selected.values()), target_ids


def build_job_graph(
    workflow: Workflow, drafts: Sequence[Draft], target_ids: set[str]
) -> nx.DiGraph:
    """Nodes carry ``task, recipe, complete, target, skippable, slots, features, job``;
    edges carry ``slot`` and ``passthrough`` (see the module docstring)."""
    graph = nx.DiGraph()
    task_rank = {name: n for n, name in enumerate(workflow.tasks)}
    for draft in drafts:
        job = draft.job
        job.target = job.id in target_ids
        graph.add_node(
            job.id,
            task=job.task,
            recipe=job.recipe,
            complete=job.complete,
            target=job.target,
            skippable=job.skippable,
            slots=draft.slots,
            job=job,
            draft=draft,
        )
    for draft in drafts:
        # Edges follow the association, not the SOF: an input filter may leave an
        # upstream job out of the set-of-frames, the job still waits for it.
        for parent_id in draft.job.parents:
            if parent_id in graph and not graph.has_edge(parent_id, draft.job.id):
                slot = draft.parent_slots.get(parent_id, "main")
                graph.add_edge(
                    parent_id,
                    draft.job.id,
                    slot=slot,
                    passthrough=bool(graph.nodes[parent_id]["skippable"]) and slot == "main",
                )
    # Tasks are in topological order of the task graph and every edge runs from an
    # upstream task's job to a downstream one's, so sorting by task rank first is a
    # topological order of the jobs.
    order = sorted(
        graph.nodes,
        key=lambda n: (task_rank[graph.nodes[n]["task"]], _sort_time(graph.nodes[n]["job"]), n),
    )
    depth: dict[str, int] = {}
    for node in order:
        attrs = graph.nodes[node]
        depth[node] = max((depth[p] + 1 for p in graph.predecessors(node)), default=0)
        job = attrs["job"]
        job.features = _features(attrs.pop("draft"), depth[node])
        attrs["features"] = job.features
    graph.graph["order"] = order
    graph.graph["workflow"] = workflow.name
    return graph


def _features(draft: Draft, depth: int) -> dict[str, Any]:
    """What is known before the job runs: setup keywords, input counts and data volume.

    A job fed by upstream jobs has no files of its own yet; its data volume is that of
    its main-input jobs (features are computed in topological order, so theirs exist).
    """
    job = draft.job
    if draft.main_frames:
        volume = sum(getattr(f, "size", 0) or 0 for f in draft.main_frames)
    else:
        volume = sum(p.job.features.get("input_bytes", 0) for p in draft.main_parents)
    features: dict[str, Any] = {"task": job.task, "level": job.level}
    features.update(job.setup)
    features["n_inputs"] = len(job.inputs)
    features["n_main"] = len(draft.main_frames) or len(draft.main_parents)
    features["input_bytes"] = int(volume)
    features["depth"] = depth
    return features


def _sort_time(job: Any) -> str:
    return job.night or ""
