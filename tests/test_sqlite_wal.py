"""The switch to WAL is retried while another connection holds the database's lock."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from radps_seq.sqlite_wal import enable_wal


def _locked(path, seconds: float) -> threading.Thread:
    """Hold an exclusive lock on ``path`` for ``seconds`` from another connection."""
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE IF NOT EXISTS t (x)")
    holder.execute("BEGIN EXCLUSIVE")

    def release() -> None:
        time.sleep(seconds)
        holder.execute("COMMIT")
        holder.close()

    thread = threading.Thread(target=release)
    thread.start()
    return thread


def test_the_switch_fails_at_once_without_the_retry(tmp_path):
    path = tmp_path / "db.sqlite"
    thread = _locked(path, 1.0)
    try:
        connection = sqlite3.connect(path, timeout=0, isolation_level=None)
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            enable_wal(connection, timeout_s=0.1)
        assert time.monotonic() - started < 0.9  # gave up: the lock was still held
        connection.close()
    finally:
        thread.join()


def test_the_switch_to_wal_waits_for_a_lock_held_by_another_connection(tmp_path):
    path = tmp_path / "db.sqlite"
    thread = _locked(path, 0.3)
    try:
        connection = sqlite3.connect(path, timeout=0, isolation_level=None)
        enable_wal(connection, timeout_s=10)
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        connection.close()
    finally:
        thread.join()


def test_other_errors_are_not_retried(tmp_path):
    connection = sqlite3.connect(tmp_path / "db.sqlite", isolation_level=None)
    connection.close()
    started = time.monotonic()
    with pytest.raises(sqlite3.ProgrammingError):
        enable_wal(connection, timeout_s=10)
    assert time.monotonic() - started < 5
