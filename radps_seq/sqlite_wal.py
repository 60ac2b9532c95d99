"""Put a SQLite database in WAL mode safely when several processes open it at once.

WAL lets a second run, or a reader, work while a run writes. Switching a new database
to WAL needs a lock, and SQLite answers "database is locked" at once — without its
busy handler — while another process creates or converts the same file. Every embedded
database of a work directory (header index, run log) opens through here.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import time
from typing import Any
from urllib.parse import quote


def enable_wal(connection: Any, timeout_s: float) -> None:
    """WAL journal and NORMAL synchronous (durable across process kills) on a DB-API
    SQLite connection; the switch is retried for up to ``timeout_s`` seconds."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            cursor = connection.cursor()
            try:
                if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            finally:
                cursor.close()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def writable(folder: str | os.PathLike) -> bool:
    """Whether files can be created in ``folder`` (False on a read-only mount)."""
    return os.access(folder, os.W_OK)


def readonly_uri(path: str | os.PathLike) -> str:
    """A SQLite URI that reads ``path`` without writing anything next to it: a WAL
    database on a read-only mount cannot create its ``-shm`` file otherwise."""
    return f"file:{quote(os.fspath(path))}?immutable=1"


def storage_problem(exc: BaseException, what: str) -> str | None:
    """One sentence for a storage failure of ``what`` (disk full, read-only, no
    permission), or None when ``exc`` is something else (e.g. a damaged file)."""
    text = str(exc).lower()
    code = getattr(exc, "errno", None)
    if code == errno.ENOSPC or "disk is full" in text or "no space left" in text:
        return f"{what}: no space left on its device; free some space and run again (nothing was deleted)"
    if code in (errno.EROFS, errno.EACCES, errno.EPERM) or "readonly" in text or "read-only" in text:
        return (f"{what}: cannot write there (read-only or no permission); commands that only "
                "read work on it, a reduction needs a writable --workdir")
    return None
