"""MLflow glue: where runs go, how experiments are named, and what a run records.

Tracking follows MLflow's own rules so the UI is the dashboard: an explicit URI wins,
then the ``MLFLOW_TRACKING_URI`` environment variable, then an embedded SQLite file
``mlflow.db`` in the current (work) folder. With a SQLite store the artifacts (tables,
plots, models) go to ``mlartifacts/`` next to the database file, so one folder holds
everything; a tracking server (``http://...``) decides its own artifact store.

The dashboard: ``mlflow ui --backend-store-uri sqlite:///mlflow.db`` in that folder
(or point ``MLFLOW_TRACKING_URI``/``--tracking-uri`` at a server started with
``mlflow server --backend-store-uri postgresql://... --artifacts-destination ...``).

Everything here imports MLflow inside functions; the Optuna callback is a small class
of our own (optuna-integration's MLflowCallback is deprecated).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient

DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"
TRACKING_ENV = "MLFLOW_TRACKING_URI"
#: Experiment that real reductions (``radps-seq run``) are logged to.
REDUCTIONS_EXPERIMENT = "radps-seq-reductions"
#: MLflow limits a parameter value's length; longer values are cut with a marker.
MAX_PARAM_LENGTH = 500


def tracking_uri(uri: str | None = None) -> str:
    """The tracking URI to use: ``uri``, else ``$MLFLOW_TRACKING_URI``, else SQLite here."""
    return uri or os.environ.get(TRACKING_ENV) or DEFAULT_TRACKING_URI


def artifact_root(uri: str) -> str | None:
    """``mlartifacts/`` next to a SQLite tracking database; None lets MLflow decide."""
    if uri.startswith("sqlite:///"):
        db = Path(uri.removeprefix("sqlite:///"))
        return (db.resolve().parent / "mlartifacts").as_uri()
    return None


def client(uri: str | None = None) -> MlflowClient:
    """A client for the tracking store (and its model registry) behind ``uri``.

    Also makes it MLflow's current tracking URI, because model logging goes through
    the fluent API.
    """
    import mlflow
    from mlflow.tracking import MlflowClient

    uri = tracking_uri(uri)
    _quiet_store_setup()
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def _quiet_store_setup() -> None:
    """Creating a SQLite store logs every schema migration at INFO; keep stderr for us."""
    import logging

    for name in ("alembic", "mlflow.store.db.utils", "mlflow.store.model_registry"):
        logging.getLogger(name).setLevel(logging.WARNING)


def experiment_id(mlflow_client: MlflowClient, name: str) -> str:
    """The id of experiment ``name``, created (with our artifact location) if needed."""
    found = mlflow_client.get_experiment_by_name(name)
    if found is not None:
        if found.lifecycle_stage == "deleted":
            mlflow_client.restore_experiment(found.experiment_id)
        return found.experiment_id
    root = artifact_root(mlflow_client.tracking_uri)
    location = f"{root}/{name}" if root else None
    return mlflow_client.create_experiment(name, artifact_location=location)


def param_value(value: Any) -> str:
    """A parameter as MLflow stores it: text, JSON for structures, cut to the limit."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= MAX_PARAM_LENGTH else text[: MAX_PARAM_LENGTH - 3] + "..."


def log_values(
    mlflow_client: MlflowClient,
    run_id: str,
    params: Mapping[str, Any] | None = None,
    metrics: Mapping[str, float | None] | None = None,
    tags: Mapping[str, Any] | None = None,
) -> None:
    """Parameters, metrics and tags in one batch (one round trip, one transaction)."""
    import math
    import time

    from mlflow.entities import Metric, Param, RunTag

    now = int(time.time() * 1000)
    mlflow_client.log_batch(
        run_id,
        metrics=[
            Metric(k, float(v), now, 0)
            for k, v in (metrics or {}).items()
            if v is not None and not math.isnan(float(v))
        ],
        params=[Param(k, param_value(v)) for k, v in (params or {}).items()],
        tags=[RunTag(k, param_value(v)) for k, v in (tags or {}).items()],
    )


def log_json(mlflow_client: MlflowClient, run_id: str, data: Any, name: str) -> None:
    """Write ``data`` as an indented JSON artifact ``name``."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(json.dumps(data, indent=2, default=str) + "\n")
        mlflow_client.log_artifact(run_id, str(path))


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
    run id is returned for callers that want to link to it.
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
    mlflow_client = client(tracking_uri)
    run = mlflow_client.create_run(
        experiment_id(mlflow_client, REDUCTIONS_EXPERIMENT),
        run_name=str(summary.get("reduction") or "reduction"),
    )
    run_id = run.info.run_id
    log_values(
        mlflow_client,
        run_id,
        params={"sequencer": planner, "reduction": summary.get("reduction")},
        metrics=metrics,
        tags={
            "radps_seq.kind": "reduction",
            "radps_seq.status": summary.get("status"),
            **({"radps_seq.workdir": str(workdir)} if workdir is not None else {}),
        },
    )
    log_json(mlflow_client, run_id, dict(plan), "plan.json")
    log_json(mlflow_client, run_id, dict(summary), "summary.json")
    status_name = "FINISHED" if summary.get("status") in ("succeeded", "partial") else "FAILED"
    mlflow_client.set_terminated(run_id, status=status_name)
    return run_id


class OptunaMLflowCallback:
    """Log every finished Optuna trial as a nested MLflow run under ``parent_run_id``.

    Parameters are the trial's parameters; metrics are its objective value and any
    ``user_attrs`` that are numbers (the harness stores per-trial makespan ratios
    there). A pruned or failed trial is still logged, with its state, so the UI shows
    the whole search.
    """

    def __init__(self, tracking_uri: str | None, experiment_id: str, parent_run_id: str) -> None:
        self.tracking_uri = tracking_uri
        self.experiment_id = experiment_id
        self.parent_run_id = parent_run_id

    def __call__(self, study: Any, trial: Any) -> None:
        mlflow_client = client(self.tracking_uri)
        run = mlflow_client.create_run(
            self.experiment_id,
            run_name=f"trial-{trial.number}",
            tags={"mlflow.parentRunId": self.parent_run_id},
        )
        numbers = {
            k: v
            for k, v in trial.user_attrs.items()
            if isinstance(v, int | float) and not isinstance(v, bool)
        }
        if trial.value is not None:
            numbers["value"] = trial.value
        log_values(
            mlflow_client,
            run.info.run_id,
            params=trial.params,
            metrics=numbers,
            tags={
                "optuna.study": study.study_name,
                "optuna.trial": trial.number,
                "optuna.state": trial.state.name,
                "radps_seq.kind": "trial",
            },
        )
        finished = trial.state.name == "COMPLETE"
        mlflow_client.set_terminated(run.info.run_id, status="FINISHED" if finished else "FAILED")


def nested_run(
    mlflow_client: MlflowClient,
    experiment: str,
    parent_run_id: str,
    name: str,
    tags: Mapping[str, Any] | None = None,
) -> str:
    """Create a child run of ``parent_run_id``; returns its id."""
    run = mlflow_client.create_run(
        experiment,
        run_name=name,
        tags={
            "mlflow.parentRunId": parent_run_id,
            **{k: param_value(v) for k, v in (tags or {}).items()},
        },
    )
    return run.info.run_id


def log_files(mlflow_client: MlflowClient, run_id: str, paths: Iterable[Path]) -> None:
    for path in paths:
        mlflow_client.log_artifact(run_id, str(path))
