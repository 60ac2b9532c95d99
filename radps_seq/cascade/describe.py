"""What EDPS's inspection options show of a loaded workflow, as records and text.

``-g`` (task graph), ``-g2`` (detailed graph: data sources and the categories on
every edge), ``-x`` (meta-targets expanded into tasks), ``-d TASK`` (describe one
task) and ``-ps`` / ``-p TASK [SET]`` (parameter sets). Records are plain dicts for
``--format json``; the text forms are what a person reads.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from .data_source import DataSource
from .task import AssociatedInput, Task
from .workflow import Workflow


def _name(source: Any) -> str:
    return source.name


def _inputs(task: Task) -> list[tuple[AssociatedInput, int | None]]:
    items: list[tuple[AssociatedInput, int | None]] = [(a, None) for a in task.associated_inputs]
    for n, alternatives in enumerate(task.alternatives):
        items.extend((a, n) for a in alternatives.inputs)
    return items


def task_graph_dot(workflow: Workflow, detailed: bool = False) -> str:
    """DOT of the task graph; ``detailed`` adds the data sources and edge categories."""
    lines = [f'digraph "{workflow.name}" {{', "  rankdir=LR;", "  node [shape=box];"]
    for task in workflow.tasks.values():
        label = f"{task.name}\\n{task.recipe}" if detailed and task.recipe else task.name
        lines.append(f'  "{task.name}" [label="{label}"];')
    if detailed:
        for source in workflow.data_sources.values():
            lines.append(f'  "ds:{source.name}" [label="{source.name}", shape=ellipse];')
    for task in workflow.tasks.values():
        edges = [(task.main_input, task.main_categories, "main", None)]
        edges += [(a.source, a.categories, "optional" if a.min_ret == 0 else "", alt)
                  for a, alt in _inputs(task)]
        for source, categories, kind, alt in edges:
            if isinstance(source, DataSource) and not detailed:
                continue
            tail = f"ds:{source.name}" if isinstance(source, DataSource) else source.name
            attrs = []
            if detailed:
                words = [", ".join(categories or ())]
                words += [kind] if kind and kind != "main" else []
                words += [f"alternative {alt}"] if alt is not None else []
                label = " ".join(w for w in words if w)
                if label:
                    attrs.append(f'label="{label}"')
            if kind == "main":
                attrs.append("style=bold")
            elif kind == "optional" or alt is not None:
                attrs.append("style=dashed")
            suffix = f" [{', '.join(attrs)}]" if attrs else ""
            lines.append(f'  "{tail}" -> "{task.name}"{suffix};')
    lines.append("}")
    return "\n".join(lines)


def expand_meta_targets(workflow: Workflow) -> dict[str, list[str]]:
    """Each meta-target and the tasks it names (without their upstream tasks)."""
    return {meta: [t.name for t in workflow.tasks.values() if meta in t.meta_targets]
            for meta in workflow.meta_targets()}


def needed_tasks(workflow: Workflow, targets: list[Task]) -> list[str]:
    """The targets and every task they read from, in workflow order."""
    graph = workflow.task_graph()
    needed = {t.name for t in targets}
    for t in targets:
        needed |= nx.ancestors(graph, t.name)
    return [name for name in workflow.tasks if name in needed]


def describe_task(workflow: Workflow, name: str) -> dict[str, Any]:
    """Everything the specification says about one task."""
    task = workflow.task(name)
    main = task.main_input
    return {
        "name": task.name,
        "recipe": task.recipe,
        "type": task.task_type.value,
        "description": task.description,
        "subworkflow": task.subworkflow,
        "meta_targets": list(task.meta_targets),
        "main_input": {"source": main.name, "kind": "task" if isinstance(main, Task) else "data_source",
                       "categories": list(task.main_categories or ())},
        "associated_inputs": [
            {"source": a.source.name, "kind": "task" if isinstance(a.source, Task) else "data_source",
             "categories": list(a.categories or ()), "min_ret": a.min_ret, "max_ret": a.max_ret,
             "condition": getattr(a.condition, "__name__", None), "alternatives": alt,
             "match_rules": bool(a.match_rules)}
            for a, alt in _inputs(task)
        ],
        "condition": getattr(task.condition, "__name__", None),
        "dynamic_parameters": sorted(task.dynamic_parameters),
        "job_processing": [getattr(f, "__name__", repr(f)) for f in task.job_processing],
        "input_filter": _filter(task.input_filter),
        "output_filter": _filter(task.output_filter),
        "input_map": dict(task.input_map),
        "grouping_keywords": list(task.grouping_keywords),
        "reports": [{"name": n, "input": getattr(w, "name", w), "driver": task.report_drivers.get(n)}
                    for n, w in task.reports],
        "skippable": task.skippable is not None,
        "consumers": sorted(workflow.task_graph().successors(task.name)),
    }


def _filter(spec: Any) -> dict[str, Any] | None:
    if spec is None:
        return None
    return {"categories": list(spec.categories), "mode": spec.mode.name}


def describe_text(record: dict[str, Any]) -> str:
    lines = [f"task {record['name']}  (recipe {record['recipe'] or 'none'}, {record['type']})"]
    if record["description"]:
        lines.append(f"  {record['description']}")
    for key in ("subworkflow", "meta_targets", "condition", "dynamic_parameters", "job_processing",
                "input_filter", "output_filter", "input_map", "grouping_keywords", "reports", "consumers"):
        if record[key]:
            lines.append(f"  {key.replace('_', ' ')}: {record[key]}")
    main = record["main_input"]
    lines.append(f"  main input: {main['source']} {main['categories'] or ''}".rstrip())
    for a in record["associated_inputs"]:
        extra = [f"min_ret={a['min_ret']}", f"max_ret={a['max_ret']}"]
        extra += [f"condition={a['condition']}"] if a["condition"] else []
        extra += [f"alternative {a['alternatives']}"] if a["alternatives"] is not None else []
        extra += ["own match rules"] if a["match_rules"] else []
        lines.append(f"  with: {a['source']} {a['categories'] or ''} {' '.join(extra)}")
    return "\n".join(lines)


def parameter_sets_record(workflow: Workflow) -> dict[str, Any]:
    """``-ps``: every parameter set with its tags and whether it is the default."""
    sets = workflow.parameters
    records = []
    for name, chosen in (sets.sets.items() if sets is not None else ()):
        records.append({"name": name, "default": name == sets.default, "tags": list(chosen.tags),
                        "description": chosen.description,
                        "workflow_parameters": dict(chosen.workflow_parameters),
                        "tasks": sorted(chosen.recipe_parameters)})
    return {"workflow": workflow.name, "parameter_sets": records}
