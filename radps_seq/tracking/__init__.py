"""MLflow glue used by reductions and experiments alike (below both of them).

The tracking URI is always passed explicitly (``None`` means MLflow's own rule:
``$MLFLOW_TRACKING_URI``, else ``sqlite:///mlflow.db`` here); nothing here writes it
into the environment, so a caller that is not the command line logs where it says.
Importing this package imports no MLflow: every function does that when called.
"""

from .records import MAX_PARAM_LENGTH, log_files, log_json, log_values, nested_run, param_value
from .reductions import REDUCTIONS_EXPERIMENT, log_reduction_run
from .store import (
    DEFAULT_TRACKING_URI,
    DESCRIPTION,
    EXPERIMENT_KIND,
    TRACKING_ENV,
    artifact_root,
    client,
    experiment_id,
    tracking_uri,
)
from .trials import OptunaMLflowCallback

__all__ = [
    "DEFAULT_TRACKING_URI",
    "DESCRIPTION",
    "EXPERIMENT_KIND",
    "MAX_PARAM_LENGTH",
    "REDUCTIONS_EXPERIMENT",
    "TRACKING_ENV",
    "OptunaMLflowCallback",
    "artifact_root",
    "client",
    "experiment_id",
    "log_files",
    "log_json",
    "log_reduction_run",
    "log_values",
    "nested_run",
    "param_value",
    "tracking_uri",
]
