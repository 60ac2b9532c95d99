"""The run-log store: the schema behind a SQLAlchemy URL, SQLite in the work directory
by default (``W/runlog.sqlite``), any other database (PostgreSQL, ...) by URL.

SQLAlchemy is imported only when it is needed: the writes of a reduction into an
existing SQLite run log go through :mod:`.sqlite_writes` (the standard library).
Writes come in batches (``add_runs``, ``set_states`` take many rows at once) because the
executor's overhead target is below a millisecond per job; one transaction per batch
keeps a 1,000-job dummy run from turning into 1,000 commits.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from radps_seq.errors import RadpsError
from radps_seq.sqlite_wal import enable_wal, readonly_uri, writable

from .sqlite_writes import SqliteWrites

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Engine

#: File name of the run log inside a work directory.
RUNLOG_FILE = "runlog.sqlite"


class RunLogError(RadpsError):
    """A run log that cannot be opened or read."""


def runlog_url(url_or_workdir: str | os.PathLike) -> str:
    """A SQLAlchemy URL: given as is (``scheme://...``), or the work directory's SQLite file."""
    text = os.fspath(url_or_workdir)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).resolve() / RUNLOG_FILE}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    enable_wal(dbapi_connection, 60)


def open_engine(url: str, *, create: bool = True) -> Engine:
    """An engine for ``url``; SQLite files get WAL mode and a generous lock timeout."""
    from sqlalchemy import create_engine, event

    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not create and not path.is_file():
            raise RunLogError(
                f"no run log at {path} (run a reduction in that work directory first)"
            )
        if not create and not writable(path.parent):  # a read-only store is read as it is
            return create_engine(f"sqlite:///{readonly_uri(path)}&uri=true")
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        try:
            engine = create_engine(url)
        except Exception as exc:  # bad scheme, missing driver: name the URL
            raise RunLogError(f"cannot open run log {url!r}: {exc}") from exc
    return engine


def _create_tables(engine: Engine, attempts: int = 5) -> None:
    """Create the missing tables. Two runs starting on a new database may both find a
    table missing and both create it; the loser sees "already exists" and looks again."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from .schema import metadata

    for attempt in range(attempts):
        try:
            metadata.create_all(engine)
            return
        except (OperationalError, ProgrammingError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def dumps(value: Any) -> str | None:
    """JSON text of a structured field (keys sorted so equal values compare equal)."""
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def process_started(pid: int) -> float | None:
    """When process ``pid`` started (epoch seconds), where the system says (Linux
    ``/proc``); None elsewhere or when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rpartition(")")[2].split()
        with open("/proc/stat") as handle:
            boot = next(float(line.split()[1]) for line in handle if line.startswith("btime "))
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def process_alive(pid: int | None, since: float | None = None) -> bool:
    """Whether process ``pid`` of this host, the one that was running at ``since``, still
    exists. A process with that pid that started after ``since`` is another one: the
    system reused the number of a process that was killed."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        pass
    started = process_started(pid) if since is not None else None
    return started is None or started <= since + 1.0  # /proc's start time is in ticks


class RunLog:
    """One run-log database: reductions, job execution attempts and job states."""

    def __init__(self, url_or_workdir: str | os.PathLike, *, create: bool = True) -> None:
        self.url = runlog_url(url_or_workdir)
        self._engine: Engine | None = None
        self.writes = SqliteWrites.open(self.url) if create else None
        if self.writes is None:
            self._engine = open_engine(self.url, create=create)
            if create:
                _create_tables(self._engine)

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (opened on first use when writes go through sqlite3)."""
        if self._engine is None:
            self._engine = open_engine(self.url, create=False)
        return self._engine

    # -- reductions -----------------------------------------------------------------
    def start_reduction(
        self,
        reduction_id: str,
        *,
        workflow: str | None,
        targets: Sequence[str],
        inputs: Sequence[str],
        planner: str,
        plan: Mapping[str, Any],
        refused: Sequence[str] = (),
        executor: str = "local",
        workers: int = 1,
        workdir: str | None = None,
    ) -> None:
        now = time.time()
        record = {
            "workflow": workflow,
            "targets": dumps(list(targets)),
            "inputs": dumps(list(inputs)),
            "planner": planner,
            "executor": executor,
            "workers": int(workers),
            "workdir": workdir,
            "status": "running",
            "started_ts": now,
            "finished_ts": None,
            "summary": None,
            "plan": dumps(dict(plan)),
            "refused": dumps(list(refused)),
        }
        owner = {"reduction_id": reduction_id, "host": socket.gethostname(), "pid": os.getpid()}
        if self.writes is not None:
            self.writes.upsert_reduction(reduction_id, record, now)
            self.writes.set_owner(owner)
            return
        from sqlalchemy import delete, insert, select, update

        from .schema import reduction_owners, reductions

        with self.engine.begin() as conn:
            found = conn.execute(
                select(reductions.c.id).where(reductions.c.id == reduction_id)
            ).first()
            if found:
                conn.execute(
                    update(reductions).where(reductions.c.id == reduction_id).values(**record)
                )
            else:
                conn.execute(insert(reductions).values(id=reduction_id, created_ts=now, **record))
            conn.execute(delete(reduction_owners).where(reduction_owners.c.reduction_id == reduction_id))
            conn.execute(insert(reduction_owners).values(**owner))

    def finish_reduction(self, reduction_id: str, status: str, summary: Mapping[str, Any]) -> None:
        values = {"status": status, "finished_ts": time.time(), "summary": dumps(dict(summary))}
        if self.writes is not None:
            self.writes.update_reduction(reduction_id, values)
            return
        from sqlalchemy import update

        from .schema import reductions

        with self.engine.begin() as conn:
            conn.execute(update(reductions).where(reductions.c.id == reduction_id).values(**values))

    def _sql(self, statements: Sequence[tuple[str, Mapping[str, Any]]]) -> list[list[tuple]]:
        """Run plain SQL statements in one transaction; the rows of each. Through sqlite3
        when the run log is a SQLite file (no SQLAlchemy import on a no-op re-run)."""
        if self.writes is not None:
            with self.writes._connect() as conn:
                return [conn.execute(sql, dict(params)).fetchall() for sql, params in statements]
        from sqlalchemy import text

        with self.engine.begin() as conn:
            results = []
            for sql, params in statements:
                result = conn.execute(text(sql), dict(params))
                results.append([tuple(r) for r in result] if result.returns_rows else [])
            return results

    def mark_dead(self) -> list[dict[str, Any]]:
        """Mark ``killed`` the running reductions of this host whose process is gone, and
        their unfinished job states; returns them (id, started_ts, unfinished jobs)."""
        host = socket.gethostname()
        [running] = self._sql([(
            "SELECT r.id, r.started_ts, r.workflow, r.planner, o.pid FROM reductions r"
            " JOIN reduction_owners o ON o.reduction_id = r.id"
            " WHERE r.status = 'running' AND o.host = :host", {"host": host})])  # fmt: skip
        dead = []
        for reduction_id, started, workflow, planner, pid in running:
            if process_alive(pid, started):
                continue
            where = {"id": reduction_id, "now": time.time()}
            summary = dumps({"error": f"its process {pid} on {host} ended without finishing it"})
            unfinished, logged, _, _ = self._sql([
                ("SELECT job_id FROM job_states WHERE reduction_id = :id"
                 " AND state IN ('running', 'pending')", where),
                ("SELECT DISTINCT job_id FROM job_runs WHERE reduction_id = :id", where),
                ("UPDATE job_states SET state = 'killed', updated_ts = :now WHERE reduction_id = :id"
                 " AND state IN ('running', 'pending')", where),
                ("UPDATE reductions SET status = 'killed', finished_ts = :now, summary = :summary"
                 " WHERE id = :id", {**where, "summary": summary}),
            ])  # fmt: skip
            dead.append({"id": reduction_id, "started_ts": started, "workflow": workflow,
                         "planner": planner,
                         "unfinished": sorted({r[0] for r in unfinished} - {r[0] for r in logged})})  # fmt: skip
        return dead

    def mean_runtimes(self, workflow: str | None = None) -> dict[str, float]:
        """``{task: mean wall_s}`` of the jobs that ran (not reused) in past reductions."""
        sql = ("SELECT task, AVG(wall_s) FROM job_runs WHERE status = 'succeeded'"
               " AND wall_s IS NOT NULL")  # fmt: skip
        if workflow is not None:
            sql += " AND workflow = :workflow"
        [rows] = self._sql([(sql + " GROUP BY task", {"workflow": workflow})])
        return {task: float(mean) for task, mean in rows}

    def reductions(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The reductions, newest first: id, workflow, planner, status, times, workers."""
        from sqlalchemy import select

        from .schema import reductions

        columns = [reductions.c[name] for name in (
            "id", "workflow", "planner", "executor", "workers", "status", "started_ts",
            "finished_ts", "targets", "summary")]  # fmt: skip
        query = select(*columns).order_by(reductions.c.started_ts.desc())
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            rows = [dict(row._mapping) for row in conn.execute(query)]
        for row in rows:
            for name in ("targets", "summary"):
                row[name] = json.loads(row[name]) if row[name] else None
        return rows

    def reduction(self, reduction_id: str) -> dict[str, Any] | None:
        """The reduction record with its JSON fields decoded, or None."""
        from sqlalchemy import select

        from .schema import reductions

        with self.engine.connect() as conn:
            row = conn.execute(select(reductions).where(reductions.c.id == reduction_id)).first()
        if row is None:
            return None
        record = dict(row._mapping)
        for name in ("targets", "inputs", "summary", "plan", "refused"):
            if record[name] is not None:
                record[name] = json.loads(record[name])
        return record

    # -- job attempts and states --------------------------------------------------------
    def add_runs(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Insert job-run rows (see :func:`radps_seq.runlog.rows.job_run_row`) in one batch."""
        rows = list(rows)
        if rows and self.writes is not None:
            self.writes.insert_runs(rows)
        elif rows:
            from sqlalchemy import insert

            from .schema import job_runs

            with self.engine.begin() as conn:
                conn.execute(insert(job_runs), rows)

    def set_states(self, reduction_id: str, states: Mapping[str, tuple[str, str]]) -> None:
        """Record ``{job_id: (task, state)}``, replacing earlier states of those jobs."""
        if not states:
            return
        now = time.time()
        rows = [
            {"reduction_id": reduction_id, "job_id": job, "task": task, "state": state,
             "updated_ts": now}
            for job, (task, state) in states.items()
        ]  # fmt: skip
        if self.writes is not None:
            self.writes.replace_states(rows)
            return
        from sqlalchemy import delete, insert

        from .schema import job_states

        ids = list(states)
        with self.engine.begin() as conn:
            for start in range(0, len(ids), 500):  # stay below bound-parameter limits
                chunk = ids[start : start + 500]
                conn.execute(
                    delete(job_states).where(
                        job_states.c.reduction_id == reduction_id, job_states.c.job_id.in_(chunk)
                    )
                )
            conn.execute(insert(job_states), rows)

    def job_states(self, reduction_id: str) -> dict[str, str]:
        from sqlalchemy import select

        from .schema import job_states

        with self.engine.connect() as conn:
            rows = conn.execute(
                select(job_states.c.job_id, job_states.c.state).where(
                    job_states.c.reduction_id == reduction_id
                )
            )
            return {job: state for job, state in rows}

    def runs(self, reduction_id: str | None = None) -> pd.DataFrame:
        """Job-run rows (JSON fields as text) as a DataFrame, in insertion order."""
        import pandas as pd
        from sqlalchemy import select
        from sqlalchemy.exc import SQLAlchemyError

        from .schema import RUN_COLUMNS, job_runs

        query = select(*(job_runs.c[name] for name in RUN_COLUMNS)).order_by(job_runs.c.id)
        if reduction_id is not None:
            query = query.where(job_runs.c.reduction_id == reduction_id)
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(query).fetchall()
        except SQLAlchemyError as exc:
            raise RunLogError(f"cannot read the run log at {self.url}: {exc.orig or exc}") from exc
        return pd.DataFrame(rows, columns=list(RUN_COLUMNS))

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    def __enter__(self) -> RunLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
