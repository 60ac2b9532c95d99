"""``execute``: one reduction from a job graph and a plan to products and a run record.

The steps: the guard checks the plan (a refused plan falls back to the bfs baseline
and the refusal is recorded with its reasons); specs are prepared; the reduction and
its job states go into the database; the executor runs the jobs while every outcome is
logged; target products are delivered to ``output_dir``; the summary closes the record.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import networkx as nx

from radps_seq.errors import InputError, RadpsError
from radps_seq.runlog import RunLog
from radps_seq.sqlite_wal import writable

from .prepare import prepare, raw_inputs
from .record import Recorder
from .recovery import recover_killed
from .result import FAILED, PRODUCED, JobOutcome, ReductionResult
from .runner import RunContext
from .store import ProductStore
from .workdb import WorkDB

EXECUTORS = ("local", "dask")


def execute(
    graph: nx.DiGraph,
    plan: Any,
    *,
    workdir: str | os.PathLike,
    workflow: Any = None,
    executor: str = "local",
    workers: int = 1,
    scheduler: str | None = None,
    dummy: bool = False,
    force: Any = False,
    force_downstream: Any = False,
    retries: int | Mapping[str, int] | None = None,
    timeout_s: float | Mapping[str, float] | None = None,
    runlog_url: str | None = None,
    reduction_id: str | None = None,
    output_dir: str | os.PathLike | None = None,
    progress: bool = False,
) -> ReductionResult:
    """Run the complete jobs of ``graph`` in the order of ``plan`` (a
    :class:`radps_seq.plan.Plan`, its dict, or None for the bfs baseline).

    ``retries`` and ``timeout_s`` are one value for every task or a mapping by task name
    (``"*"`` for the rest). ``force=True`` recomputes everything; ``force`` and
    ``force_downstream`` may also name tasks or job ids (the latter forcing their
    descendants too). ``dummy`` calls no recipe: each job writes placeholder products.
    """
    if executor not in EXECUTORS:
        raise RadpsError(f"unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}")
    if int(workers) < 1:
        raise RadpsError(f"workers must be at least 1, got {workers}")
    workdir = Path(workdir).resolve()
    try:
        workdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create work directory {workdir}: {exc.strerror}") from exc
    if not writable(workdir):
        raise InputError(
            f"work directory {workdir} is read-only: a reduction writes its products and run "
            "log there; give a writable --workdir (runs, show and run -n read it as it is)"
        )
    out = _output_dir(output_dir)
    if not dummy and executor == "local":
        from .forkserver import fork_server

        fork_server()  # it preloads its modules while the specs are prepared
    prepared = prepare(
        graph,
        plan,
        workdir=workdir,
        workflow=workflow,
        workers=workers,
        dummy=dummy,
        force=force,
        force_downstream=force_downstream,
        retries=retries,
        timeout_s=timeout_s,
    )
    plan = prepared.plan
    workflow_name = getattr(workflow, "name", None) or graph.graph.get("workflow")
    reduction_id = reduction_id or uuid.uuid4().hex[:16]
    runlog = RunLog(runlog_url or workdir)
    try:
        recover_killed(runlog, graph, ProductStore(workdir))
        runlog.start_reduction(
            reduction_id,
            workflow=workflow_name,
            targets=sorted({graph.nodes[t]["task"] for t in _targets(graph)}),
            inputs=raw_inputs(graph),
            planner=plan.planner,
            plan=plan.to_dict(),
            refused=prepared.refused,
            executor=executor,
            workers=workers,
            workdir=str(workdir),
        )
        recorder = Recorder(
            runlog,
            WorkDB(workdir),
            graph,
            reduction_id=reduction_id,
            workflow=workflow_name,
            planner=plan.planner,
            total=len(prepared.specs),
            progress=progress,
        )
        recorder.states({job: (spec.task, "pending") for job, spec in prepared.specs.items()})
        incomplete = {job: recorder.incomplete(job) for job in prepared.incomplete}
        recorder.flush()
        ctx = RunContext(str(workdir), dummy=dummy, executor=executor)
        start = time.time()
        try:
            if executor == "dask":
                from .dask_executor import run_dask

                outcomes = run_dask(prepared.specs, ctx, workers, recorder, scheduler)
            else:
                from .local import run_local

                outcomes = run_local(prepared.specs, ctx, workers, recorder, recorder.started)
        finally:
            recorder.flush()
        makespan = time.time() - start
        outcomes.update(incomplete)
        jobs = [outcomes[job] for job in _report_order(graph) if job in outcomes]
        targets = _targets(graph)
        missing = [t for t in targets if outcomes[t].status not in PRODUCED]
        if out is not None:
            deliver([job for job in jobs if job.id in set(targets)], out)
        result = ReductionResult(
            reduction=reduction_id,
            status=_status(jobs, missing, len(targets)),
            planner=plan.planner,
            makespan_s=makespan,
            jobs=jobs,
            refused=prepared.refused,
            missing_targets=missing,
        )
        runlog.finish_reduction(reduction_id, result.status, result.to_dict())
        return result
    except BaseException as exc:
        with contextlib.suppress(Exception):  # the original error is the one to report
            runlog.finish_reduction(
                reduction_id, "failed", {"error": f"{type(exc).__name__}: {exc}"}
            )
        raise
    finally:
        runlog.close()


def _targets(graph: nx.DiGraph) -> list[str]:
    """Target jobs; a graph without target flags (hand-built) targets its sinks."""
    flagged = [n for n, t in graph.nodes(data="target", default=False) if t]
    return flagged or [n for n in graph if graph.out_degree(n) == 0]


def _report_order(graph: nx.DiGraph) -> list[str]:
    return list(graph.graph.get("order") or nx.topological_sort(graph))


def _status(jobs: list[JobOutcome], missing: list[str], targets: int) -> str:
    if targets and len(missing) == targets:
        return "failed"
    if missing or any(job.status == FAILED for job in jobs):
        return "partial"
    return "succeeded"


def _output_dir(output_dir: str | os.PathLike | None) -> Path | None:
    """The delivery folder, checked writable before anything runs."""
    if output_dir is None:
        return None
    out = Path(output_dir).resolve()
    probe = out / f".radps-probe-{uuid.uuid4().hex[:8]}"
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise InputError(f"output folder {out} is not writable: {exc.strerror or exc}") from exc
    return out


def deliver(jobs: list[JobOutcome], out: Path) -> None:
    """Hard-link (or copy, across filesystems) the products of ``jobs`` to
    ``out/<task>/<job id>/``: one folder per job, so equal product names never collide."""
    for job in jobs:
        if job.status not in PRODUCED:
            continue
        folder = out / job.task / job.id
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for product in job.products:
                target = folder / os.path.basename(product)
                partial = target.with_name(f".{target.name}.part")
                partial.unlink(missing_ok=True)
                try:
                    os.link(product, partial)
                except OSError:
                    shutil.copy2(product, partial)
                os.replace(partial, target)
        except OSError as exc:
            raise InputError(
                f"cannot deliver the products of job {job.id} (task {job.task}) to {folder}: "
                f"{exc.strerror or exc}"
            ) from exc
