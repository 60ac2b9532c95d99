"""The bounded background queue: at most ``max_concurrent`` worker processes at a time.

The queue *is* the database (rows with status ``queued``, oldest first); this thread
only starts workers for them and notices when they end, so a restarted service picks
up where the last one stopped. Two reductions whose inputs overlap never run at once:
they would write the same job folders.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .store import ServiceStore

#: How often a service writes that it is alive (its lease is :data:`store.LEASE_S`).
HEARTBEAT_S = 2.0


@dataclass
class _Worker:
    process: subprocess.Popen
    inputs: tuple[str, ...]
    log: Any


def _overlaps(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    return any(x == y or x.startswith(y + os.sep) or y.startswith(x + os.sep) for x in a for y in b)


class Dispatcher:
    """Starts worker processes for queued reductions and reaps them."""

    def __init__(self, store: ServiceStore, database: str, logs: Path, max_concurrent: int,
                 poll_s: float = 0.2) -> None:
        self.store, self.database, self.logs = store, database, logs
        self.max_concurrent, self.poll_s = max_concurrent, poll_s
        self.running: dict[str, _Worker] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.instance: str | None = None

    def start(self) -> None:
        """Register this service on the database, take back what gone services left
        running (never what a live one on the same database runs), start the queue."""
        self.logs.mkdir(parents=True, exist_ok=True)
        self.instance = self.store.register()
        self.store.requeue_interrupted(keep=self.instance)
        self._thread = threading.Thread(target=self._loop, name="radps-dispatch", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        beat = time.monotonic()
        while not self._stop.is_set():
            try:
                if self.instance is not None and time.monotonic() - beat >= HEARTBEAT_S:
                    self.store.heartbeat(self.instance)
                    beat = time.monotonic()
                self.step()
            except Exception as exc:  # a database hiccup must not end the queue
                print(f"dispatcher: {type(exc).__name__}: {exc}", file=sys.stderr)
            self._wake.wait(self.poll_s)
            self._wake.clear()

    def step(self) -> None:
        """Reap ended workers, then start queued reductions while there is room."""
        with self._lock:
            for reduction_id, worker in list(self.running.items()):
                code = worker.process.poll()
                if code is None:
                    continue
                del self.running[reduction_id]
                worker.log.close()
                self.store.update(
                    reduction_id, only_if=("running",), status="failed",
                    error=f"the worker process ended (exit code {code}) before recording an outcome",
                )
            if len(self.running) >= self.max_concurrent:
                return
            for row in self.store.queued():
                if len(self.running) >= self.max_concurrent or self._stop.is_set():
                    break
                inputs = tuple(row["request"]["kwargs"]["inputs"])
                if any(_overlaps(inputs, w.inputs) for w in self.running.values()):
                    continue
                if self.store.claim(row["id"], self.instance):
                    self._spawn(row["id"], inputs)

    def _spawn(self, reduction_id: str, inputs: tuple[str, ...]) -> None:
        log = open(self.logs / f"{reduction_id}.log", "ab")  # noqa: SIM115 - closed when reaped
        process = subprocess.Popen(
            [sys.executable, "-m", "radps_seq.api.worker", self.database, reduction_id],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.running[reduction_id] = _Worker(process, inputs, log)
        self.store.update(reduction_id, worker_pid=process.pid)

    def cancel(self, reduction_id: str) -> bool:
        """Cancel a queued or running reduction; False when it had already ended."""
        if self.store.update(reduction_id, only_if=("queued", "running"), status="cancelled"):
            with self._lock:
                worker = self.running.get(reduction_id)
                if worker is not None:
                    _terminate(worker.process)
            self.wake()
            return True
        return False

    def stop(self, timeout: float = 10.0) -> None:
        """Stop starting work; running reductions are ended and wait again for the next
        start of the service (their finished jobs are reused then)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        with self._lock:
            for reduction_id, worker in self.running.items():
                _terminate(worker.process)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    worker.process.wait(timeout)
                worker.log.close()
                self.store.update(reduction_id, only_if=("running",), status="queued", worker_pid=None,
                                  owner=None)
            self.running.clear()
        if self.instance is not None:
            self.store.unregister(self.instance)

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {"running": len(self.running)}


def _terminate(process: subprocess.Popen) -> None:
    """End the worker and the job processes it started (its own process group)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGTERM)
