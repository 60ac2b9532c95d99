"""One logged reduction rebuilt as the job graph it ran, with the outcomes it measured.

Training reads a run log and replay reads an exported one; both need the graph back
(parents, slots, features, target, skippable flags) with the same node and edge
attributes a derived graph has, so every sequencer and the guard treat it exactly like
a live reduction. Kept with the run log because it reads nothing but run-log columns.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import networkx as nx

from radps_seq.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

#: (job graph, truth ``{job: {"runtime_s", "changed"}}``, meta).
Trace = tuple[nx.DiGraph, dict[str, dict[str, Any]], dict[str, Any]]

#: Columns a run log needs to be rebuilt as a graph.
REQUIRED_COLUMNS = ("reduction_id", "job_id", "task", "attempt", "status", "wall_s", "parents")


def reduction_graph(frame: pd.DataFrame, where: str, reduction_id: str | None = None) -> Trace:
    """Reduction ``reduction_id`` of ``frame`` (the most recent one when None) as a trace.

    The graph is rebuilt from the latest attempt of each job; truth comes from the
    job's latest *succeeded* attempt anywhere in the log (job ids are content hashes,
    so a job reused here was measured when an earlier reduction ran it).
    ``where`` names the source in error messages.
    """
    import pandas as pd

    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"{where}: run log lacks column(s) {', '.join(missing)}")
    if frame.empty:
        raise InputError(f"{where}: run log has no rows")
    if reduction_id is None:
        if "end_ts" in frame:
            frame = frame.sort_values("end_ts", kind="stable", na_position="first")
        reduction_id = frame["reduction_id"].iloc[-1]
    rows = frame[frame["reduction_id"].astype(str) == str(reduction_id)]
    if rows.empty:
        raise InputError(f"{where}: no rows for reduction {reduction_id!r}")
    first_seen = {job: i for i, job in enumerate(pd.unique(rows.sort_index()["job_id"]))}
    rows = rows.sort_values("attempt", kind="stable")
    latest = rows.groupby("job_id", sort=False).tail(1)
    succeeded = frame[frame["status"] == "succeeded"]
    if "end_ts" in succeeded:
        succeeded = succeeded.sort_values("end_ts", kind="stable", na_position="first")
    measured = {r["job_id"]: r for r in succeeded.to_dict("records")}  # the latest wins
    records = sorted(latest.to_dict("records"), key=lambda r: first_seen[r["job_id"]])
    graph = nx.DiGraph()
    truth: dict[str, dict[str, Any]] = {}
    for r in records:
        job = str(r["job_id"])
        graph.add_node(
            job,
            task=str(r["task"]),
            recipe=_value(r.get("recipe")),
            complete=r["status"] != "incomplete",
            target=bool(_flag(r.get("target"))),
            skippable=bool(_flag(r.get("skippable"))),
            slots=_json_object(r.get("slots"), "slots", job, where),
            features=_json_object(r.get("features"), "features", job, where),
        )
        run = measured.get(r["job_id"], r)
        wall = _value(run.get("wall_s"))
        truth[job] = {"runtime_s": float(wall or 0.0), "changed": _flag(run.get("changed"))}
        written = _json_object(run.get("qc"), "qc", job, where).get("output_bytes")
        if written is not None:
            truth[job]["output_bytes"] = float(written)
    for r in records:
        job = str(r["job_id"])
        for parent, slot in _json_object(r.get("parents"), "parents", job, where).items():
            if parent not in graph:
                raise InputError(f"{where}: job {job!r} has parent {parent!r} not in the log")
            passthrough = graph.nodes[parent]["skippable"] and slot == "main"
            graph.add_edge(parent, job, slot=str(slot), passthrough=passthrough)
    meta = {
        "format": "runlog",
        "source": where,
        "name": str(reduction_id),
        "family": str(_value(records[0].get("workflow")) or "runlog"),
        "size": graph.number_of_nodes(),
    }
    return graph, truth, meta


def _value(value: Any) -> Any:
    """pandas' missing markers (NaN, None, NaT) as None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _flag(value: Any) -> bool | None:
    """A boolean column cell as written by CSV, Parquet or JSON; None when unknown."""
    value = _value(value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("", "none", "null", "nan"):
            return None
        return text in ("true", "1", "yes")
    return bool(value)


def _json_object(value: Any, column: str, job: str, where: str) -> dict[str, Any]:
    value = _value(value)
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{where}: job {job!r}: column {column!r} is not JSON ({exc})"
            ) from exc
    if not isinstance(value, Mapping):
        raise InputError(f"{where}: job {job!r}: column {column!r} must be a JSON object")
    return dict(value)
