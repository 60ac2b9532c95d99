"""Job specs: everything a job needs to run, as plain picklable data.

The job graph carries :class:`~radps_seq.derive.Job` objects and the cascade carries
:class:`~radps_seq.cascade.Task` objects with functions from workflow modules; neither
travels well to a Dask worker or a child process. A :class:`JobSpec` is the distilled,
picklable form built once in the parent: inputs with their content hashes, the task's
category filters and map, the resolved recipe reference, retries and timeout, and the
components of the last result of the same logical job (for change reasons).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from radps_seq.errors import RadpsError

from .recipe_call import RecipeRef


@dataclass(frozen=True)
class CategoryRule:
    """A task's input or output filter: keep (select) or drop (reject) these categories."""

    categories: tuple[str, ...]
    select: bool = True

    def keeps(self, category: str) -> bool:
        return (category in self.categories) == self.select

    @classmethod
    def of(cls, spec_filter: Any) -> CategoryRule | None:
        if spec_filter is None:
            return None
        return cls(tuple(spec_filter.categories), spec_filter.mode.value == "select")

    def to_dict(self) -> dict[str, Any]:
        return {"categories": list(self.categories), "select": self.select}


@dataclass(frozen=True)
class InputSpec:
    """One SOF line: an on-disk file (with its hash, or the error reading it) or the
    upstream job whose products fill ``category``."""

    category: str
    slot: str
    file: str | None = None
    job: str | None = None
    sha256: str | None = None
    error: str | None = None


@dataclass
class JobSpec:
    id: str
    task: str
    recipe: RecipeRef
    parameters: dict[str, Any]
    inputs: list[InputSpec]
    parents: dict[str, str]  # planned parent id -> the task it belongs to
    logical_key: str
    input_map: dict[str, str] = field(default_factory=dict)
    input_filter: CategoryRule | None = None
    output_filter: CategoryRule | None = None
    products: list[str] = field(default_factory=list)
    skipped: bool = False
    retries: int = 0
    timeout_s: float | None = None
    previous: dict[str, Any] | None = None
    forced: str | None = None
    error: str | None = None  # known before running (e.g. no recipe): the job fails

    @property
    def main_parents(self) -> list[str]:
        return list(dict.fromkeys(i.job for i in self.inputs if i.job and i.slot == "main"))


def per_task(value: Any, task: str, what: str) -> Any:
    """``value`` for ``task``: a plain value, or a mapping by task name with ``"*"`` as default."""
    if isinstance(value, Mapping):
        value = value.get(task, value.get("*"))
    if value is not None and (not isinstance(value, int | float) or value < 0):
        raise RadpsError(f"{what} for task {task!r} must be a non-negative number, got {value!r}")
    return value


def logical_keys(graph: nx.DiGraph, order: list[str]) -> dict[str, str]:
    """A key per job that ignores parameters: task + where each input comes from.

    Derived job ids change with the parameters; this key does not, which is what lets
    a re-run find the previous result of "the same job" and say what changed.
    """
    keys: dict[str, str] = {}
    for job_id in order:
        job = graph.nodes[job_id]["job"]
        lines = sorted(
            f"{i.slot}|{i.category}|"
            + (f"job:{keys.get(i.job, i.job)}" if i.job else f"file:{os.path.abspath(i.file)}")
            for i in job.inputs
        )
        blob = json.dumps([job.task, lines]).encode()
        keys[job_id] = hashlib.sha256(blob).hexdigest()[:16]
    return keys


def forced_reasons(
    graph: nx.DiGraph, order: list[str], force: Any, force_downstream: Any
) -> dict[str, str]:
    """Why each forced job is forced.

    ``force=True`` forces every job; ``force`` / ``force_downstream`` may also name tasks
    or job ids. Jobs named by ``force_downstream`` (or by ``force`` when
    ``force_downstream=True``) force everything downstream of them as well.
    """
    if force is True:
        return dict.fromkeys(order, "forced")

    def named(selection: Any) -> list[str]:
        if not selection or selection is True:
            return []
        wanted = {selection} if isinstance(selection, str) else set(selection)
        unknown = wanted - {graph.nodes[j]["task"] for j in order} - set(order)
        if unknown:
            raise RadpsError(f"cannot force {', '.join(sorted(unknown))}: no such task or job")
        return [j for j in order if j in wanted or graph.nodes[j]["task"] in wanted]

    roots = named(force)
    downstream_roots = named(force_downstream) + (roots if force_downstream is True else [])
    reasons = dict.fromkeys(roots + downstream_roots, "forced")
    planned = set(order)
    for root in downstream_roots:
        for child in nx.descendants(graph, root):
            if child in planned:
                reasons.setdefault(child, f"forced downstream of {root}")
    return reasons
