"""Building run-log rows from the job graph and a measured attempt.

The split is the point of the run log: everything taken from the graph (``features``,
``slots``, ``parents``, ``parameters``, input counts) was known before the job ran;
everything passed in as ``measured`` (times, QC, effect) comes from running it. Labels
such as ``changed`` are derived from the measured effect and the stage's declared
tolerance, never from simulator state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx

from .store import dumps


def static_fields(graph: nx.DiGraph, job_id: str) -> dict[str, Any]:
    """The columns of ``job_id`` fixed before it runs (reused across its attempts)."""
    attrs = graph.nodes[job_id]
    job = attrs.get("job")
    features = attrs.get("features") or {}
    parents = {p: graph.edges[p, job_id].get("slot", "main") for p in graph.pred[job_id]}
    n_inputs = features.get("n_inputs", len(job.inputs) if job is not None else None)
    return {
        "job_id": job_id,
        "task": attrs.get("task"),
        "recipe": attrs.get("recipe"),
        "n_inputs": None if n_inputs is None else int(n_inputs),
        "input_bytes": None
        if features.get("input_bytes") is None
        else int(features["input_bytes"]),
        "target": bool(attrs.get("target", False)),
        "skippable": bool(attrs.get("skippable", False)),
        "parents": dumps(parents),
        "slots": dumps(attrs.get("slots") or {}),
        "features": dumps(features),
        "parameters": dumps(job.parameters if job is not None else {}),
        "tolerance": None if job is None or job.tolerance is None else float(job.tolerance),
        "night": None if job is None else job.night,
    }


def job_run_row(
    static: Mapping[str, Any],
    *,
    reduction_id: str,
    workflow: str | None,
    planner: str,
    attempt: int,
    status: str,
    start_ts: float | None = None,
    end_ts: float | None = None,
    cpu_s: float | None = None,
    worker: str | None = None,
    qc: Mapping[str, Any] | None = None,
    effect: float | None = None,
    cache_reason: str | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    """One ``job_runs`` row: the job's static fields plus one measured attempt."""
    tolerance = static.get("tolerance")
    changed = None
    if effect is not None and tolerance is not None:
        changed = bool(effect > tolerance)
    wall = None if start_ts is None or end_ts is None else max(0.0, end_ts - start_ts)
    return {
        **static,
        "reduction_id": reduction_id,
        "workflow": workflow,
        "planner": planner,
        "attempt": int(attempt),
        "status": status,
        "start_ts": start_ts,
        "end_ts": end_ts,
        "wall_s": wall,
        "cpu_s": cpu_s,
        "worker": worker,
        "qc": dumps(dict(qc or {})),
        "effect": None if effect is None else float(effect),
        "changed": changed,
        "cache_reason": cache_reason,
        "error": error,
    }
