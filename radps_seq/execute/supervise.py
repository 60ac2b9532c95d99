"""Supervising one child process per job: start, wait with a timeout, kill, explain.

Children come from the fork server (:mod:`.forkserver`); the outcome is read from the
child's ``result.json``, whose absence after exit means the child crashed. A crash, a
kill or a timeout is one failed job: nothing is shared with other jobs that could break.
"""

from __future__ import annotations

import contextlib
import json
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .child import RESULT
from .forkserver import ServerGone, fork_server


@dataclass
class ChildExit:
    result: dict[str, Any] | None
    exitcode: int | None
    timed_out: bool
    timeout_s: float | None
    cpu_s: float | None = None
    lost: bool = False

    @property
    def ok(self) -> bool:
        return bool(self.result and self.result.get("ok"))

    @property
    def error(self) -> str | None:
        """Why the attempt failed, in words; None when it succeeded."""
        if self.timed_out:
            return f"timed out after {self.timeout_s:g} s (process killed)"
        if self.lost:
            return "worker process lost: the job fork server died"
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


def run_child(request: dict[str, Any], timeout_s: float | None = None) -> ChildExit:
    """Run ``request`` (see :func:`radps_seq.execute.child.run_request`) in a child
    process and wait for it, killing its whole process group after ``timeout_s``."""
    try:
        child = fork_server().start(request)
    except ServerGone:  # died between two jobs: one fresh start
        child = fork_server().start(request)
    timed_out = not child.wait(timeout_s)
    if timed_out:
        child.kill()
        child.wait(None)
    folder = Path(request["folder"])
    result = None
    with contextlib.suppress(OSError, ValueError):
        result = json.loads((folder / RESULT).read_text())
    with contextlib.suppress(OSError):  # transport, not part of the job folder
        (folder / RESULT).unlink()
    return ChildExit(
        None if timed_out else result,
        child.exitcode,
        timed_out,
        timeout_s,
        cpu_s=child.cpu_s,
        lost=child.lost,
    )
