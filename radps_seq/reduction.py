"""One reduction request end to end: derive → propose → guard → execute → record.

The command line and the REST service both go through :func:`run_reduction`, so a
reduction behaves the same whoever asks for it. Each layer is called once and only
downward: the derivation (through its cache), the sequencer's proposal, the job specs
(inputs hashed once — which is where proposed skips of reusable jobs are dropped), the
guard (:func:`radps_seq.plan.accept`, once per plan and per re-plan), the executor,
then the record in MLflow. Everything a reduction decides is stored in the work
directory's database by the executor, not kept in memory.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import RadpsError

if TYPE_CHECKING:
    import pandas as pd

    from .cascade import Workflow
    from .derive import Derivation
    from .execute import Decision, Prepared, ReductionResult
    from .plan import CheckedPlan, PlanContext, Sequencer
    from .plan.plan import Plan

log = logging.getLogger(__name__)

#: EDPS's default ordering.
DEFAULT_PLANNER = "dfs"


@dataclass
class ReductionRequest:
    """What a user asks for; the one place request defaults live (the command line
    passes only what was given). ``association_preference`` None is the derivation's
    own default; ``tracking_uri`` None is MLflow's rule (``$MLFLOW_TRACKING_URI``, else
    ``sqlite:///mlflow.db`` here) — it is passed on explicitly, never through the
    environment."""

    workflow: str
    inputs: Sequence[str]
    workdir: str
    tasks: Sequence[str] = ()
    meta_targets: Sequence[str] = ()
    workflow_parameters: Mapping[str, Any] = field(default_factory=dict)
    parameter_set: str | None = None
    #: Per-task recipe parameter overrides (``-rp TASK NAME VALUE``): they enter the
    #: job ids, and so the cache keys, of the tasks they change and of their descendants.
    recipe_parameters: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: The parameter set to take the recipe parameters from (``-rps``).
    recipe_parameter_set: str | None = None
    association_preference: str | None = None
    planner: str = DEFAULT_PLANNER
    #: A proposed plan (``order``, ``skip``: job ids) to run instead of the planner's
    #: proposal; the guard checks it like any other, so an illegal one is refused and
    #: the baseline runs with the refusal on record.
    plan: Mapping[str, Any] | None = None
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

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> ReductionRequest:
        """A request from keyword options named as the fields; None (an option not
        given) keeps the field's default, and an unknown name is an error."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(options) - names)
        if unknown:
            raise RadpsError(f"unknown reduction option(s): {', '.join(unknown)}")
        return cls(**{k: v for k, v in options.items() if v is not None})

    def derivation_options(self) -> dict[str, Any]:
        options = {
            "tasks": list(self.tasks),
            "meta_targets": list(self.meta_targets),
            "workflow_parameters": dict(self.workflow_parameters),
            "parameter_set_name": self.parameter_set,
        }
        # only when given, so the derivation cache keys of requests without them stay
        if self.association_preference is not None:
            options["association_preference"] = self.association_preference
        if self.recipe_parameters:
            options["recipe_parameters"] = {t: dict(p) for t, p in self.recipe_parameters.items()}
        if self.recipe_parameter_set is not None:
            options["recipe_parameter_set_name"] = self.recipe_parameter_set
        return options

    def plan_context(self) -> PlanContext:
        from .plan import PlanContext

        return PlanContext(workers=self.workers, objective=self.objective, seed=self.seed)


def derive_for(request: ReductionRequest, progress: bool = False) -> tuple[Workflow, Derivation]:
    """The loaded cascade and its derivation for the request (through the caches)."""
    from .derive.request import derive_request, load

    workflow = load(request.workflow)
    derivation = derive_request(
        workflow, list(request.inputs), workdir=request.workdir, progress=progress,
        **request.derivation_options(),
    )  # fmt: skip
    return workflow, derivation


def sequencer_for(request: ReductionRequest) -> Sequencer:
    """The request's sequencer, fitted on the work directory's run log when it learns
    from it (the ``learns_from_runlog`` tag) and no trained model is named."""
    from .plan import get_sequencer

    params: dict[str, Any] = {}
    if request.model:
        params["model"] = request.model
        if request.tracking_uri:
            params["tracking_uri"] = request.tracking_uri  # models:/ look-ups
    if request.skip_threshold is not None:
        params["skip_threshold"] = request.skip_threshold
    _check_planner_options(request.planner, params)
    try:
        sequencer = get_sequencer(request.planner, **params)
    except TypeError as exc:
        raise RadpsError(f"planner {request.planner!r} does not take {sorted(params)}: {exc}") from None
    if getattr(sequencer, "uses_truth", False):
        raise RadpsError(
            f"planner {request.planner!r} needs the true outcomes of the jobs and is for offline "
            "replay only; choose another planner for a reduction"
        )
    learns = getattr(sequencer, "learns_from_runlog", False) and not request.model
    run_log = _run_log(request) if learns else None
    if request.planner == "learned" and not request.model and run_log is None:
        raise RadpsError(
            "--planner learned needs a model: give --model FOLDER or models:/NAME/VERSION "
            f"(e.g. models/default), or run reductions in {request.workdir} first so it can "
            "learn from their run log"
        )
    return sequencer.fit(run_log)


_OPTION_OF = {"model": "--model", "skip_threshold": "--skip-threshold"}


def _check_planner_options(planner: str, params: Mapping[str, Any]) -> None:
    """An option the chosen planner does not take is a mistake, not something to drop."""
    import inspect

    from .plan.sequencers import sequencer_class

    accepted = inspect.signature(sequencer_class(planner).__init__).parameters
    for name in params:
        if name not in accepted:
            option = _OPTION_OF.get(name, name)
            raise RadpsError(
                f"{option} is for the learned planner; planner {planner!r} takes none "
                f"(drop {option} or use --planner learned)"
            )


def _run_log(request: ReductionRequest) -> pd.DataFrame | None:
    from .runlog import RUNLOG_FILE, load_runs

    if request.runlog_url is None and not (Path(request.workdir) / RUNLOG_FILE).exists():
        return None
    frame = load_runs(request.runlog_url or request.workdir)
    return frame if len(frame) else None


def propose(request: ReductionRequest, derivation: Derivation) -> Plan:
    """The sequencer's proposal, unchecked (``radps-seq plan`` shows it as proposed)."""
    return sequencer_for(request).propose(derivation.graph, request.plan_context())


def given_plan(request: ReductionRequest) -> Plan | None:
    """The plan the request brings, if any, read as a plan file is (unchecked)."""
    if request.plan is None:
        return None
    from .plan.plan import Plan

    return Plan.from_dict(dict(request.plan), source="the request's plan")


def require_targets(derivation: Derivation, request: ReductionRequest) -> None:
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


@dataclass
class Checked:
    """A request between the guard and the executor: its derivation, the checked plan,
    the prepared specs, and the sequencer with the context it planned in."""

    workflow: Workflow
    derivation: Derivation
    plan: CheckedPlan
    prepared: Prepared
    sequencer: Sequencer
    context: PlanContext


def check_request(
    request: ReductionRequest, progress: bool = False, save_memo: bool = True
) -> Checked:
    """Derive, propose, prepare the specs, drop skips of reusable jobs, and guard.

    Proposed skips of jobs whose products already exist are dropped before the guard
    sees the plan: skipping them saves no compute and would change products earlier
    reductions delivered. ``save_memo=False`` leaves the work directory untouched.
    """
    from .execute import prepare, reusable
    from .plan import accept

    workflow, derivation = derive_for(request, progress=progress)
    require_targets(derivation, request)
    sequencer = sequencer_for(request)
    context = request.plan_context()
    proposal = given_plan(request) or sequencer.propose(derivation.graph, context)
    prepared = prepare(
        derivation.graph,
        workdir=request.workdir,
        workflow=workflow,
        workers=request.workers,
        dummy=request.dummy,
        force=request.force,
        force_downstream=list(request.force_downstream) or False,
        retries=request.retries,
        timeout_s=request.timeout_s,
        save_memo=save_memo,
    )
    if proposal.skip:
        kept = proposal.without_skips(reusable(prepared, request.workdir))
        if len(kept.skip) != len(proposal.skip):
            dropped = len(proposal.skip) - len(kept.skip)
            log.info("%d proposed skip(s) dropped: their products already exist", dropped)
        proposal = kept
    plan, _ = accept(proposal, derivation.graph, context)
    return Checked(workflow, derivation, plan, prepared, sequencer, context)


def run_reduction(
    request: ReductionRequest, progress: bool = False
) -> tuple[Derivation, CheckedPlan, ReductionResult]:
    """Run the request; returns its derivation, the plan that ran and the result."""
    from .execute import execute

    checked = check_request(request, progress=progress)
    replan = None
    if getattr(checked.sequencer, "replans", False):
        from .plan.guard import guarded_replan

        replan = guarded_replan(checked.sequencer, checked.derivation.graph, checked.plan,
                                checked.context)  # fmt: skip
    result = execute(
        checked.derivation.graph,
        checked.plan,
        workdir=request.workdir,
        workflow=checked.workflow,
        executor=request.executor,
        workers=request.workers,
        scheduler=request.scheduler,
        dummy=request.dummy,
        runlog_url=request.runlog_url,
        reduction_id=request.reduction_id,
        output_dir=request.output_dir,
        progress=progress,
        prepared=checked.prepared,
        replan=replan,
    )
    if request.track:
        track(request, result, checked.plan, checked.derivation)
    return checked.derivation, checked.plan, result


def dry_run_reduction(
    request: ReductionRequest,
) -> tuple[Derivation, CheckedPlan, list[Decision]]:
    """What :func:`run_reduction` would run, reuse or skip, and why; writes nothing."""
    from .execute import dry_run

    checked = check_request(request, save_memo=False)
    decisions = dry_run(checked.derivation.graph, checked.plan, workdir=request.workdir,
                        prepared=checked.prepared)  # fmt: skip
    return checked.derivation, checked.plan, decisions


def track(request: ReductionRequest, result: ReductionResult, plan: CheckedPlan,
          derivation: Derivation | None = None) -> None:  # fmt: skip
    """Log the reduction to MLflow next to the offline experiments; never fail the run."""
    try:
        from .render import derivation_dot
        from .tracking import log_reduction_run

        log_reduction_run(
            result.to_dict() | {"refused": list(result.refused)},
            plan.to_dict(),
            tracking_uri=request.tracking_uri,
            workdir=os.fspath(request.workdir),
            request=request,
            graph=derivation.graph if derivation is not None else None,
            job_graph=derivation_dot(derivation) if derivation is not None else None,
        )
    except Exception as exc:  # tracking is a convenience; the products are what matter
        log.warning("could not log the reduction to MLflow: %s: %s", type(exc).__name__, exc)
