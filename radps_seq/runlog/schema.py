"""The run-log schema (DESIGN.md 5.4): SQLAlchemy Core tables, any SQL database.

Three tables, so that a service can be put in front of the engine without keeping
state in memory (DESIGN.md 7):

- ``job_runs``: one row per job execution attempt, the contract columns. What a model
  may learn from (``features``, ``parameters``, counts) is what was known before the job
  ran; outcomes (``wall_s``, ``cpu_s``, ``qc``, ``effect``, ``changed``) are measured.
- ``reductions``: one row per request, with its plan, the guard's refusal reasons and
  the JSON summary once it finished.
- ``job_states``: the current state of every job of a reduction.
- ``reduction_owners``: the host and process running a reduction, so a later run can
  tell a reduction whose process died (``kill -9``, a crash) from one still running.

Structured fields are JSON text rather than a JSON column type so that every backend
(SQLite, PostgreSQL, ...) stores and exports them the same way.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from .columns import JSON_COLUMNS, RUN_COLUMNS, STATUSES

__all__ = ["JSON_COLUMNS", "RUN_COLUMNS", "STATUSES", "job_runs", "job_states", "metadata", "reductions"]

metadata = MetaData()

job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("reduction_id", String(64), nullable=False),
    Column("workflow", String(200)),
    Column("job_id", String(64), nullable=False),
    Column("task", String(200), nullable=False),
    Column("recipe", String(200)),
    Column("planner", String(100)),
    Column("attempt", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("start_ts", Float),
    Column("end_ts", Float),
    Column("wall_s", Float),
    Column("cpu_s", Float),
    Column("worker", String(200)),
    Column("n_inputs", Integer),
    Column("input_bytes", Integer),
    Column("target", Boolean),
    Column("skippable", Boolean),
    Column("parents", Text),
    Column("slots", Text),
    Column("features", Text),
    Column("parameters", Text),
    Column("qc", Text),
    Column("effect", Float),
    Column("tolerance", Float),
    Column("changed", Boolean),
    Column("cache_reason", Text),
    Column("error", Text),
    Column("night", String(32)),
    Index("ix_job_runs_reduction", "reduction_id"),
    Index("ix_job_runs_job", "job_id"),
)

reductions = Table(
    "reductions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("workflow", String(200)),
    Column("targets", Text),
    Column("inputs", Text),
    Column("planner", String(100)),
    Column("executor", String(32)),
    Column("workers", Integer),
    Column("workdir", Text),
    Column("status", String(16), nullable=False),
    Column("created_ts", Float),
    Column("started_ts", Float),
    Column("finished_ts", Float),
    Column("summary", Text),
    Column("plan", Text),
    Column("refused", Text),
)

job_states = Table(
    "job_states",
    metadata,
    Column("reduction_id", String(64), primary_key=True),
    Column("job_id", String(64), primary_key=True),
    Column("task", String(200)),
    Column("state", String(16), nullable=False),
    Column("updated_ts", Float),
)

reduction_owners = Table(
    "reduction_owners",
    metadata,
    Column("reduction_id", String(64), primary_key=True),
    Column("host", String(200)),
    Column("pid", Integer),
)
