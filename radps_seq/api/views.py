"""What the API answers about reductions, assembled from the database.

A reduction's record joins the service's row (request, status, derived graph, outcome)
with what the executor wrote into the run log under the same id: the checked plan,
the guard's refusals, the current state of every job and each attempt's times.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from radps_seq.runlog import JSON_COLUMNS, RUN_COLUMNS, RunLog, job_runs

#: Filters of ``GET /runs``: query parameter → run-log column.
RUN_FILTERS = ("reduction_id", "workflow", "task", "status", "planner", "job_id")


def summary(row: dict[str, Any]) -> dict[str, Any]:
    """The short form used in listings."""
    return {
        "id": row["id"],
        "status": row["status"],
        "workflow": row["workflow"],
        "planner": row["planner"],
        "execute": bool(row["execute"]),
        "created_ts": row["created_ts"],
        "started_ts": row["started_ts"],
        "finished_ts": row["finished_ts"],
        "error": row["error"],
        "href": f"/reductions/{row['id']}",
    }


def _state(status: str, stored: str | None) -> str:
    if stored is None:
        waiting = {"derived": "derived", "queued": "waiting", "running": "pending", "cancelled": "cancelled"}
        return waiting.get(status, "not run")
    if status == "cancelled" and stored in ("pending", "running"):
        return "cancelled"
    return stored


def reduction(row: dict[str, Any], runlog: RunLog, mlflow_ui: str | None = None) -> dict[str, Any]:
    """The full record of one reduction (``GET /reductions/{id}``)."""
    record = summary(row)
    derivation = row.get("derivation") or {}
    logged = runlog.reduction(row["id"]) or {}
    states = runlog.job_states(row["id"])
    outcome = row.get("result") or {}
    jobs = [dict(job, state=_state(row["status"], states.get(job["id"]))) for job in derivation.get("jobs", [])]
    products = {
        job["id"]: job["products"]
        for job in (outcome.get("summary") or {}).get("jobs", [])
        if job.get("products")
    }
    record.update(
        request=(row.get("request") or {}).get("body"),
        targets=derivation.get("targets", []),
        jobs=jobs,
        unclassified=derivation.get("unclassified", []),
        errors=derivation.get("errors", []),
        incomplete=derivation.get("incomplete", []),
        plan=outcome.get("plan") or logged.get("plan"),
        refused=list(outcome.get("refused") or logged.get("refused") or []),
        missing_targets=outcome.get("missing_targets", []),
        products=products,
        timings=_timings(row, outcome, runlog),
        mlflow=_mlflow(row, mlflow_ui),
    )
    if logged.get("planner"):
        record["planner"] = logged["planner"]
    return record


def _timings(row: dict[str, Any], outcome: dict[str, Any], runlog: RunLog) -> dict[str, Any]:
    started, finished, created = row["started_ts"], row["finished_ts"], row["created_ts"]
    return {
        "created_ts": created,
        "started_ts": started,
        "finished_ts": finished,
        "queued_s": None if started is None else round(started - created, 3),
        "total_s": None if finished is None or started is None else round(finished - started, 3),
        "makespan_s": (outcome.get("summary") or {}).get("makespan_s"),
        "jobs": [
            {k: r[k] for k in ("job_id", "task", "status", "attempt", "start_ts", "end_ts", "wall_s")}
            for r in runs(runlog, {"reduction_id": row["id"]}, 0, 10000)[0]
        ],
    }


def _mlflow(row: dict[str, Any], ui: str | None) -> dict[str, Any] | None:
    if not row.get("mlflow_run"):
        return None
    url = None
    if ui:
        url = f"{ui.rstrip('/')}/#/experiments/{row['mlflow_experiment']}/runs/{row['mlflow_run']}"
    return {"run_id": row["mlflow_run"], "experiment_id": row["mlflow_experiment"], "url": url}


def runs(runlog: RunLog, filters: dict[str, str], offset: int, limit: int) -> tuple[list[dict], int]:
    """Run-log rows matching ``filters`` (exact values), in insertion order, and their count."""
    from sqlalchemy import func

    query = select(*(job_runs.c[name] for name in RUN_COLUMNS))
    count = select(func.count()).select_from(job_runs)
    for name, value in filters.items():
        if value is not None:
            query = query.where(job_runs.c[name] == value)
            count = count.where(job_runs.c[name] == value)
    query = query.order_by(job_runs.c.id).offset(offset).limit(limit)
    with runlog.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
        total = int(conn.execute(count).scalar() or 0)
    for row in rows:
        for name in JSON_COLUMNS:
            if row.get(name) is not None:
                row[name] = json.loads(row[name])
    return rows, total
