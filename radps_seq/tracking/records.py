"""What a run records: parameters, metrics and tags in one batch, JSON and file
artifacts, nested runs. Shared by reductions, comparisons, tuning and training."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient

#: MLflow limits a parameter value's length; longer values are cut with a marker.
MAX_PARAM_LENGTH = 500


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
