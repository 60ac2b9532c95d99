"""A reduction's job graph with job states, as JSON, Graphviz dot, Mermaid or SVG.

These work on the stored job records (DESIGN.md 5.2 jobs plus ``state`` and
``target``), not on a live networkx graph: the service answers from its database,
whichever process derived the graph. The SVG is laid out here (columns by depth) so
the web view needs no script from anywhere else.
"""

from __future__ import annotations

from html import escape
from typing import Any

#: Fill colours of the job states in the SVG and the Mermaid classes.
STATE_COLOURS = {
    "succeeded": "#b7e1b0",
    "cached": "#cfe3f5",
    "running": "#ffe08a",
    "pending": "#eeeeee",
    "waiting": "#eeeeee",
    "derived": "#ffffff",
    "skipped": "#dddddd",
    "failed": "#f4a6a6",
    "incomplete": "#f9d0a8",
    "cancelled": "#c9c9c9",
    "not run": "#ffffff",
}

FORMATS = ("json", "dot", "mermaid", "svg")


def graph_json(jobs: list[dict[str, Any]]) -> dict[str, Any]:
    ids = {job["id"] for job in jobs}
    return {
        "nodes": [
            {"id": j["id"], "task": j["task"], "state": j.get("state"), "target": bool(j.get("target")),
             "complete": bool(j.get("complete", True))}
            for j in jobs
        ],
        "edges": [{"from": p, "to": j["id"]} for j in jobs for p in j.get("parents", []) if p in ids],
    }


def graph_dot(name: str, jobs: list[dict[str, Any]]) -> str:
    lines = [f'digraph "{_quote(name)}" {{', "  rankdir=LR;", '  node [shape=box, style=filled];']
    for job in jobs:
        state = job.get("state") or "derived"
        extra = ", penwidth=2" if job.get("target") else ""
        lines.append(
            f'  "{job["id"]}" [label="{_quote(job["task"])}\\n{job["id"]}\\n{state}", '
            f'fillcolor="{STATE_COLOURS.get(state, "#ffffff")}"{extra}];'
        )
    for edge in graph_json(jobs)["edges"]:
        lines.append(f'  "{edge["from"]}" -> "{edge["to"]}";')
    lines.append("}")
    return "\n".join(lines) + "\n"


def graph_mermaid(jobs: list[dict[str, Any]]) -> str:
    lines = ["flowchart LR"]
    used = set()
    for job in jobs:
        state = job.get("state") or "derived"
        used.add(state)
        left, right = ("[[", "]]") if job.get("target") else ("[", "]")
        label = f'{_quote(job["task"])}<br/>{job["id"]}<br/>{state}'
        lines.append(f'  j{job["id"]}{left}"{label}"{right}:::{_css(state)}')
    for edge in graph_json(jobs)["edges"]:
        lines.append(f'  j{edge["from"]} --> j{edge["to"]}')
    for state in sorted(used):
        lines.append(f"  classDef {_css(state)} fill:{STATE_COLOURS.get(state, '#ffffff')}")
    return "\n".join(lines) + "\n"


def _depths(jobs: list[dict[str, Any]]) -> dict[str, int]:
    """Longest path from a source, so every edge points to a later column."""
    by_id = {job["id"]: job for job in jobs}
    depth: dict[str, int] = {}

    def visit(job_id: str, seen: frozenset[str]) -> int:
        if job_id in depth:
            return depth[job_id]
        parents = [p for p in by_id[job_id].get("parents", []) if p in by_id and p not in seen]
        depth[job_id] = 1 + max((visit(p, seen | {job_id}) for p in parents), default=-1)
        return depth[job_id]

    for job in jobs:
        visit(job["id"], frozenset())
    return depth


def graph_svg(jobs: list[dict[str, Any]]) -> str:
    """Boxes in columns by depth, filled by state, edges as lines; one element per job
    carries ``data-job`` and ``data-state`` so a page (and its test) can read them."""
    width, height, gap_x, gap_y = 170, 46, 60, 18
    depth = _depths(jobs)
    rows: dict[int, int] = {}
    place: dict[str, tuple[int, int]] = {}
    for job in jobs:
        column = depth[job["id"]]
        row = rows.get(column, 0)
        rows[column] = row + 1
        place[job["id"]] = (10 + column * (width + gap_x), 10 + row * (height + gap_y))
    total_w = 20 + (max(rows, default=0) + 1) * (width + gap_x)
    total_h = 20 + max(rows.values(), default=1) * (height + gap_y)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w}" height="{total_h}" '
        f'viewBox="0 0 {total_w} {total_h}" font-family="sans-serif" font-size="11">'
    ]
    for edge in graph_json(jobs)["edges"]:
        (x1, y1), (x2, y2) = place[edge["from"]], place[edge["to"]]
        parts.append(
            f'<line x1="{x1 + width}" y1="{y1 + height // 2}" x2="{x2}" y2="{y2 + height // 2}" '
            'stroke="#777" stroke-width="1.2"/>'
        )
    for job in jobs:
        x, y = place[job["id"]]
        state = job.get("state") or "derived"
        stroke = 2.5 if job.get("target") else 1
        parts.append(
            f'<g class="job" data-job="{escape(job["id"])}" data-state="{escape(state)}">'
            f'<title>{escape(job["task"])} {escape(job["id"])}: {escape(state)}</title>'
            f'<rect x="{x}" y="{y}" width="{width}" height="{height}" rx="5" '
            f'fill="{STATE_COLOURS.get(state, "#ffffff")}" stroke="#333" stroke-width="{stroke}"/>'
            f'<text x="{x + 6}" y="{y + 16}" font-weight="bold">{escape(job["task"][:26])}</text>'
            f'<text x="{x + 6}" y="{y + 30}">{escape(job["id"][:16])}</text>'
            f'<text x="{x + 6}" y="{y + 42}" fill="#444">{escape(state)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _css(state: str) -> str:
    return state.replace(" ", "_")


def _quote(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace('"', '\\"')
