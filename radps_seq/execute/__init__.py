"""Executing checked plans: executors (local, Dask), cache keys, the product store,
recipe calls, dry runs.

The public entry points are :func:`execute` (run a reduction), :func:`dry_run` (say
what would run or be reused, and why) and :func:`run_job_folder` (re-run one job from
its folder, what each job's ``command.sh`` does).
"""

from .dry_run import dry_run, reusable
from .engine import execute
from .executors import EXECUTORS, get_executor
from .folder import run_job_folder
from .prepare import Prepared, prepare
from .result import (
    CACHED,
    FAILED,
    INCOMPLETE,
    SKIPPED,
    SUCCEEDED,
    Decision,
    JobOutcome,
    ReductionResult,
)

__all__ = [
    "CACHED",
    "EXECUTORS",
    "FAILED",
    "INCOMPLETE",
    "SKIPPED",
    "SUCCEEDED",
    "Decision",
    "JobOutcome",
    "Prepared",
    "ReductionResult",
    "dry_run",
    "execute",
    "get_executor",
    "prepare",
    "reusable",
    "run_job_folder",
]
