"""One job, start to end: blocked? skipped? reusable? else run it (with retries).

:func:`process_job` is the unit both executors schedule — the local one in its worker
threads (or inline in dummy mode), the Dask one as a task on a worker — so the two give
the same products and statuses. It decides from the parents' outcomes alone, writes
only inside the job's own folder and lock, and returns everything the parent records
(attempts for the run log, the index entry for change reasons) instead of writing to
the databases itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from radps_seq.errors import RadpsError

from .cache import MANIFEST, REUSED, decide
from .recipe_call import DUMMY, EXTERNAL, external_command
from .result import CACHED, FAILED, SKIPPED, SUCCEEDED, Attempt, FileRef, JobOutcome
from .spec import JobSpec
from .store import ProductStore
from .supervise import run_child
from .verdict import BLOCKED, FAIL, REUSE, SKIP, judge
from .verify import check_inputs

_HOST = socket.gethostname()


@dataclass(frozen=True)
class RunContext:
    """What every job of a run shares; plain data so it travels to Dask workers."""

    workdir: str
    dummy: bool = False
    executor: str = "local"


@cache
def _store(workdir: str) -> ProductStore:
    return ProductStore(workdir)


class _AttemptFailed(Exception):
    def __init__(self, message: str, cpu_s: float | None = None) -> None:
        super().__init__(message)
        self.cpu_s = cpu_s


def worker_name(ctx: RunContext) -> str:
    if ctx.executor == "dask":
        try:
            from distributed import get_worker

            return get_worker().address
        except (ImportError, ValueError):
            pass
    return f"{_HOST}:{threading.current_thread().name}"


def safe_process_job(
    spec: JobSpec, parents: Mapping[str, JobOutcome], ctx: RunContext
) -> JobOutcome:
    """:func:`process_job`, with an unexpected error turned into a failed job rather
    than an aborted reduction (the other jobs go on)."""
    try:
        return process_job(spec, parents, ctx)
    except Exception as exc:  # noqa: BLE001 - reported as the job's error
        return failed(spec, f"internal error: {type(exc).__name__}: {exc}")


def failed(spec: JobSpec, error: str) -> JobOutcome:
    """A job that failed outside its recipe, as one attempt ending now."""
    now = time.time()
    return JobOutcome(
        spec.id, spec.task, FAILED, error=error, attempts=[Attempt(1, FAILED, now, now, error=error)]
    )


def process_job(spec: JobSpec, parents: Mapping[str, JobOutcome], ctx: RunContext) -> JobOutcome:
    """Run, reuse, skip or block one job given its planned parents' outcomes (as
    :func:`~radps_seq.execute.verdict.judge` decides), with retries when it runs."""
    start = time.time()
    worker = worker_name(ctx)
    store = _store(ctx.workdir)
    verdict = judge(spec, parents, store)
    if verdict.action == BLOCKED:
        return blocked(spec, parents[verdict.parent], worker)
    if verdict.action == FAIL:
        return _failed_early(spec, start, worker, verdict.reason)
    if verdict.action == SKIP:
        return JobOutcome(
            spec.id,
            spec.task,
            SKIPPED,
            passthrough=verdict.inputs,
            reason=verdict.reason,
            attempts=[
                Attempt(0, SKIPPED, start, start, worker=worker, cache_reason=verdict.reason)
            ],
        )
    folder, parts, key, reason = verdict.folder, verdict.parts, verdict.key, verdict.reason
    if verdict.action == REUSE:
        return _cached(spec, folder, verdict.manifest, parts, verdict.inputs, start, worker)
    inputs = verdict.inputs
    with store.lock(spec.id) as waited:
        if waited and not spec.forced:  # another run held the job: it may have finished it
            action, _, manifest = decide(folder, key, parts, spec.previous, None)
            if action == "reuse":
                return _cached(spec, folder, manifest, parts, inputs, start, worker)
        damaged = None if ctx.dummy else check_inputs(inputs, parents, store.folder)
        if damaged:
            return _failed_early(spec, start, worker, damaged)
        attempts: list[Attempt] = []
        for number in range(1, int(spec.retries) + 2):
            attempt, manifest = run_attempt(spec, ctx, store, inputs, parts, key, number, worker)
            attempt.cache_reason = reason
            attempts.append(attempt)
            if manifest is not None:
                outcome = produced_outcome(spec, folder, manifest, parts, SUCCEEDED, reason)
                outcome.attempts, outcome.wall_s = attempts, time.time() - start
                return outcome
    return JobOutcome(
        spec.id,
        spec.task,
        FAILED,
        wall_s=time.time() - start,
        attempts=attempts,
        reason=reason,
        error=attempts[-1].error,
    )


def _failed_early(spec: JobSpec, start: float, worker: str, error: str) -> JobOutcome:
    """The job cannot even be attempted (no recipe, an input file gone)."""
    attempt = Attempt(1, FAILED, start, time.time(), worker=worker, error=error)
    return JobOutcome(spec.id, spec.task, FAILED, error=error, attempts=[attempt])


def blocked(spec: JobSpec, parent: JobOutcome, worker: str | None = None) -> JobOutcome:
    """``spec`` cannot run because ``parent`` failed; names the root failure."""
    now = time.time()
    root = parent.blocked_by or parent.id
    error = (
        parent.error if parent.blocked_by else f"blocked by failed job {root} (task {parent.task})"
    )
    return JobOutcome(
        spec.id,
        spec.task,
        FAILED,
        error=error,
        blocked_by=root,
        attempts=[Attempt(0, FAILED, now, now, worker=worker, error=error)],
    )


def produced_outcome(
    spec: JobSpec, folder: Path, manifest: Mapping[str, Any], parts: Any, status: str, reason: str
) -> JobOutcome:
    products = manifest.get("products", [])
    keep = spec.output_filter.keeps if spec.output_filter is not None else None
    return JobOutcome(
        spec.id,
        spec.task,
        status,
        products=[str(folder / p["path"]) for p in products],
        outputs=[
            FileRef(str(folder / p["path"]), p["category"], p["sha256"])
            for p in products
            if keep is None or keep(p["category"])
        ],
        reason=reason,
        index_entry={
            "logical_key": spec.logical_key,
            "job_id": spec.id,
            "task": spec.task,
            "components": parts,
        },
    )


def _cached(
    spec: JobSpec,
    folder: Path,
    manifest: Mapping[str, Any],
    parts: Any,
    inputs: list[FileRef],
    start: float,
    worker: str,
) -> JobOutcome:
    refresh_sof(folder, inputs)
    outcome = produced_outcome(spec, folder, manifest, parts, CACHED, REUSED)
    end = time.time()
    outcome.wall_s = end - start
    outcome.attempts = [
        Attempt(
            0,
            CACHED,
            start,
            end,
            worker=worker,
            qc=dict(manifest.get("qc") or {}),
            effect=manifest.get("effect"),
            cache_reason=REUSED,
        )
    ]
    return outcome


# -- one attempt ------------------------------------------------------------------------
def run_attempt(
    spec: JobSpec,
    ctx: RunContext,
    store: ProductStore,
    inputs: list[FileRef],
    parts: Mapping[str, Any],
    key: str,
    number: int,
    worker: str,
) -> tuple[Attempt, dict[str, Any] | None]:
    start = time.time()
    cpu_start = time.thread_time()
    final = store.folder(spec.task, spec.id)
    tmp = None
    try:
        tmp = store.new_tmp(spec.task, spec.id)
        write_job_files(tmp, spec, inputs)
        if spec.recipe.kind == DUMMY:
            products, qc, effect = placeholders(tmp, spec), {}, None
            cpu = time.thread_time() - cpu_start
        else:
            request = {
                "job": spec.id,
                "folder": str(tmp),
                "recipe": spec.recipe.to_dict(),
                "inputs": [(ref.path, ref.category) for ref in inputs],
                "parameters": spec.parameters,
            }
            done = run_child(request, spec.timeout_s)
            cpu = done.cpu_s
            if not done.ok:
                raise _AttemptFailed(done.error or "failed", cpu)
            products, qc, effect = done.result["products"], done.result["qc"], done.result["effect"]
        manifest = {
            **description(spec),
            "cache_key": key,
            "components": parts,
            "products": products,
            "qc": qc,
            "effect": effect,
            "cpu_s": cpu,
            "wall_s": time.time() - start,
            "created": time.time(),
        }
        write_text(tmp / MANIFEST, json.dumps(manifest))
        store.publish(tmp, spec.task, spec.id)
        end = time.time()
        return Attempt(number, SUCCEEDED, start, end, cpu, worker, dict(qc), effect), manifest
    except (_AttemptFailed, OSError, RadpsError) as exc:
        if isinstance(exc, OSError):
            message = f"cannot write job folder {final}: {exc.strerror or exc}"
            cpu = None
        else:
            message, cpu = str(exc), getattr(exc, "cpu_s", None)
        log = store.discard(tmp, spec.task, spec.id) if tmp is not None else None
        if log is not None:
            message += f" (log: {log})"
        return Attempt(number, FAILED, start, time.time(), cpu, worker, error=message), None


def write_text(path: Path, text: str, mode: int = 0o644) -> os.stat_result:
    """Write a small file with plain system calls (this is on the per-job hot path).

    No fsync: atomicity against a killed run comes from the rename into place (the
    kernel keeps written data when a process dies); per-job fsyncs would dominate the
    engine's overhead on a 1,000-job cascade.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, text.encode())
        return os.fstat(fd)
    finally:
        os.close(fd)


def description(spec: JobSpec) -> dict[str, Any]:
    """What :func:`radps_seq.execute.run_job_folder` needs besides the SOF and parameters;
    kept in the manifest."""
    return {
        "id": spec.id,
        "task": spec.task,
        "recipe": spec.recipe.to_dict(),
        "logical_key": spec.logical_key,
        "output_filter": spec.output_filter.to_dict() if spec.output_filter else None,
        "categories": spec.products,
        "timeout_s": spec.timeout_s,
    }


def sof_text(inputs: list[FileRef]) -> str:
    return "".join(f"{r.path} {r.category}\n" for r in inputs)


def refresh_sof(folder: Path, inputs: list[FileRef]) -> None:
    """A reused job's ``input.sof`` names its inputs where they are *now*.

    Job ids and cache keys survive moving the inputs or the work directory, so the job
    is reused; its SOF, written where the files were when it ran, would make
    ``command.sh`` read paths that are gone. Rewritten only when it differs (a no-op
    re-run writes nothing) and only where the folder is writable.
    """
    path = folder / "input.sof"
    text = sof_text(inputs)
    try:
        if path.read_text() == text:
            return
        tmp = path.with_name(f".input.sof.{os.getpid()}")
        write_text(tmp, text)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only work directory: reuse needs nothing from the SOF


def write_job_files(tmp: Path, spec: JobSpec, inputs: list[FileRef]) -> None:
    """The EDPS job folder: SOF, parameters, and a reproducing command that works from
    wherever the folder is (it changes into its own folder first)."""
    write_text(tmp / "input.sof", sof_text(inputs))
    write_text(tmp / "parameters.json", json.dumps(spec.parameters, sort_keys=True))
    if spec.recipe.kind == EXTERNAL and spec.recipe.tool is not None:
        command = shlex.join(external_command(spec.recipe, spec.parameters, Path(".")))
    else:
        command = "exec radps-seq exec-job ."
    write_text(
        tmp / "command.sh",
        f"#!/bin/sh\n# Re-runs job {spec.id} (task {spec.task}) from its folder.\n"
        f'cd "$(dirname "$0")" || exit 1\n{command}\n',
        mode=0o755,
    )


def placeholders(folder: Path, spec: JobSpec) -> list[dict[str, Any]]:
    """Dummy mode: one placeholder file per product category, no recipe called."""
    write_text(folder / "job.log", f"dummy run: {spec.recipe.name or spec.task} was not called\n")
    entries = []
    for category in spec.products or [spec.task.upper()]:
        name = f"{category}.dummy"
        data = f"placeholder {category} of job {spec.id} (task {spec.task})\n"
        stat = write_text(folder / name, data)
        entries.append(
            {
                "path": name,
                "category": category,
                "sha256": hashlib.sha256(data.encode()).hexdigest(),
                "size": stat.st_size,
                "mtime_ns": stat.st_mtime_ns,
            }
        )
    return entries
