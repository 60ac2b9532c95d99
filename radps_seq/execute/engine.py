"""``execute``: one reduction from a job graph and a plan to products and a run record.

The plan arrives checked by the guard (a refusal travels with it, to be recorded with
its reasons); specs are prepared (unless the caller already did); the reduction and
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
from radps_seq.labels import graph_labels
from radps_seq.plan.plan import CheckedPlan
from radps_seq.runlog import RunLog
from radps_seq.sqlite_wal import writable

from .executors import Replan, get_executor
from .prepare import Prepared, prepare, raw_inputs
from .progress import Progress
from .record import Recorder
from .recovery import recover_killed
from .result import FAILED, PRODUCED, JobOutcome, ReductionResult
from .runner import RunContext
from .spec import JobSpec
from .store import ProductStore
from .workdb import WorkDB


def execute(
    graph: nx.DiGraph,
    plan: CheckedPlan,
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
    prepared: Prepared | None = None,
    replan: Replan | None = None,
) -> ReductionResult:
    """Run the complete jobs of ``graph`` in the order of ``plan``, a plan the guard
    accepted (:func:`radps_seq.plan.accept`); anything else is refused.

    ``retries`` and ``timeout_s`` are one value for every task or a mapping by task name
    (``"*"`` for the rest). ``force=True`` recomputes everything; ``force`` and
    ``force_downstream`` may also name tasks or job ids (the latter forcing their
    descendants too). ``dummy`` calls no recipe: each job writes placeholder products.
    ``prepared`` reuses specs already prepared with these options; ``replan`` is called
    as jobs finish and may return a new checked plan (see
    :mod:`radps_seq.execute.executors`).
    """
    if int(workers) < 1:
        raise RadpsError(f"workers must be at least 1, got {workers}")
    runner = get_executor(executor, int(workers), scheduler)
    workdir = _workdir(workdir)
    out = _output_dir(output_dir)
    if prepared is None:
        prepared = prepare(
            graph,
            workdir=workdir,
            workflow=workflow,
            workers=workers,
            dummy=dummy,
            force=force,
            force_downstream=force_downstream,
            retries=retries,
            timeout_s=timeout_s,
        )
    specs = prepared.in_plan(plan)
    if not dummy and executor == "local" and any(_will_run(spec) for spec in specs.values()):
        from .forkserver import fork_server

        fork_server()  # it preloads its modules while the first jobs are set up
    workflow_name = getattr(workflow, "name", None) or graph.graph.get("workflow")
    reduction_id = reduction_id or uuid.uuid4().hex[:16]
    runlog = RunLog(runlog_url or workdir)
    try:
        recover_killed(runlog, graph, ProductStore(workdir))
        recorder = _start(runlog, graph, plan, specs, reduction_id, workflow_name, executor,
                          int(workers), workdir, progress)  # fmt: skip
        ctx = RunContext(str(workdir), dummy=dummy, executor=executor)
        start = time.time()
        outcomes = _run(runner, specs, prepared.incomplete, ctx, recorder, replan)
        if recorder.progress is not None:
            recorder.progress.close()
        result = _result(graph, plan, reduction_id, outcomes, time.time() - start, out)
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


def _progress(
    runlog: RunLog, workflow: str | None, specs: Mapping[str, JobSpec], workers: int
) -> Progress:
    """Progress on stderr, its ETA from the run log's past runtimes of each task."""
    history = runlog.mean_runtimes(workflow)
    return Progress({job: spec.task for job, spec in specs.items()}, workers, history)


def _start(
    runlog: RunLog,
    graph: nx.DiGraph,
    plan: CheckedPlan,
    specs: dict[str, JobSpec],
    reduction_id: str,
    workflow_name: str | None,
    executor: str,
    workers: int,
    workdir: Path,
    progress: bool,
) -> Recorder:
    """Open the reduction's record (with its plan and any refusal) and its recorder."""
    runlog.start_reduction(
        reduction_id,
        workflow=workflow_name,
        targets=sorted({graph.nodes[t]["task"] for t in _targets(graph)}),
        inputs=raw_inputs(graph),
        planner=plan.planner,
        plan=plan.to_dict(),
        refused=plan.refused,
        executor=executor,
        workers=workers,
        workdir=str(workdir),
    )
    return Recorder(
        runlog,
        WorkDB(workdir),
        graph,
        reduction_id=reduction_id,
        workflow=workflow_name,
        planner=plan.planner,
        total=len(specs),
        progress=_progress(runlog, workflow_name, specs, workers) if progress else None,
    )


def _will_run(spec: JobSpec) -> bool:
    """Surely runs (nothing to reuse): worth starting the fork server early for."""
    return spec.previous is None or spec.forced is not None


def _run(
    runner: Any,
    specs: dict[str, JobSpec],
    incomplete: list[str],
    ctx: RunContext,
    recorder: Recorder,
    replan: Replan | None,
) -> dict[str, JobOutcome]:
    """Every job's outcome, recorded as it comes; incomplete jobs recorded as such."""
    recorder.states({job: (spec.task, "pending") for job, spec in specs.items()})
    outcomes = {job: recorder.incomplete(job) for job in incomplete}
    recorder.flush()
    try:
        outcomes |= runner.run(specs, ctx, recorder, recorder.started, replan)
    finally:
        recorder.flush()
    return outcomes


def _result(
    graph: nx.DiGraph,
    plan: CheckedPlan,
    reduction_id: str,
    outcomes: dict[str, JobOutcome],
    makespan: float,
    out: Path | None,
) -> ReductionResult:
    """The reduction's result (its target products delivered to ``out`` first)."""
    jobs = [outcomes[job] for job in _report_order(graph) if job in outcomes]
    targets = _targets(graph)
    missing = [t for t in targets if outcomes[t].status not in PRODUCED]
    if out is not None:
        deliver([job for job in jobs if job.id in set(targets)], out)
    return ReductionResult(
        reduction=reduction_id,
        status=_status(jobs, missing, len(targets)),
        planner=plan.planner,
        makespan_s=makespan,
        jobs=jobs,
        refused=list(plan.refused),
        missing_targets=missing,
        labels=graph_labels(graph),
    )


def _workdir(workdir: str | os.PathLike) -> Path:
    path = Path(workdir).resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create work directory {path}: {exc.strerror}") from exc
    if not writable(path):
        raise InputError(
            f"work directory {path} is read-only: a reduction writes its products and run "
            "log there; give a writable --workdir (runs, show and run -n read it as it is)"
        )
    return path


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
