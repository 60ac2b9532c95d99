"""One finished run written straight into an embedded (SQLite) MLflow store.

Importing MLflow costs more than a whole no-op re-run of a night (its client pulls in
its server, pydantic and the migrations), so a reduction logs through here when it can:
plain sqlite3 rows in MLflow's own tables, artifacts as files under the experiment's
``file://`` artifact location — exactly what MLflow's SQLAlchemy store writes for
``create_run``, ``log_batch``, ``log_artifact`` and ``set_terminated``. Only when
everything is as this module knows it: a SQLite URI whose database exists, the
experiment already there (active, artifacts on local disk), and MLflow's tables with
exactly the columns written here. Otherwise :func:`log_run` returns None and the caller
goes through the MLflow client, which also creates stores and experiments.
"""

from __future__ import annotations

import json
import math
import shutil
import sqlite3
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from .records import param_value

#: The user MlflowClient.create_run records when none is given.
USER = "unknown"
#: The columns written, per table; a store whose tables differ is left to MLflow.
COLUMNS = {
    "runs": (
        "run_uuid", "name", "source_type", "source_name", "entry_point_name", "user_id",
        "status", "start_time", "end_time", "source_version", "lifecycle_stage",
        "artifact_uri", "experiment_id", "deleted_time",
    ),
    "tags": ("key", "value", "run_uuid"),
    "params": ("key", "value", "run_uuid"),
    "metrics": ("key", "value", "timestamp", "run_uuid", "step", "is_nan"),
    "latest_metrics": ("key", "value", "timestamp", "step", "is_nan", "run_uuid"),
    "experiment_tags": ("key", "value", "experiment_id"),
}  # fmt: skip


@dataclass(frozen=True)
class RunRecord:
    """A finished run: its name, values, JSON artifacts (file name -> data), other
    artifact files, its start and end (ms; now when not given), its final status
    (``FINISHED``, ``FAILED``, ``KILLED``) and tags its experiment must carry."""

    name: str
    params: Mapping[str, Any]
    metrics: Mapping[str, float | None]
    tags: Mapping[str, Any]
    artifacts: Mapping[str, Any]
    status: str
    start_ms: int | None = None
    end_ms: int | None = None
    files: tuple[Path, ...] = ()
    experiment_tags: Mapping[str, str] = field(default_factory=dict)


def log_run(uri: str, experiment: str, record: RunRecord) -> str | None:
    """The id of the finished run written, or None when this store is left to MLflow."""
    if not uri.startswith("sqlite:///") or not Path(uri.removeprefix("sqlite:///")).is_file():
        return None
    conn = sqlite3.connect(uri.removeprefix("sqlite:///"), timeout=30)
    try:
        location = _experiment(conn, experiment)
        if location is None:
            return None
        experiment_id, root = location
        run_id = uuid.uuid4().hex
        folder = root / run_id / "artifacts"
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in record.artifacts.items():
            (folder / name).write_text(json.dumps(data, indent=2, default=str) + "\n")
        for path in record.files:
            shutil.copyfile(path, folder / Path(path).name)
        with conn:
            _write(conn, run_id, experiment_id, folder.as_uri(), record)
        return run_id
    except (sqlite3.Error, OSError):
        return None
    finally:
        conn.close()


def _experiment(conn: sqlite3.Connection, name: str) -> tuple[int, Path] | None:
    """(id, artifact folder) of the active experiment ``name`` with local artifacts."""
    for table, columns in COLUMNS.items():
        found = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
        if sorted(found) != sorted(columns):
            return None
    row = conn.execute(
        "SELECT experiment_id, artifact_location, lifecycle_stage FROM experiments "
        "WHERE name = ?",
        (name,),
    ).fetchone()
    if row is None or row[2] != "active" or not str(row[1]).startswith("file://"):
        return None
    return int(row[0]), Path(unquote(urlparse(row[1]).path))


def _write(
    conn: sqlite3.Connection, run_id: str, experiment_id: int, artifact_uri: str, record: RunRecord
) -> None:
    now = int(time.time() * 1000)
    conn.execute(
        f"INSERT INTO runs ({', '.join(COLUMNS['runs'])}) VALUES ({', '.join('?' * 14)})",
        (run_id, record.name, "UNKNOWN", "", "", USER, record.status, record.start_ms or now,
         record.end_ms or now, "", "active", artifact_uri, experiment_id, None),
    )  # fmt: skip
    conn.executemany(
        "INSERT OR REPLACE INTO experiment_tags (key, value, experiment_id) VALUES (?, ?, ?)",
        [(k, v, experiment_id) for k, v in record.experiment_tags.items()],
    )
    tag_rows = {"mlflow.runName": record.name, **{k: param_value(v) for k, v in record.tags.items()}}
    conn.executemany(
        "INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)",
        [(k, v, run_id) for k, v in tag_rows.items()],
    )
    conn.executemany(
        "INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)",
        [(k, param_value(v), run_id) for k, v in record.params.items()],
    )
    values = [
        (k, float(v))
        for k, v in record.metrics.items()
        if v is not None and not math.isnan(float(v))
    ]
    conn.executemany(
        "INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) "
        "VALUES (?, ?, ?, ?, 0, 0)",
        [(k, v, now, run_id) for k, v in values],
    )
    conn.executemany(
        "INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) "
        "VALUES (?, ?, ?, 0, 0, ?)",
        [(k, v, now, run_id) for k, v in values],
    )
