"""Human-readable and graph renderings of cascades and derivations."""

from __future__ import annotations

from typing import Any

from .cascade import DataSource, Task, Workflow
from .labels import graph_labels, job_label


def _source_name(source: Any) -> str:
    return source.name if isinstance(source, DataSource | Task) else str(source)


def tasks_record(workflow: Workflow) -> dict[str, Any]:
    """``{"tasks": [{"name", "recipe", "meta_targets", "main_input", "associated_inputs"}]}``."""
    records = []
    implementation = _implementations(workflow)
    for task in workflow.tasks.values():
        associated = [_input_record(a, None) for a in task.associated_inputs]
        for n, alternatives in enumerate(task.alternatives):
            associated.extend(_input_record(a, n) for a in alternatives.inputs)
        records.append(
            {
                "name": task.name,
                "recipe": task.recipe or (task.function.__name__ if task.function else None),
                "meta_targets": list(task.meta_targets),
                "main_input": _source_name(task.main_input),
                "associated_inputs": associated,
                "skippable": task.skippable is not None,
                "subworkflow": task.subworkflow,
                "implementation": implementation[task.name],
            }
        )
    return {"workflow": workflow.name, "tasks": records}


def _implementations(workflow: Workflow) -> dict[str, str]:
    """What runs each task: ``python`` (a registered recipe), ``function``, ``external``
    (esorex/pyesorex found), or ``none`` -- a stage modelled but not implemented, which
    only a ``--dummy`` run executes."""
    from .execute.recipe_call import EXTERNAL, RecipeCallError, recipe_ref

    kinds: dict[str, str] = {}
    for task in workflow.tasks.values():
        try:
            ref = recipe_ref(task.name, task.recipe, workflow, dummy=False)
        except RecipeCallError:
            kinds[task.name] = "none"
            continue
        kinds[task.name] = "none" if ref.kind == EXTERNAL and ref.tool is None else ref.kind
    return kinds


def _input_record(item: Any, alternatives: int | None) -> dict[str, Any]:
    return {
        "input": _source_name(item.source),
        "kind": "task" if isinstance(item.source, Task) else "data_source",
        "categories": list(item.categories or ()),
        "min_ret": item.min_ret,
        "max_ret": item.max_ret,
        "alternatives": alternatives,
    }


def tasks_text(record: dict[str, Any]) -> str:
    lines = [f"workflow {record['workflow']}: {len(record['tasks'])} tasks"]
    for t in record["tasks"]:
        extra = []
        if t["meta_targets"]:
            extra.append("meta-targets: " + ", ".join(t["meta_targets"]))
        if t["skippable"]:
            extra.append("skippable")
        if t.get("implementation") == "none":
            extra.append("not implemented: runs with --dummy only")
        lines.append(f"  {t['name']}  (recipe {t['recipe']})" + (f"  [{'; '.join(extra)}]" if extra else ""))
        lines.append(f"      main: {t['main_input']}")
        for a in t["associated_inputs"]:
            optional = " optional" if a["min_ret"] == 0 else ""
            alt = f" alternative#{a['alternatives']}" if a["alternatives"] is not None else ""
            cats = f" {a['categories']}" if a["categories"] else ""
            lines.append(f"      with: {a['input']}{cats}{optional}{alt}")
    return "\n".join(lines)


def classify_text(record: dict[str, Any]) -> str:
    lines = [f"{r['file']}: {', '.join(r['tags'])}" for r in record["files"]]
    lines += [f"{path}: unclassified" for path in record["unclassified"]]
    lines += [f"{e['file']}: error: {e['error']}" for e in record["errors"]]
    lines.append(
        f"{len(record['files'])} classified, {len(record['unclassified'])} unclassified, "
        f"{len(record['errors'])} errors"
    )
    return "\n".join(lines)


def derivation_text(derivation: Any) -> str:
    """An indented tree per target job: what it reads, down to the raw files."""
    graph = derivation.graph
    order = graph.graph["order"]
    lines = [f"workflow {derivation.workflow}, targets: {', '.join(derivation.targets) or '-'}"]
    complete = sum(1 for n in order if graph.nodes[n]["complete"])
    lines.append(f"{len(order)} jobs ({complete} complete, {len(order) - complete} incomplete)")

    def walk(node: str, depth: int, seen: set[str]) -> None:
        job = graph.nodes[node]["job"]
        pad = "    " * depth
        if node in seen:
            lines.append(f"{pad}{job_label(job)} [{job.id}] (shown above)")
            return
        seen.add(node)
        state = "" if job.complete else "  INCOMPLETE: missing " + ", ".join(job.missing)
        level = f" level {job.level:g}" if job.level else ""
        lines.append(f"{pad}{job_label(job)} [{job.id}]{level}{state}")
        files: dict[str, list[str]] = {}
        for item in job.inputs:
            if item.file:
                files.setdefault(item.category, []).append(item.file)
        for category, paths in files.items():
            shown = paths if len(paths) <= 4 else paths[:3] + [f"... {len(paths) - 3} more"]
            lines.append(f"{pad}    {category}: {', '.join(shown)}")
        for parent in job.parents:
            slots = sorted({i.category for i in job.inputs if i.job == parent})
            lines.append(f"{pad}    {', '.join(slots)} from:")
            walk(parent, depth + 2, seen)

    seen: set[str] = set()
    for node in order:
        if graph.nodes[node]["target"]:
            walk(node, 0, seen)
    for entry in derivation.incomplete:
        if entry["job"] is None:
            lines.append(f"not processed: {entry['task']} ({entry['file']}): {'; '.join(entry['missing'])}")
    if derivation.unclassified:
        lines.append(f"unclassified: {len(derivation.unclassified)} files")
    for error in derivation.errors:
        lines.append(f"error: {error['file']}: {error['error']}")
    return "\n".join(lines)


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def derivation_dot(derivation: Any) -> str:
    graph = derivation.graph
    labels = graph_labels(graph)
    lines = [f'digraph "{derivation.workflow}" {{', "  rankdir=LR;", "  node [shape=box];"]
    for node in graph.graph["order"]:
        data = graph.nodes[node]
        style = []
        if data["target"]:
            style.append("penwidth=2")
        if not data["complete"]:
            style.append("style=dashed")
        if data["skippable"]:
            style.append('color="gray40"')
        attrs = ", ".join([f'label="{_quoted(labels[node])}\\n{node}"', *style])
        lines.append(f'  "{node}" [{attrs}];')
    for u, v, data in graph.edges(data=True):
        lines.append(f'  "{u}" -> "{v}" [label="{data["slot"]}"];')
    lines.append("}")
    return "\n".join(lines)


def derivation_mermaid(derivation: Any) -> str:
    graph = derivation.graph
    labels = graph_labels(graph)
    lines = ["flowchart LR"]
    for node in graph.graph["order"]:
        data = graph.nodes[node]
        left, right = ("[[", "]]") if data["target"] else ("[", "]")
        lines.append(f'  j{node}{left}"{labels[node].replace(chr(34), "")}<br/>{node}"{right}')
    for u, v, data in graph.edges(data=True):
        lines.append(f"  j{u} -->|{data['slot']}| j{v}")
    return "\n".join(lines)
