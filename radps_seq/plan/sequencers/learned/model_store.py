"""Saving and loading learned models in MLflow's model format.

A saved model is an MLflow ``pyfunc`` model directory (``MLmodel``, environment files,
``artifacts/learned_model.pkl``), so MLflow can log, register, load and serve it. Loading
for planning reads the pickled :class:`~.models.LearnedModel` straight from that
directory: planning with ``--model DIR`` then costs what scikit-learn costs, not an
MLflow import. ``models:/NAME/VERSION`` (and any other MLflow URI) is downloaded first.
"""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import tempfile
import warnings
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from radps_seq.errors import RadpsError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from radps_seq.plan.sequencers.learned.models import LearnedModel

ARTIFACT_FILE = "learned_model.pkl"
#: What a loaded model needs besides radps_seq itself (pinned: pickles are version-bound).
REQUIREMENTS = ("scikit-learn", "numpy", "pandas", "networkx")


class ModelError(RadpsError):
    """A model reference that cannot be loaded or a path that cannot take a model."""


def pip_requirements() -> list[str]:
    """Pinned requirements, given explicitly so MLflow does not spend seconds inferring."""
    out = []
    for name in REQUIREMENTS:
        try:
            out.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            out.append(name)
    return out


@contextmanager
def _pickled(model: LearnedModel) -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ARTIFACT_FILE
        with path.open("wb") as fh:
            pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
        yield str(path)


@contextmanager
def _quiet_mlflow() -> Iterator[None]:
    """MLflow warns that a Python object is cloudpickled and that ``predict`` has no type
    hints; ours is a tiny stateless wrapper around a plain pickle artifact whose input is
    a feature table, so both are noise — as is the artifact progress bar on stderr."""
    logger = logging.getLogger("mlflow.pyfunc")
    level = logger.level
    logger.setLevel(logging.ERROR)
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning, module=r"mlflow\.")
            yield
    finally:
        logger.setLevel(level)


def _jsonable(info: dict[str, Any]) -> dict[str, Any]:
    import json

    return json.loads(json.dumps(info, default=str))


def save_model(model: LearnedModel, path: str | Path) -> Path:
    """Write ``model`` as an MLflow model directory at ``path``.

    An existing MLflow model at ``path`` is replaced; any other non-empty directory is
    refused rather than overwritten.
    """
    import mlflow.pyfunc

    path = Path(path)
    if path.exists():
        if (path / "MLmodel").is_file():
            shutil.rmtree(path)
        elif not path.is_dir() or any(path.iterdir()):
            raise ModelError(f"{path}: exists and is not an MLflow model; choose another --out")
        else:
            path.rmdir()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _pickled(model) as artifact, _quiet_mlflow():
        from radps_seq.plan.sequencers.learned.pyfunc import ARTIFACT, LearnedPyfunc

        mlflow.pyfunc.save_model(
            str(path),
            python_model=LearnedPyfunc(),
            artifacts={ARTIFACT: artifact},
            pip_requirements=pip_requirements(),
            metadata={"radps_seq": _jsonable(model.info)},
        )
    _drop_source_uris(path / "MLmodel")
    return path


def _drop_source_uris(mlmodel: Path) -> None:
    """MLflow records where each artifact was copied *from* (a temporary file here);
    loading uses only the relative path, so the stale absolute location is removed."""
    import yaml

    doc = yaml.safe_load(mlmodel.read_text())
    for info in doc.get("flavors", {}).get("python_function", {}).get("artifacts", {}).values():
        info.pop("uri", None)
    mlmodel.write_text(yaml.safe_dump(doc, sort_keys=False))


def log_model(
    model: LearnedModel, name: str = "model", registered_model_name: str | None = None
) -> Any:
    """Log ``model`` to the active MLflow run (and register it); returns MLflow's info."""
    import mlflow.pyfunc

    with _pickled(model) as artifact, _quiet_mlflow():
        from radps_seq.plan.sequencers.learned.pyfunc import ARTIFACT, LearnedPyfunc

        return mlflow.pyfunc.log_model(
            name=name,
            python_model=LearnedPyfunc(),
            artifacts={ARTIFACT: artifact},
            pip_requirements=pip_requirements(),
            metadata={"radps_seq": _jsonable(model.info)},
            registered_model_name=registered_model_name,
        )


def load_model(ref: str | Path, tracking_uri: str | None = None) -> LearnedModel:
    """A learned model from a directory or an MLflow URI (``models:/NAME/VERSION``,
    ``runs:/RUN/model``); the tracking URI comes from ``tracking_uri``, else
    ``$MLFLOW_TRACKING_URI``, else ``sqlite:///mlflow.db`` here."""
    text = str(ref)
    if "://" in text or text.startswith("models:/") or text.startswith("runs:/"):
        return _read(_download(text, tracking_uri), text)
    path = Path(text)
    if not path.exists():
        raise ModelError(f"{path}: no such model directory (train one with `radps-seq train`)")
    return _read(path, text)


def _download(uri: str, tracking_uri: str | None) -> Path:
    import mlflow.artifacts

    from radps_seq.tracking import client

    client(tracking_uri)
    try:
        with _quiet_mlflow():
            return Path(mlflow.artifacts.download_artifacts(artifact_uri=uri))
    except Exception as exc:  # MLflow raises its own types for unknown names/versions
        raise ModelError(f"{uri}: cannot load model ({exc})") from exc


def _read(path: Path, ref: str) -> LearnedModel:
    from radps_seq.plan.sequencers.learned.models import LearnedModel

    if not (path / "MLmodel").is_file():
        raise ModelError(f"{ref}: not an MLflow model directory (no MLmodel file)")
    artifact = path / "artifacts" / ARTIFACT_FILE
    try:
        with artifact.open("rb") as fh:
            model = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, AttributeError, ImportError) as exc:
        raise ModelError(f"{ref}: not a radps_seq learned model ({exc})") from exc
    if not isinstance(model, LearnedModel):
        raise ModelError(f"{ref}: holds a {type(model).__name__}, not a learned model")
    return model
