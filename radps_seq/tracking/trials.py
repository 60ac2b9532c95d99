"""Optuna trials as nested MLflow runs: a small callback of our own
(optuna-integration's MLflowCallback is deprecated)."""

from __future__ import annotations

from typing import Any

from .records import log_values
from .store import client


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
