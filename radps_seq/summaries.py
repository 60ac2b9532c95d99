"""Summaries first: what a derivation, a dry run, a reduction or a guard check amounts
to in a few lines, with the full detail behind ``--verbose`` or ``--format json``.

Two nights of the imaging cascade derive ~360 jobs; a tree of them is 1,500 lines and a
dry run one line per job. A person first wants the counts per task and per state and the
few things that need action (root failures with their reason and log, what is missing),
each job named by its label next to its id.
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .labels import graph_labels, named

#: A job id inside a message (left out so equal messages group).
_HEX_ID = re.compile(r" ?\b[0-9a-f]{16}\b")
#: How many examples a summary line shows before "and N more".
EXAMPLES = 3


def _examples(items: Sequence[str], limit: int = EXAMPLES) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> list[str]:
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return ["  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in cells]  # fmt: skip


# -- derive -----------------------------------------------------------------------------
def derivation_summary(derivation: Any) -> str:
    """Per task: jobs, complete, incomplete with the missing categories; then inputs
    that could not be used."""
    graph = derivation.graph
    order = graph.graph["order"]
    per_task: dict[str, list[Any]] = defaultdict(list)
    for node in order:
        per_task[graph.nodes[node]["task"]].append(graph.nodes[node]["job"])
    complete = sum(1 for n in order if graph.nodes[n]["complete"])
    lines = [
        f"workflow {derivation.workflow}, targets: {', '.join(derivation.targets) or '-'}",
        f"{len(order)} jobs ({complete} complete, {len(order) - complete} incomplete)",
    ]
    rows = []
    for task, jobs in per_task.items():
        missing = Counter(_HEX_ID.sub("", m) for job in jobs if not job.complete for m in job.missing)
        text = ", ".join(f"{m} ({n})" if n > 1 else m for m, n in missing.most_common())
        done = sum(1 for job in jobs if job.complete)
        rows.append((task, len(jobs), done, len(jobs) - done, text or "-"))
    lines += _table(rows, ("task", "jobs", "complete", "incomplete", "missing"))
    not_processed = [e for e in derivation.incomplete if e["job"] is None]
    if not_processed:
        lines.append(f"not processed ({len(not_processed)} group(s) too small):")
        lines += [f"  {e['task']} ({e['file']}): {'; '.join(e['missing'])}" for e in not_processed[:EXAMPLES]]
    lines += inputs_lines(derivation)
    lines.append("full job tree: --verbose; every field: --format json")
    return "\n".join(lines)


def inputs_lines(derivation: Any) -> list[str]:
    """Inputs that could not be used: unreadable, duplicates, unclassified."""
    lines = []
    if derivation.errors:
        lines.append(f"{len(derivation.errors)} input(s) not used:")
        lines += [f"  {e['file']}: {e['error']}" for e in derivation.errors[: 2 * EXAMPLES]]
        if len(derivation.errors) > 2 * EXAMPLES:
            lines.append(f"  ... {len(derivation.errors) - 2 * EXAMPLES} more (--format json)")
    if derivation.unclassified:
        lines.append(f"unclassified: {len(derivation.unclassified)} file(s), e.g. "
                     f"{_examples(derivation.unclassified)}")  # fmt: skip
    return lines


# -- run -n -----------------------------------------------------------------------------
def decisions_summary(record: Mapping[str, Any], labels: Mapping[str, str], verbose: bool = False) -> str:
    """A dry run per action and task, with the reasons; one line per job with ``verbose``."""
    decisions = record["decisions"]
    lines = [f"dry run, planner {record['planner']}: {len(decisions)} jobs"]
    if verbose:
        for d in decisions:
            who = named(labels.get(d["job"], d["task"]), d["job"])
            lines.append(f"  {d['action']:<6} {who}: {d['reason']}")
    by_action: dict[str, Counter[str]] = defaultdict(Counter)
    reasons: dict[str, Counter[str]] = defaultdict(Counter)
    for d in decisions:
        by_action[d["action"]][d["task"]] += 1
        reasons[d["action"]][_reason_kind(d["reason"])] += 1
    for action in ("run", "reuse", "skip"):
        if action not in by_action:
            continue
        tasks = by_action[action]
        lines.append(f"  {sum(tasks.values())} to {action}: "
                     + ", ".join(f"{t} {n}" for t, n in tasks.most_common()))  # fmt: skip
        lines += [f"      {n} × {why}" for why, n in reasons[action].most_common(EXAMPLES)]
    if not decisions:
        lines.append("  nothing to do")
    if not verbose:
        lines.append("one line per job: --verbose")
    return "\n".join(lines)


def _reason_kind(reason: str) -> str:
    """A reason without the job ids in it, so equal reasons group together."""
    for marker in (" job ", " of job "):
        if marker in reason:
            return reason.split(marker)[0] + marker.rstrip()
    return reason


# -- run --------------------------------------------------------------------------------
def reduction_text(summary: Mapping[str, Any], result: Any, request: Any,
                   derivation: Any = None, verbose: bool = False) -> str:  # fmt: skip
    """The reduction: outcome counts, inputs not used, root failures with their reason
    and log and the jobs they blocked, targets not produced, where everything is."""
    jobs = summary["jobs"]
    counts = Counter("blocked" if j.get("blocked_by") else j["status"] for j in jobs)
    lines = [
        f"reduction {summary['reduction']}: {summary['status']} "
        f"({', '.join(f'{n} {s}' for s, n in counts.most_common())}) "
        f"in {summary['makespan_s']:.1f} s with planner {summary['planner']}",
    ]
    if derivation is not None:
        lines += inputs_lines(derivation)
    if result.refused:
        lines.append(f"the guard refused the proposed plan ({len(result.refused)} violation(s)); ran the baseline")
        lines += [f"  {reason}" for reason in result.refused[:5]]
    lines += failure_lines(jobs, verbose)
    by_id = {j["id"]: j for j in jobs}
    missing = [named(by_id[t]["label"], t) if t in by_id else t for t in result.missing_targets]
    if missing:
        lines.append(f"{len(missing)} target(s) not produced: {_examples(missing)}")
    lines.append(f"products: {request.workdir}/products/<task>/<job id>/  "
                 f"(one job: radps-seq show --workdir {request.workdir} JOB)")  # fmt: skip
    if request.output_dir:
        lines.append(f"target products copied to: {request.output_dir}")
    from .runlog.store import RUNLOG_FILE

    lines.append(f"run log: {request.runlog_url or os.path.join(request.workdir, RUNLOG_FILE)}"
                 f"  (export: radps-seq runs --workdir {request.workdir} --format csv)")
    return "\n".join(lines)


def failure_lines(jobs: Iterable[Mapping[str, Any]], verbose: bool = False) -> list[str]:
    """Each root failure with its reason and log, the jobs it blocked grouped under it."""
    jobs = list(jobs)
    roots = [j for j in jobs if j["status"] == "failed" and not j.get("blocked_by")]
    blocked: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for job in jobs:
        if job.get("blocked_by"):
            blocked[job["blocked_by"]].append(job)
    lines = [f"{len(roots)} job(s) failed:"] if roots else []
    for root in roots:
        reason = (root.get("error") or "failed").split(" (log: ")[0]
        lines.append(f"  {named(root['label'], root['id'])}: {reason}")
        if root.get("log"):
            lines.append(f"      log: {root['log']}")
        under = blocked.get(root["id"], [])
        if under:
            tasks = Counter(j["task"] for j in under)
            lines.append(f"      blocked {len(under)} job(s): "
                         + ", ".join(f"{t} {n}" for t, n in tasks.most_common()))  # fmt: skip
            if verbose:
                lines += [f"        {named(j['label'], j['id'])}" for j in under]
    return lines


# -- check-plan -------------------------------------------------------------------------
def violations_text(violations: Sequence[Any], graph: Any, verbose: bool = False) -> str:
    """Violations per kind with a few examples each (every one with ``verbose``)."""
    if not violations:
        return "valid"
    labels = graph_labels(graph)
    kinds: dict[str, list[Any]] = defaultdict(list)
    for v in violations:
        kinds[v.kind].append(v)
    lines = [f"invalid: {len(violations)} violation(s)"]
    for kind, found in sorted(kinds.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"  {kind}: {len(found)}")
        shown = found if verbose else found[:EXAMPLES]
        for v in shown:
            job = getattr(v, "job", None)
            who = named(labels[job], job) if job in labels else (job or "-")
            lines.append(f"      {who}: {v.detail}")
        if len(found) > len(shown):
            lines.append(f"      ... {len(found) - len(shown)} more (--verbose)")
    return "\n".join(lines)
