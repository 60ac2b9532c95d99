"""EDPS's association map (``edps -a``) and organisation (``-od`` / ``-f``) of a derivation.

The association map is one Markdown table per task: a row per job, a column per input
slot saying what filled it (files, or the upstream task and job), the quality level
and whether the job is complete. The organisation is what grouping made of the
files: for each task reading raw files, its jobs and their main-input files.
"""

from __future__ import annotations

import os
from typing import Any

from .graph import Derivation


def _short(job_id: str) -> str:
    return job_id[:8]


def association_record(derivation: Derivation) -> dict[str, Any]:
    """``{"tasks": {task: [{"job", "main", "inputs": {slot: [...]}, "level", "complete"}]}}``."""
    graph = derivation.graph
    tasks: dict[str, list[dict[str, Any]]] = {}
    for job in derivation.jobs:
        slots: dict[str, list[str]] = {name: [] for name in graph.nodes[job.id]["slots"] if name != "main"}
        for item in job.inputs:
            if item.slot == "main":
                continue
            what = item.file or f"{graph.nodes[item.job]['task']}[{_short(item.job)}]"
            entry = slots.setdefault(item.slot, [])
            if what not in entry:
                entry.append(what)
        tasks.setdefault(job.task, []).append({
            "job": job.id,
            "main": [i.file or f"{graph.nodes[i.job]['task']}[{_short(i.job)}]" for i in job.main_inputs],
            "inputs": slots,
            "level": job.level,
            "complete": job.complete,
            "missing": list(job.missing),
        })
    return {"workflow": derivation.workflow, "targets": derivation.targets, "tasks": tasks}


def association_markdown(record: dict[str, Any]) -> str:
    """One Markdown table per task; a dash marks a slot nothing filled."""
    out = [f"# Association map of {record['workflow']} (targets: {', '.join(record['targets'])})"]
    for task, rows in record["tasks"].items():
        slots = list(dict.fromkeys(s for row in rows for s in row["inputs"]))
        out += ["", f"## {task}", "",
                "| job | main input | " + " | ".join(slots) + (" | " if slots else "") + "level | complete |",
                "|---|---|" + "---|" * len(slots) + "---|---|"]
        for row in rows:
            cells = [_cell(row["inputs"].get(s, [])) for s in slots]
            done = "yes" if row["complete"] else "no: " + "; ".join(row["missing"])
            out.append(f"| {_short(row['job'])} | {_cell(row['main'])} | "
                       + "".join(f"{c} | " for c in cells) + f"{row['level']:g} | {done} |")
    return "\n".join(out)


def _cell(values: list[str]) -> str:
    if not values:
        return "-"
    names = [os.path.basename(v) for v in values]
    return ", ".join(names[:3]) + (f" (+{len(names) - 3})" if len(names) > 3 else "")


def organisation_record(derivation: Derivation) -> dict[str, Any]:
    """For each task, its jobs' main-input files, and the groups too small to be jobs."""
    tree: dict[str, list[dict[str, Any]]] = {}
    for job in derivation.jobs:
        files = [i.file for i in job.main_inputs if i.file]
        if files:
            tree.setdefault(job.task, []).append({"job": job.id, "files": files})
    small = [i for i in derivation.incomplete if i.get("job") is None]
    return {"workflow": derivation.workflow, "tasks": tree, "too_small": small,
            "unclassified": derivation.unclassified}


def organisation_text(record: dict[str, Any]) -> str:
    lines = [f"{record['workflow']}: {sum(len(v) for v in record['tasks'].values())} groups, "
             f"{len(record['too_small'])} too small, {len(record['unclassified'])} unclassified files"]
    for task, groups in record["tasks"].items():
        lines.append(f"{task}: {len(groups)} group(s)")
        for group in groups:
            lines.append(f"  [{_short(group['job'])}] {', '.join(group['files'])}")
    for item in record["too_small"]:
        lines.append(f"too small for {item['task']}: {item['file']} ({'; '.join(item['missing'])})")
    return "\n".join(lines)
