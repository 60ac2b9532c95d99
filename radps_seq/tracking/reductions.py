"""Real reductions as MLflow runs, next to the offline experiments."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping
from typing import Any

from .direct import RunRecord, log_run
from .records import log_json, log_values
from .store import client, experiment_id
from .store import tracking_uri as store_uri

#: Experiment that real reductions (``radps-seq run``) are logged to.
REDUCTIONS_EXPERIMENT = "radps-seq-reductions"


def log_reduction_run(
    summary: Mapping[str, Any],
    plan: Mapping[str, Any],
    tracking_uri: str | None = None,
    workdir: str | os.PathLike | None = None,
) -> str:
    """Record one real reduction as an MLflow run; returns the run id.

    ``summary`` is the ``radps-seq run --format json`` summary (reduction, status,
    planner, makespan_s, jobs with their status and wall_s, optionally refused) and
    ``plan`` the plan that ran. The run carries the same names as offline experiments
    (``sequencer``, ``makespan_s``, ``skipped``, ``refusals``) so real runs and replays
    can be compared side by side in the UI. ``radps-seq run`` prints nothing extra; the
    run id is returned for callers that want to link to it. An embedded store that
    already holds the experiment is written without importing MLflow
    (:mod:`radps_seq.tracking.direct`); anything else goes through the MLflow client.
    """
    jobs = list(summary.get("jobs") or [])
    status = Counter(str(j.get("status")) for j in jobs)
    refused = summary.get("refused") or []
    refusals = len(refused) if isinstance(refused, list | tuple) else int(bool(refused))
    planner = summary.get("planner") or plan.get("planner")
    metrics = {
        "makespan_s": summary.get("makespan_s"),
        "jobs": len(jobs),
        "compute_s": sum(
            float(j.get("wall_s") or 0.0) for j in jobs if j.get("status") == "succeeded"
        ),
        "skipped": status.get("skipped", 0),
        "skips_planned": len(plan.get("skip") or []),
        "cache_hits": status.get("cached", 0),
        "failed": status.get("failed", 0),
        "incomplete": status.get("incomplete", 0),
        "succeeded": status.get("succeeded", 0),
        "refusals": refusals,
    }
    record = RunRecord(
        name=str(summary.get("reduction") or "reduction"),
        params={"sequencer": planner, "reduction": summary.get("reduction")},
        metrics=metrics,
        tags={
            "radps_seq.kind": "reduction",
            "radps_seq.status": summary.get("status"),
            **({"radps_seq.workdir": str(workdir)} if workdir is not None else {}),
        },
        artifacts={"plan.json": dict(plan), "summary.json": dict(summary)},
        status="FINISHED" if summary.get("status") in ("succeeded", "partial") else "FAILED",
    )
    uri = store_uri(tracking_uri)
    run_id = log_run(uri, REDUCTIONS_EXPERIMENT, record)
    if run_id is not None:
        return run_id
    mlflow_client = client(uri)
    run_id = mlflow_client.create_run(
        experiment_id(mlflow_client, REDUCTIONS_EXPERIMENT), run_name=record.name
    ).info.run_id
    log_values(mlflow_client, run_id, params=record.params, metrics=metrics, tags=record.tags)
    for file_name, data in record.artifacts.items():
        log_json(mlflow_client, run_id, data, file_name)
    mlflow_client.set_terminated(run_id, status=record.status)
    return run_id
