"""The run log's writes into an existing SQLite file, with the standard library only.

Importing SQLAlchemy costs more than a no-op re-run of a whole night, while a re-run
only appends rows to a run log the first run created. So when the run log is a SQLite
file that already has its tables (created through SQLAlchemy, :mod:`.schema`), the
four writes of a reduction go through plain ``sqlite3`` with the same statements
SQLAlchemy would issue; reads, exports and other databases still go through
SQLAlchemy.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from radps_seq.sqlite_wal import enable_wal

from .columns import RUN_COLUMNS

#: The tables a run log has once SQLAlchemy created it.
TABLES = {"reductions", "job_runs", "job_states", "reduction_owners"}


class SqliteWrites:
    """Write access to one SQLite run log (a connection per call, as WorkDB does)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def open(cls, url: str) -> SqliteWrites | None:
        """The writer of the SQLite run log at ``url``, or None when it is another
        database or does not exist with its tables yet."""
        if not url.startswith("sqlite:///"):
            return None
        path = Path(url.removeprefix("sqlite:///"))
        if not path.is_file():
            return None
        writes = cls(path)
        with writes._connect() as conn:
            found = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return writes if TABLES <= found else None

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=60)
        enable_wal(conn, 60)
        return conn

    def upsert_reduction(self, reduction_id: str, record: Mapping[str, Any], now: float) -> None:
        names = list(record)
        with self._connect() as conn:
            conn.execute(
                f"INSERT INTO reductions (id, created_ts, {', '.join(names)}) "
                f"VALUES (?, ?, {', '.join('?' * len(names))}) ON CONFLICT(id) DO UPDATE SET "
                + ", ".join(f"{n} = excluded.{n}" for n in names),
                (reduction_id, now, *record.values()),
            )

    def set_owner(self, owner: Mapping[str, Any]) -> None:
        """Which host and process run a reduction (so a later run can tell it died)."""
        with self._connect() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO reduction_owners (reduction_id, host, pid)"
                " VALUES (:reduction_id, :host, :pid)", dict(owner),
            )

    def update_reduction(self, reduction_id: str, values: Mapping[str, Any]) -> None:
        with self._connect() as conn:
            conn.execute(
                f"UPDATE reductions SET {', '.join(f'{n} = ?' for n in values)} WHERE id = ?",
                (*values.values(), reduction_id),
            )

    def insert_runs(self, rows: Iterable[Mapping[str, Any]]) -> None:
        with self._connect() as conn:
            conn.executemany(
                f"INSERT INTO job_runs ({', '.join(RUN_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(RUN_COLUMNS))})",
                [tuple(row.get(c) for c in RUN_COLUMNS) for row in rows],
            )

    def replace_states(self, rows: Iterable[Mapping[str, Any]]) -> None:
        with self._connect() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO job_states (reduction_id, job_id, task, state, updated_ts)"
                " VALUES (:reduction_id, :job_id, :task, :state, :updated_ts)",
                list(rows),
            )
