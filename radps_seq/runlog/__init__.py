"""The run log: every job execution attempt with what was known before it ran (features,
parameters) and what was measured (times, QC, effect), in SQL behind a URL."""

from __future__ import annotations

from typing import Any

from .columns import JSON_COLUMNS, RUN_COLUMNS, STATUSES
from .export import FORMATS, export_runs, load_runs
from .rows import job_run_row, static_fields
from .store import RUNLOG_FILE, RunLog, RunLogError, runlog_url


def __getattr__(name: str) -> Any:
    """The SQLAlchemy tables, imported on first use (a run does not need them)."""
    if name in ("job_runs", "job_states", "reductions"):
        from . import schema

        return getattr(schema, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FORMATS",
    "JSON_COLUMNS",
    "RUNLOG_FILE",
    "RUN_COLUMNS",
    "STATUSES",
    "RunLog",
    "RunLogError",
    "export_runs",
    "job_run_row",
    "job_runs",
    "job_states",
    "load_runs",
    "reductions",
    "runlog_url",
    "static_fields",
]
