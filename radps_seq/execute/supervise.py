"""Supervising one child process per job: start, wait with a timeout, kill, explain.

Children come from a ``forkserver`` (a clean, preloaded process that forks quickly;
safe although the parent runs threads), except inside daemonic processes (remote Dask
workers), which may not have multiprocessing children: there a plain subprocess runs
``python -m radps_seq.execute.child``. Either way the outcome is read from the child's
``result.json``; its absence after exit means the child crashed.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .child import RESULT, run_request

#: Imported once by the forkserver so every job starts with them loaded.
PRELOAD = ["radps_seq.execute.child", "radps_seq.recipes.registry", "numpy", "astropy.io.fits"]
_context_lock = threading.Lock()
_context: Any = None


def _forkserver() -> Any:
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            _context = context
        return _context


@dataclass
class ChildExit:
    result: dict[str, Any] | None
    exitcode: int | None
    timed_out: bool
    timeout_s: float | None

    @property
    def ok(self) -> bool:
        return bool(self.result and self.result.get("ok"))

    @property
    def error(self) -> str | None:
        """Why the attempt failed, in words; None when it succeeded."""
        if self.timed_out:
            return f"timed out after {self.timeout_s:g} s (process killed)"
        if self.result is not None:
            return None if self.result.get("ok") else str(self.result.get("error"))
        code = self.exitcode
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"worker process crashed: killed by {name}"
        return f"worker process crashed: exited with code {code} before reporting a result"


class _Process:
    def __init__(self, request: dict[str, Any]) -> None:
        self.proc = _forkserver().Process(
            target=run_request, args=(request,), name=f"radps-job-{request['job']}"
        )
        self.proc.start()
        self.pid = self.proc.pid

    def wait(self, timeout: float | None) -> int | None:
        self.proc.join(timeout)
        return self.proc.exitcode

    def kill(self) -> None:
        self.proc.kill()


class _Subprocess:
    def __init__(self, request: dict[str, Any]) -> None:
        path = Path(request["folder"]) / "request.json"
        path.write_text(json.dumps(request))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "radps_seq.execute.child", str(path)],
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.pid = self.proc.pid

    def wait(self, timeout: float | None) -> int | None:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        self.proc.kill()


def run_child(request: dict[str, Any], timeout_s: float | None = None) -> ChildExit:
    """Run ``request`` (see :func:`radps_seq.execute.child.run_request`) in a child
    process and wait for it, killing its whole process group after ``timeout_s``."""
    daemonic = multiprocessing.current_process().daemon
    handle = _Subprocess(request) if daemonic else _Process(request)
    exitcode = handle.wait(timeout_s)
    timed_out = exitcode is None
    if timed_out:
        with contextlib.suppress(OSError):
            os.killpg(handle.pid, signal.SIGKILL)
        handle.kill()
        exitcode = handle.wait(None)
    result = None
    folder = Path(request["folder"])
    with contextlib.suppress(OSError, ValueError):
        result = json.loads((folder / RESULT).read_text())
    for transport in (RESULT, "request.json"):  # not part of the job folder
        with contextlib.suppress(OSError):
            (folder / transport).unlink()
    return ChildExit(None if timed_out else result, exitcode, timed_out, timeout_s)
