"""The product store: EDPS-style job folders, written atomically, locked per job.

``W/products/<task>/<job id>/`` holds the job's ``input.sof``, ``parameters.json``,
``command.sh``, ``job.log``, its products and, written last, ``manifest.json`` (what
ran, the cache key and its components, and every product's sha256). A job is computed
in a temporary sibling folder (same filesystem) and moved into place with
``os.rename``, so a killed run leaves either the old result, the new one, or none —
never half of one. ``W/locks/<job id>.lock`` (``fcntl.flock``)
keeps two runs on the same work directory from computing the same job at once; the
kernel drops the lock when its holder dies, even on ``kill -9``.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

PRODUCTS = "products"
LOCKS = "locks"
_TMP = ".tmp"
_TRASH = ".trash"


class ProductStore:
    def __init__(self, workdir: str | os.PathLike) -> None:
        self.workdir = Path(workdir).resolve()
        self.products = self.workdir / PRODUCTS
        self.locks = self.workdir / LOCKS

    def folder(self, task: str, job_id: str) -> Path:
        return self.products / task / job_id

    def failed_log(self, task: str, job_id: str) -> Path:
        """Where the log of a job's last failed attempt is kept (no products are)."""
        return self.products / task / f"{job_id}.failed.log"

    def new_tmp(self, task: str, job_id: str) -> Path:
        """A fresh, empty folder next to the job's final folder (call under the job's
        lock: the name is fixed, so whatever a killed run left there is discarded)."""
        tmp = self.products / task / f".{job_id}{_TMP}"
        try:
            tmp.mkdir()
        except FileNotFoundError:  # first job of the task (folders are made on demand)
            tmp.mkdir(parents=True)
        except FileExistsError:
            shutil.rmtree(tmp)
            tmp.mkdir()
        return tmp

    def publish(self, tmp: Path, task: str, job_id: str) -> Path:
        """Move a completed temporary folder into place, replacing an older result."""
        final = self.folder(task, job_id)
        try:
            os.rename(tmp, final)
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
            trash = final.with_name(f".{job_id}{_TRASH}")
            shutil.rmtree(trash, ignore_errors=True)
            os.rename(final, trash)
            os.rename(tmp, final)
            shutil.rmtree(trash, ignore_errors=True)
        return final

    def discard(self, tmp: Path, task: str, job_id: str) -> Path | None:
        """Drop a failed attempt's folder, keeping only its log; returns the log's path."""
        log = tmp / "job.log"
        kept = None
        if log.is_file():
            kept = self.failed_log(task, job_id)
            with contextlib.suppress(OSError):
                os.replace(log, kept)
        shutil.rmtree(tmp, ignore_errors=True)
        return kept if kept is not None and kept.is_file() else None

    @contextlib.contextmanager
    def lock(self, job_id: str) -> Iterator[bool]:
        """Hold the job's lock; yields True when another run held it first (so the
        caller should look again for the result that run may have produced)."""
        path = self.locks / f"{job_id}.lock"
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except FileNotFoundError:
            self.locks.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            waited = False
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                waited = True
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield waited
        finally:
            os.close(fd)
