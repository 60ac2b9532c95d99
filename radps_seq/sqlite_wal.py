"""Put a SQLite database in WAL mode safely when several processes open it at once.

WAL lets a second run, or a reader, work while a run writes. Switching a new database
to WAL needs a lock, and SQLite answers "database is locked" at once — without its
busy handler — while another process creates or converts the same file. Every embedded
database of a work directory (header index, run log) opens through here.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any


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
