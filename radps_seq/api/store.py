"""The service's records: one row per submitted reduction, in the run-log database.

The service keeps nothing it needs in memory (DESIGN.md 7): the request, its status,
the derived job graph, the worker that runs it and its outcome are rows of
``service_reductions`` next to the run log's own tables (SQLite in the work directory
by default, any SQLAlchemy URL such as PostgreSQL for shared use). A restarted service
reads the queue back from here; job states and plans come from the run log's
``reductions`` and ``job_states`` tables, written by the executor as it goes.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, func, select, update
from sqlalchemy.engine import Engine

from radps_seq.runlog.store import open_engine, runlog_url

#: Every status a reduction of the service can have; the last five are final.
STATUSES = ("queued", "running", "derived", "succeeded", "partial", "failed", "cancelled")
FINAL = frozenset(STATUSES[2:])

metadata = MetaData()

service_reductions = Table(
    "service_reductions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("workflow", String(200)),
    Column("planner", String(100)),
    Column("execute", Integer, nullable=False),
    Column("request", Text, nullable=False),
    Column("derivation", Text),
    Column("result", Text),
    Column("error", Text),
    Column("worker_pid", Integer),
    Column("mlflow_run", String(64)),
    Column("mlflow_experiment", String(64)),
    Column("created_ts", Float),
    Column("started_ts", Float),
    Column("finished_ts", Float),
)

_JSON = ("request", "derivation", "result")


def new_id() -> str:
    return uuid.uuid4().hex[:16]


class ServiceStore:
    """Rows of ``service_reductions`` behind a run-log URL or a work directory."""

    def __init__(self, url_or_workdir: str, *, engine: Engine | None = None) -> None:
        self.url = runlog_url(url_or_workdir)
        self.engine = engine or open_engine(self.url)
        for attempt in range(5):  # two services starting on one database: see _create_tables
            try:
                metadata.create_all(self.engine)
                break
            except Exception:
                if attempt == 4:
                    raise
                time.sleep(0.05 * (attempt + 1))

    def add(self, request: Mapping[str, Any], *, status: str, derivation: Any = None) -> str:
        """Insert a new reduction; its ``seq`` orders the queue and the listing."""
        reduction_id = new_id()
        now = time.time()
        with self.engine.begin() as conn:
            seq = conn.execute(select(func.coalesce(func.max(service_reductions.c.seq), 0))).scalar()
            conn.execute(
                service_reductions.insert().values(
                    id=reduction_id,
                    seq=int(seq) + 1,
                    status=status,
                    workflow=request.get("workflow"),
                    planner=request.get("planner"),
                    execute=int(bool(request.get("execute", True))),
                    request=json.dumps(dict(request), sort_keys=True),
                    derivation=None if derivation is None else json.dumps(derivation),
                    created_ts=now,
                    finished_ts=now if status in FINAL else None,
                )
            )
        return reduction_id

    def get(self, reduction_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(service_reductions).where(service_reductions.c.id == reduction_id)
            ).first()
        return None if row is None else _decode(row._mapping)

    def list(self, *, status: Sequence[str] = (), offset: int = 0, limit: int = 50) -> tuple[list[dict], int]:
        """A page of reductions, newest first, and the number matching the filter."""
        table = service_reductions
        where = table.c.status.in_(list(status)) if status else None
        query = select(*(c for c in table.c if c.name not in ("derivation",)))
        count = select(func.count()).select_from(table)
        if where is not None:
            query, count = query.where(where), count.where(where)
        query = query.order_by(table.c.seq.desc(), table.c.created_ts.desc(), table.c.id)
        query = query.offset(offset).limit(limit)
        with self.engine.connect() as conn:
            rows = [_decode(r._mapping) for r in conn.execute(query)]
            total = int(conn.execute(count).scalar() or 0)
        return rows, total

    def update(self, reduction_id: str, *, only_if: Sequence[str] = (), **values: Any) -> bool:
        """Set columns (JSON ones encoded); with ``only_if``, only from those statuses."""
        for name in _JSON:
            if name in values and values[name] is not None:
                values[name] = json.dumps(values[name], default=str)
        if values.get("status") in FINAL and "finished_ts" not in values:
            values["finished_ts"] = time.time()
        query = update(service_reductions).where(service_reductions.c.id == reduction_id)
        if only_if:
            query = query.where(service_reductions.c.status.in_(list(only_if)))
        with self.engine.begin() as conn:
            return conn.execute(query.values(**values)).rowcount > 0

    def queued(self) -> list[dict[str, Any]]:
        """The waiting reductions, oldest first (with their requests)."""
        table = service_reductions
        query = (
            select(table.c.id, table.c.request, table.c.seq)
            .where(table.c.status == "queued")
            .order_by(table.c.seq, table.c.created_ts, table.c.id)
        )
        with self.engine.connect() as conn:
            return [_decode(r._mapping) for r in conn.execute(query)]

    def claim(self, reduction_id: str) -> bool:
        """Move a queued reduction to running; False when someone else (a cancel) won."""
        return self.update(
            reduction_id, only_if=("queued",), status="running", started_ts=time.time()
        )

    def requeue_interrupted(self) -> int:
        """Reductions left running by a service that stopped wait again, to resume."""
        with self.engine.begin() as conn:
            return conn.execute(
                update(service_reductions)
                .where(service_reductions.c.status == "running")
                .values(status="queued", worker_pid=None)
            ).rowcount

    def close(self) -> None:
        self.engine.dispose()


def _decode(mapping: Mapping[str, Any]) -> dict[str, Any]:
    record = dict(mapping)
    for name in _JSON:
        if record.get(name) is not None:
            record[name] = json.loads(record[name])
    return record
