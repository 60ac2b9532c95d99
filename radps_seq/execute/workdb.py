"""The work directory's own database: the input-hash memo and the index of results.

Both live in ``W/runlog.sqlite`` next to the run log (whatever URL the run log itself
uses, these are about files of this work directory, so they stay here). Plain sqlite3
rather than SQLAlchemy: they are read once at the start of a run and written in a few
batches, on the hot path of the engine's per-job overhead.

- ``file_hashes``: sha256 of an input file keyed by path, valid while its size and
  mtime are unchanged, so a re-run does not re-read gigabytes of unchanged raw data.
- ``recipe_refs``: how each task's recipe was resolved and its code version, valid
  while the files it was found in are unchanged, so a re-run imports no recipe module.
- ``results``: for every *logical* job (task + where its inputs come from, parameters
  excluded) the cache-key components of its last result, so a re-run can say
  "parameters changed: x" although a new parameter value gives the job a new id.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from radps_seq.runlog.store import RUNLOG_FILE
from radps_seq.sqlite_wal import enable_wal, readonly_uri, writable

_SCHEMA = """
CREATE TABLE IF NOT EXISTS file_hashes (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, sha256 TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS results (
    logical_key TEXT PRIMARY KEY, job_id TEXT NOT NULL, task TEXT, components TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS recipe_refs (
    key TEXT PRIMARY KEY, files TEXT NOT NULL, ref TEXT NOT NULL
);
"""

#: ``{path: (size, mtime_ns, sha256)}``
Memo = dict[str, tuple[int, int, str]]


class WorkDB:
    """Connection-per-call access, so threads and forked workers never share one."""

    def __init__(self, workdir: str | os.PathLike, *, create: bool = True) -> None:
        self.path = Path(workdir) / RUNLOG_FILE
        self.exists = self.path.is_file()
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as conn:
                conn.executescript(_SCHEMA)
            self.exists = True

    def _connect(self) -> sqlite3.Connection:
        if self.exists and not writable(self.path.parent):  # read-only store: reads only
            return sqlite3.connect(readonly_uri(self.path), uri=True)
        conn = sqlite3.connect(self.path, timeout=60)
        enable_wal(conn, 60)
        return conn

    def _read(self, query: str) -> list[tuple[Any, ...]]:
        if not self.exists:
            return []
        conn = self._connect()
        try:
            return conn.execute(query).fetchall()
        except sqlite3.OperationalError:  # a database from before these tables existed
            return []
        finally:
            conn.close()

    def memo(self) -> Memo:
        rows = self._read("SELECT path, size, mtime_ns, sha256 FROM file_hashes")
        return {path: (size, mtime, sha) for path, size, mtime, sha in rows}

    def save_memo(self, entries: Mapping[str, tuple[int, int, str]]) -> None:
        if entries:
            with self._connect() as conn:
                conn.executemany(
                    "INSERT OR REPLACE INTO file_hashes VALUES (?, ?, ?, ?)",
                    [(path, *entry) for path, entry in entries.items()],
                )

    def recipe_refs(self) -> dict[str, tuple[str, str]]:
        """``{key: (files, ref)}`` as :mod:`radps_seq.execute.recipe_memo` wrote them."""
        rows = self._read("SELECT key, files, ref FROM recipe_refs")
        return {key: (files, ref) for key, files, ref in rows}

    def save_recipe_refs(self, entries: Mapping[str, tuple[str, str]]) -> None:
        if entries:
            with self._connect() as conn:
                conn.executemany(
                    "INSERT OR REPLACE INTO recipe_refs VALUES (?, ?, ?)",
                    [(key, *entry) for key, entry in entries.items()],
                )

    def results(self) -> dict[str, dict[str, Any]]:
        """``{logical_key: components}`` of the last result of every logical job."""
        rows = self._read("SELECT logical_key, components FROM results")
        return {key: json.loads(components) for key, components in rows}

    def save_results(self, entries: Iterable[Mapping[str, Any]]) -> None:
        """Record ``{"logical_key", "job_id", "task", "components"}`` entries."""
        rows = [
            (e["logical_key"], e["job_id"], e["task"], json.dumps(e["components"], sort_keys=True))
            for e in entries
        ]
        if rows:
            with self._connect() as conn:
                conn.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?)", rows)

    def last_results(self) -> list[tuple[str, str]]:
        """``(job id, task)`` of the last result of every logical job."""
        return [(job, task) for job, task in self._read("SELECT job_id, task FROM results")]
