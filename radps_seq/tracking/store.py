"""Where MLflow runs go: the tracking URI, the client, experiments and their artifacts.

Tracking follows MLflow's own rules so the UI is the dashboard: an explicit URI wins,
then the ``MLFLOW_TRACKING_URI`` environment variable, then an embedded SQLite file
``mlflow.db`` in the current (work) folder. With a SQLite store the artifacts (tables,
plots, models) go to ``mlartifacts/`` next to the database file, so one folder holds
everything; a tracking server (``http://...``) decides its own artifact store.

The dashboard: ``mlflow ui --backend-store-uri sqlite:///mlflow.db`` in that folder
(or point ``MLFLOW_TRACKING_URI``/``--tracking-uri`` at a server started with
``mlflow server --backend-store-uri postgresql://... --artifacts-destination ...``).

Everything here imports MLflow inside functions, so importing the package costs nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient

DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"
TRACKING_ENV = "MLFLOW_TRACKING_URI"


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


#: MLflow 3 opens an experiment on its runs (not on the GenAI "Traces" view) when this
#: tag says it is classic model development.
EXPERIMENT_KIND = ("mlflow.experimentKind", "custom_model_development")
#: The tag MLflow shows as an experiment's or a run's description.
DESCRIPTION = "mlflow.note.content"


def experiment_id(mlflow_client: MlflowClient, name: str, description: str | None = None) -> str:
    """The id of experiment ``name``, created (with our artifact location) if needed,
    with its kind (so the UI opens it on its runs) and its description set."""
    found = mlflow_client.get_experiment_by_name(name)
    if found is not None:
        if found.lifecycle_stage == "deleted":
            mlflow_client.restore_experiment(found.experiment_id)
        experiment = found.experiment_id
        tags = found.tags or {}
    else:
        root = artifact_root(mlflow_client.tracking_uri)
        location = f"{root}/{name}" if root else None
        experiment = mlflow_client.create_experiment(name, artifact_location=location)
        tags = {}
    if tags.get(EXPERIMENT_KIND[0]) != EXPERIMENT_KIND[1]:
        mlflow_client.set_experiment_tag(experiment, *EXPERIMENT_KIND)
    if description and tags.get(DESCRIPTION) != description:
        mlflow_client.set_experiment_tag(experiment, DESCRIPTION, description)
    return experiment
