"""Progress of a running reduction on stderr: counts by state and an ETA.

On a terminal one line is redrawn in place (a bar); otherwise — a log file, a CI job —
a line is written every few seconds and at the end, so a batch run is never silent.
The ETA comes from the run log: each job is expected to take its task's mean runtime
of past runs (this run's own mean for a task never run before), and the work left is
spread over the workers.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Mapping
from typing import IO, Any

from .result import FAILED

_BAR = 24
#: States in the order a progress line lists them.
_ORDER = ("running", "succeeded", "cached", "skipped", "failed", "blocked", "incomplete")


class Progress:
    """Counts and ETA of one reduction; ``started``/``finished`` as jobs go."""

    def __init__(
        self,
        tasks: Mapping[str, str],
        workers: int = 1,
        history: Mapping[str, float] | None = None,
        stream: IO[str] | None = None,
        interval_s: float = 5.0,
    ) -> None:
        self.tasks, self.workers = dict(tasks), max(1, int(workers))
        self.history = dict(history or {})
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval_s = interval_s
        self.counts: Counter[str] = Counter()
        self.running: dict[str, float] = {}
        self.done: set[str] = set()
        self._seen: dict[str, list[float]] = {}
        self._start = time.monotonic()
        self._last = 0.0

    def started(self, job_id: str) -> None:
        self.running[job_id] = time.monotonic()
        self._show()

    def finished(self, outcome: Any) -> None:
        self.running.pop(outcome.id, None)
        self.done.add(outcome.id)
        state = "blocked" if outcome.status == FAILED and outcome.blocked_by else outcome.status
        self.counts[state] += 1
        if outcome.status == "succeeded":
            self._seen.setdefault(outcome.task, []).append(float(outcome.wall_s or 0.0))
        self._show()

    def close(self) -> None:
        """The final line (and the end of the redrawn one on a terminal)."""
        self._show(force=True)
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()

    # -- rendering ------------------------------------------------------------------
    def eta_s(self) -> float | None:
        """Seconds of work left over the workers, or None with nothing to go by: each job
        left is expected to take its task's mean, scaled by the share of this run's jobs
        that ran rather than being reused."""
        left = 0.0
        now = time.monotonic()
        for job_id, task in self.tasks.items():
            if job_id in self.done:
                continue
            expected = self._expected(task)
            if expected is None:
                return None
            if job_id in self.running:
                expected = max(0.0, expected - (now - self.running[job_id]))
            left += expected
        ran, reused = self.counts["succeeded"], self.counts["cached"]
        if ran + reused:  # reused jobs take no time: scale by the share that really runs
            left *= ran / (ran + reused)
        return left / self.workers

    def _expected(self, task: str) -> float | None:
        if task in self.history:
            return self.history[task]
        seen = self._seen.get(task) or [w for ws in self._seen.values() for w in ws]
        if seen:
            return sum(seen) / len(seen)
        return None if not self.history else sum(self.history.values()) / len(self.history)

    def line(self) -> str:
        total, done = len(self.tasks), len(self.done)
        counts = {"running": len(self.running), **self.counts}
        states = ", ".join(f"{counts[s]} {s}" for s in _ORDER if counts.get(s))
        eta = self.eta_s()
        eta_text = "ETA ?" if eta is None else f"ETA {_clock(eta)}"
        elapsed = _clock(time.monotonic() - self._start)
        filled = int(_BAR * done / total) if total else _BAR
        bar = f"[{'#' * filled}{'.' * (_BAR - filled)}] " if self.tty else ""
        return f"{bar}{done}/{total} jobs ({states or 'starting'}) {elapsed} elapsed, {eta_text}"

    def _show(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < (0.2 if self.tty else self.interval_s):
            return
        self._last = now
        if self.tty:
            self.stream.write("\r\033[K" + self.line())
        else:
            self.stream.write(self.line() + "\n")
        self.stream.flush()


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
