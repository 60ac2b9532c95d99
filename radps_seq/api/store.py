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
import os
import socket
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, func, select, update
from sqlalchemy.engine import Engine

from radps_seq.runlog.store import open_engine, process_alive, runlog_url

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
    Column("owner", String(64)),  # the service instance whose worker runs it
    Column("mlflow_run", String(64)),
    Column("mlflow_experiment", String(64)),
    Column("created_ts", Float),
    Column("started_ts", Float),
    Column("finished_ts", Float),
)

#: One row per service instance started on the database; a running reduction names
#: its owner, so a service starting next to a live one leaves that one's work alone.
service_instances = Table(
    "service_instances",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_ts", Float, nullable=False),
    Column("heartbeat_ts", Float, nullable=False),
)

_JSON = ("request", "derivation", "result")
#: An instance that has not written its heartbeat for this long is gone (any host).
LEASE_S = 30.0


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
                _add_owner_column(self.engine)
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

    def claim(self, reduction_id: str, owner: str | None = None) -> bool:
        """Move a queued reduction to running; False when someone else (a cancel or
        another service) won."""
        return self.update(
            reduction_id, only_if=("queued",), status="running", started_ts=time.time(), owner=owner
        )

    def register(self) -> str:
        """A new service instance of this process: its id, heartbeat written now."""
        instance, now = new_id(), time.time()
        with self.engine.begin() as conn:
            conn.execute(service_instances.insert().values(
                id=instance, host=socket.gethostname(), pid=os.getpid(), started_ts=now, heartbeat_ts=now))
        return instance

    def heartbeat(self, instance: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(service_instances).where(service_instances.c.id == instance)
                         .values(heartbeat_ts=time.time()))

    def unregister(self, instance: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(service_instances.delete().where(service_instances.c.id == instance))

    def requeue_interrupted(self, keep: str | None = None) -> int:
        """Reductions left running by a service that is gone wait again, to resume.

        A reduction owned by a live instance (``keep``, or another service on the same
        database) is left to it: gone means no instance row, a heartbeat older than
        :data:`LEASE_S`, or a process of this host that no longer exists."""
        with self.engine.connect() as conn:
            instances = list(conn.execute(select(service_instances)))
        live = sorted(row.id for row in instances if row.id == keep or _live(row))
        table = service_reductions
        query = update(table).where(table.c.status == "running")
        if live:
            query = query.where(table.c.owner.is_(None) | table.c.owner.notin_(live))
        with self.engine.begin() as conn:
            conn.execute(service_instances.delete().where(service_instances.c.id.notin_(live or [""])))
            return conn.execute(query.values(status="queued", worker_pid=None, owner=None)).rowcount

    def close(self) -> None:
        self.engine.dispose()


def _live(instance: Any) -> bool:
    """A fresh heartbeat, and on this host a process that is still the one that started
    the instance (not another that the system gave the same pid)."""
    if time.time() - instance.heartbeat_ts > LEASE_S:
        return False
    return instance.host != socket.gethostname() or process_alive(instance.pid, instance.started_ts)


def _add_owner_column(engine: Engine) -> None:
    """Databases made before reductions had owners get the column (none own a row)."""
    from sqlalchemy import inspect, text

    if "owner" not in {c["name"] for c in inspect(engine).get_columns("service_reductions")}:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE service_reductions ADD COLUMN owner VARCHAR(64)"))


def _decode(mapping: Mapping[str, Any]) -> dict[str, Any]:
    record = dict(mapping)
    for name in _JSON:
        if record.get(name) is not None:
            record[name] = json.loads(record[name])
    return record
