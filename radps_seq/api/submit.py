"""From a request body to a checked :class:`ReductionRequest`, or a 4xx that says why.

Everything a worker would trip over later is checked here, before anything is queued:
the inputs (inside a data root), the workflow (by name, loaded afresh from disk), the
targets, the parameter set, the planner and the model. A derivation-only request
(``execute: false``) is derived right here and answered at once.
"""

from __future__ import annotations

from typing import Any

from radps_seq.errors import RadpsError

from .access import NotFound, model_location, resolve_inputs, workflow_file
from .config import ServiceConfig
from .schemas import ReductionBody


class Invalid(RadpsError):
    """A request that cannot be served as given (HTTP 422)."""


def request_kwargs(body: ReductionBody, config: ServiceConfig) -> dict[str, Any]:
    """The :class:`radps_seq.reduction.ReductionRequest` arguments of a body (JSON data).

    Only fields the body sets are passed, so every default is the request's own.
    """
    inputs = resolve_inputs(body.inputs, config.data_roots)  # Forbidden / NotFound
    try:
        wkf = workflow_file(config.workflow_dirs, body.workflow)
    except NotFound as exc:
        raise Invalid(str(exc)) from None
    workflow = _load(wkf)
    _check_targets(workflow, body)
    kwargs: dict[str, Any] = {
        "workflow": str(wkf),
        "inputs": inputs,
        "workdir": str(config.workdir),
        "tasks": list(body.targets),
        "meta_targets": list(body.meta_targets),
        "workflow_parameters": dict(body.workflow_parameters),
        "recipe_parameters": {task: dict(values) for task, values in body.recipe_parameters.items()},
        "dummy": body.dummy,
        "force": body.force,
        "executor": config.executor,
        "scheduler": config.scheduler,
        "runlog_url": config.runlog_url,
        "tracking_uri": config.tracking_uri,
        "track": config.track,
    }
    for name in ("parameter_set", "recipe_parameter_set", "association_preference", "planner", "objective",
                 "skip_threshold", "seed", "workers"):
        value = getattr(body, name)
        if value is not None:
            kwargs[name] = value
    if body.planner is not None:
        _check_planner(body.planner)
    if body.plan is not None:
        if body.planner is not None or body.model is not None:
            raise Invalid("plan: give a planner (and model) or a plan, not both")
        kwargs["plan"] = {"planner": "manual", **body.plan.model_dump()}
    if body.model is not None:
        try:
            kwargs["model"] = model_location(config.model_dirs, body.model)
        except NotFound as exc:
            raise Invalid(str(exc)) from None
    return kwargs


def _load(wkf: Any) -> Any:
    from radps_seq.derive.request import load

    try:
        return load(wkf)
    except RadpsError as exc:
        raise Invalid(f"workflow {wkf.stem.removesuffix('_wkf')!r} cannot be loaded: {exc}") from None


def _check_targets(workflow: Any, body: ReductionBody) -> None:
    try:
        workflow.resolve_targets(list(body.targets), list(body.meta_targets))
        if body.parameter_set is not None and workflow.parameters is not None:
            workflow.parameters.select(body.parameter_set)
    except RadpsError as exc:
        raise Invalid(str(exc)) from None
    unknown = sorted(set(body.recipe_parameters) - set(workflow.tasks))
    if unknown:
        raise Invalid(f"recipe_parameters: unknown task(s) {', '.join(unknown)} of workflow {workflow.name!r}; "
                      f"known tasks: {', '.join(workflow.tasks)}")
    if body.recipe_parameters or body.recipe_parameter_set is not None:
        from radps_seq.derive.request import parameter_set

        try:
            parameter_set(workflow, body.parameter_set, None, body.recipe_parameters, body.recipe_parameter_set)
        except RadpsError as exc:
            raise Invalid(f"recipe_parameters: {exc}") from None


def _check_planner(name: str) -> None:
    from radps_seq.plan.sequencers import sequencer_class

    try:
        cls = sequencer_class(name)
    except RadpsError as exc:
        raise Invalid(str(exc)) from None
    if getattr(cls, "uses_truth", False):
        raise Invalid(f"planner {name!r} needs the true outcomes of the jobs and is for offline replay only")


def planner_of(kwargs: dict[str, Any]) -> str:
    """The planner a request will use (the request's default when it names none)."""
    from dataclasses import fields

    from radps_seq.reduction import ReductionRequest

    if kwargs.get("plan"):
        return kwargs["plan"]["planner"]
    default = next(f.default for f in fields(ReductionRequest) if f.name == "planner")
    return kwargs.get("planner", default)


def derivation_record(derivation: Any) -> dict[str, Any]:
    """The derive JSON (DESIGN.md 5.2) with each job's ``target`` and ``skippable`` flags."""
    record = derivation.to_dict()
    graph = derivation.graph
    for job in record["jobs"]:
        node = graph.nodes[job["id"]]
        job["target"] = bool(node.get("target"))
        job["skippable"] = bool(node.get("skippable"))
    return record


def derive_now(kwargs: dict[str, Any], require: bool = False) -> dict[str, Any]:
    """Derive the job graph of a request (no recipe runs); RadpsError → Invalid.

    With ``require``, a request with no target job to produce is refused now rather
    than failing later in the queue."""
    from radps_seq.reduction import ReductionRequest, derive_for, require_targets

    request = ReductionRequest.from_options(kwargs)
    try:
        _, derivation = derive_for(request)
        if require:
            require_targets(derivation, request)
    except RadpsError as exc:
        raise Invalid(str(exc)) from None
    return derivation_record(derivation)
