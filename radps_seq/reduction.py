"""One reduction request end to end: derive → propose → guard → execute → record.

The command line and (later) the REST service both go through :func:`run_reduction`,
so a reduction behaves the same whoever asks for it. Everything a reduction decides is
stored in the work directory's database by the executor, not kept in memory.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import RadpsError

log = logging.getLogger(__name__)

#: EDPS's default ordering.
DEFAULT_PLANNER = "dfs"


@dataclass
class ReductionRequest:
    """What a user asks for; defaults are those of ``radps-seq run``."""

    workflow: str
    inputs: Sequence[str]
    workdir: str
    tasks: Sequence[str] = ()
    meta_targets: Sequence[str] = ()
    workflow_parameters: Mapping[str, Any] = field(default_factory=dict)
    parameter_set: str | None = None
    association_preference: str = "raw_per_quality_level"
    planner: str = DEFAULT_PLANNER
    model: str | None = None
    objective: str = "makespan"
    skip_threshold: float | None = None
    seed: int = 0
    workers: int = 1
    executor: str = "local"
    scheduler: str | None = None
    dummy: bool = False
    force: bool = False
    force_downstream: Sequence[str] = ()
    retries: int | None = None
    timeout_s: float | None = None
    output_dir: str | None = None
    runlog_url: str | None = None
    tracking_uri: str | None = None
    track: bool = True
    #: The id the run log records the reduction under (a new one when None).
    reduction_id: str | None = None

    def derivation_options(self) -> dict[str, Any]:
        return {
            "tasks": list(self.tasks),
            "meta_targets": list(self.meta_targets),
            "workflow_parameters": dict(self.workflow_parameters),
            "parameter_set_name": self.parameter_set,
            "association_preference": self.association_preference,
        }


def derive_for(request: ReductionRequest, progress: bool = False) -> tuple[Any, Any]:
    """The loaded cascade and its derivation for the request (through the caches)."""
    from .derive.request import derive_request, load

    workflow = load(request.workflow)
    derivation = derive_request(
        workflow, list(request.inputs), workdir=request.workdir, progress=progress,
        **request.derivation_options(),
    )
    return workflow, derivation


def sequencer_for(request: ReductionRequest) -> Any:
    """The request's sequencer, fitted on the work directory's run log when it learns."""
    from .plan import get_sequencer

    params: dict[str, Any] = {}
    if request.model:
        params["model"] = request.model
    if request.skip_threshold is not None:
        params["skip_threshold"] = request.skip_threshold
    try:
        sequencer = get_sequencer(request.planner, **params)
    except TypeError as exc:
        raise RadpsError(f"planner {request.planner!r} does not take {sorted(params)}: {exc}") from None
    return sequencer.fit(_run_log(request) if _learns(sequencer, request) else None)


def _learns(sequencer: Any, request: ReductionRequest) -> bool:
    if getattr(sequencer, "uses_truth", False):
        raise RadpsError(
            f"planner {request.planner!r} needs the true outcomes of the jobs and is for offline "
            "replay only; choose another planner for a reduction"
        )
    return request.planner in {"critical-path", "learned"} and not request.model


def _run_log(request: ReductionRequest) -> Any:
    from .runlog import load_runs

    where = request.runlog_url or request.workdir
    if request.runlog_url is None and not (Path(request.workdir) / "runlog.sqlite").exists():
        return None
    frame = load_runs(where)
    return frame if len(frame) else None


def propose(request: ReductionRequest, derivation: Any) -> Any:
    from .plan import PlanContext

    sequencer = sequencer_for(request)
    context = PlanContext(workers=request.workers, objective=request.objective, seed=request.seed)
    return sequencer.propose(derivation.graph, context)


def run_reduction(request: ReductionRequest, progress: bool = False) -> tuple[Any, Any, Any]:
    """Run the request; returns (derivation, proposed plan, executor result)."""
    from .execute import execute

    workflow, derivation = derive_for(request, progress=progress)
    require_targets(derivation, request)
    plan = propose(request, derivation)
    if plan.skip:
        plan = keep_reused(plan, request, workflow, derivation)
    result = execute(
        derivation.graph,
        plan,
        workdir=request.workdir,
        workflow=workflow,
        executor=request.executor,
        workers=request.workers,
        scheduler=request.scheduler,
        dummy=request.dummy,
        force=request.force,
        force_downstream=list(request.force_downstream) or False,
        retries=request.retries,
        timeout_s=request.timeout_s,
        runlog_url=request.runlog_url,
        reduction_id=request.reduction_id,
        output_dir=request.output_dir,
        progress=progress,
    )
    if request.track:
        _track(request, result, plan)
    return derivation, plan, result


def require_targets(derivation: Any, request: ReductionRequest) -> None:
    """A reduction with nothing to produce is a mistake in the request: say which."""
    graph = derivation.graph
    if any(graph.nodes[n]["target"] for n in graph):
        return
    unreadable = len(derivation.errors)
    raise RadpsError(
        f"nothing to reduce: no job of the target task(s) {', '.join(derivation.targets) or '-'} "
        f"could be derived from {', '.join(map(str, request.inputs))} "
        f"({len(derivation.unclassified)} unclassified file(s), {unreadable} unreadable or missing); "
        "check the inputs with 'radps-seq classify' and the targets with 'radps-seq tasks'"
    )


def keep_reused(plan: Any, request: ReductionRequest, workflow: Any, derivation: Any) -> Any:
    """Drop proposed skips of jobs whose products already exist: skipping them saves no
    compute and would change products that earlier reductions delivered."""
    from .plan import Plan

    unskipped = Plan(plan.planner, list(plan.order), [], dict(plan.predictions))
    decisions = _decisions(request, workflow, derivation, unskipped)
    reused = {d.job for d in decisions if d.action == "reuse"}
    kept = [job for job in plan.skip if job not in reused]
    if len(kept) != len(plan.skip):
        log.info("%d proposed skip(s) dropped: their products already exist", len(plan.skip) - len(kept))
    return Plan(plan.planner, list(plan.order), kept, dict(plan.predictions))


def _track(request: ReductionRequest, result: Any, plan: Any) -> None:
    """Log the reduction to MLflow next to the offline experiments; never fail the run."""
    try:
        from .experiments import log_reduction_run

        log_reduction_run(
            result.to_dict() | {"refused": list(result.refused)},
            plan.to_dict(),
            tracking_uri=request.tracking_uri,
            workdir=os.fspath(request.workdir),
        )
    except Exception as exc:  # tracking is a convenience; the products are what matter
        log.warning("could not log the reduction to MLflow: %s: %s", type(exc).__name__, exc)


def dry_run_reduction(request: ReductionRequest) -> tuple[Any, Any, list[Any]]:
    workflow, derivation = derive_for(request)
    require_targets(derivation, request)
    plan = propose(request, derivation)
    if plan.skip:
        plan = keep_reused(plan, request, workflow, derivation)
    return derivation, plan, _decisions(request, workflow, derivation, plan)


def _decisions(request: ReductionRequest, workflow: Any, derivation: Any, plan: Any) -> list[Any]:
    from .execute import dry_run

    return dry_run(
        derivation.graph,
        plan,
        workdir=request.workdir,
        workflow=workflow,
        force=request.force,
        force_downstream=list(request.force_downstream) or False,
        dummy=request.dummy,
    )
