"""A cascade: the tasks and data sources of one workflow, and its static task graph."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import networkx as nx

from ..errors import TargetError, WorkflowError
from .data_source import DataSource
from .targets import ALL
from .task import Alternatives, AssociatedInput, Task

if TYPE_CHECKING:
    from .parameters import ParameterSets


@dataclass(eq=False)
class Workflow:
    """Everything the engine needs from a loaded cascade specification."""

    name: str
    tasks: dict[str, Task]
    data_sources: dict[str, DataSource]
    parameters: ParameterSets | None = None
    origin: str = ""
    subworkflows: dict[str, str] = field(default_factory=dict)

    def task_graph(self) -> nx.DiGraph:
        """Tasks as nodes, an edge ``u -> v`` when ``v`` reads the products of ``u``."""
        return task_graph(self.tasks.values())

    def task(self, name: str) -> Task:
        try:
            return self.tasks[name]
        except KeyError:
            raise TargetError(
                f"unknown task {name!r} in workflow {self.name!r}; known tasks: "
                f"{', '.join(self.tasks)}"
            ) from None

    def meta_targets(self) -> list[str]:
        return sorted({m for t in self.tasks.values() for m in t.meta_targets})

    def resolve_targets(
        self, tasks: Sequence[str] = (), meta_targets: Sequence[str] = ()
    ) -> list[Task]:
        """Target tasks for ``-t``/``-m``; ``all`` targets every task (as in EDPS)."""
        chosen: dict[str, Task] = {}
        for name in tasks:
            if name == ALL:
                return list(self.tasks.values())
            chosen[name] = self.task(name)
        for meta in meta_targets:
            meta = meta.lower()
            if meta == ALL:
                return list(self.tasks.values())
            found = [t for t in self.tasks.values() if meta in t.meta_targets]
            if not found:
                known = ", ".join(self.meta_targets()) or "none"
                raise TargetError(
                    f"unknown meta-target {meta!r} in workflow {self.name!r}; "
                    f"its meta-targets are: {known} (or 'all')"
                )
            for t in found:
                chosen[t.name] = t
        return [t for t in self.tasks.values() if t.name in chosen]


def task_graph(tasks: Iterable[Task]) -> nx.DiGraph:
    graph = nx.DiGraph()
    for t in tasks:
        graph.add_node(t.name, task=t)
        for source in t.upstream():
            if isinstance(source, Task):
                graph.add_edge(source.name, t.name)
    return graph


def _specification_objects(objects: Iterable[object], depth: int = 0) -> Iterator[Task | DataSource]:
    """Tasks and data sources among module globals, also inside what a subworkflow
    returns: tuples, lists, dicts, dataclasses and alternatives of tasks."""
    for item in objects:
        if isinstance(item, Task | DataSource):
            yield item
        elif depth > 3:
            continue
        elif isinstance(item, Alternatives):
            yield from (a.source for a in item.inputs)
        elif isinstance(item, AssociatedInput):
            yield item.source
        elif isinstance(item, tuple | list):
            yield from _specification_objects(item, depth + 1)
        elif isinstance(item, dict):
            yield from _specification_objects(item.values(), depth + 1)
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            yield from _specification_objects(
                (getattr(item, f.name) for f in dataclasses.fields(item)), depth + 1
            )


def collect_workflow(name: str, objects: Iterable[object], origin: str = "") -> Workflow:
    """Build a :class:`Workflow` from the objects a workflow module defines.

    Tasks reachable from any module-level task are included, so tasks built inside
    subworkflow functions need not be module globals. Tasks come out in topological
    order of the task graph, ties broken by name, so the order never depends on import
    order.
    """
    seen_tasks: dict[int, Task] = {}
    sources: dict[str, DataSource] = {}
    stack = list(_specification_objects(objects))
    while stack:
        item = stack.pop()
        if isinstance(item, DataSource):
            sources.setdefault(item.name, item)
            continue
        if id(item) in seen_tasks:
            continue
        seen_tasks[id(item)] = item
        stack.extend(item.upstream())
    by_name: dict[str, Task] = {}
    for t in seen_tasks.values():
        if t.name in by_name and by_name[t.name] is not t:
            raise WorkflowError(
                f"workflow {name!r}: two different tasks are named {t.name!r}; task names must be unique"
            )
        by_name[t.name] = t
    if not by_name:
        raise WorkflowError(f"workflow {name!r} ({origin}) defines no task")
    graph = task_graph(by_name.values())
    if not nx.is_directed_acyclic_graph(graph):
        cycle = nx.find_cycle(graph)
        path = " -> ".join([u for u, _ in cycle] + [cycle[0][0]])
        raise WorkflowError(f"workflow {name!r}: the task graph has a cycle: {path}")
    order = list(nx.lexicographical_topological_sort(graph))
    subworkflows = {t.name: t.subworkflow for t in by_name.values() if t.subworkflow}
    return Workflow(
        name=name,
        tasks={n: by_name[n] for n in order},
        data_sources=dict(sorted(sources.items())),
        origin=origin,
        subworkflows=subworkflows,
    )
