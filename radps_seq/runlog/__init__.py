"""The run log: every job execution attempt with what was known before it ran (features,
parameters) and what was measured (times, QC, effect), in SQL behind a URL."""

from .export import FORMATS, export_runs, load_runs
from .rows import job_run_row, static_fields
from .schema import JSON_COLUMNS, RUN_COLUMNS, STATUSES, job_runs, job_states, reductions
from .store import RUNLOG_FILE, RunLog, RunLogError, runlog_url

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
