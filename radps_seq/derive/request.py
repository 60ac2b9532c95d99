"""One derivation request end to end: load, scan, classify, derive (no recipe runs)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from typing import Any

from ..cascade import Workflow
from ..gcpause import gc_paused
from .associate import RAW_PER_QUALITY_LEVEL
from .classify import Classification, classify
from .drafts import Deriver
from .graph import Derivation, build_job_graph, select_drafts
from .overrides import check_overrides, check_recipe_overrides


def load(workflow: Workflow | str | os.PathLike) -> Workflow:
    if isinstance(workflow, Workflow):
        return workflow
    from ..cascade.loader import load_workflow

    return load_workflow(workflow)


def parameter_set(
    workflow: Workflow,
    name: str | None,
    overrides: Mapping[str, Any] | None,
    recipe_overrides: Mapping[str, Mapping[str, Any]] | None = None,
    recipe_set_name: str | None = None,
) -> Any:
    """The parameters of a request, EDPS precedence: command line (``-wp``, ``-rp``) over
    the chosen sets (``-wps`` for workflow parameters, ``-rps`` for recipe parameters,
    else the default set)."""
    from dataclasses import replace

    from ..cascade.parameters import ParameterSets

    sets = workflow.parameters if workflow.parameters is not None else ParameterSets.empty()
    chosen = sets.select(name)
    if recipe_set_name is not None:
        recipes = sets.select(recipe_set_name).recipe_parameters
        chosen = replace(chosen, recipe_parameters={t: dict(p) for t, p in recipes.items()})
    if overrides:
        chosen = chosen.with_overrides(overrides)
        check_overrides(workflow, sets, {k: chosen.workflow_parameters[k] for k in overrides})
    if recipe_overrides:
        chosen = chosen.with_recipe_overrides(recipe_overrides)
        check_recipe_overrides(workflow, sets, {
            task_name: {k: chosen.recipe_parameters[task_name][k] for k in values}
            for task_name, values in recipe_overrides.items()
        })
    return chosen


def derive(
    workflow: Workflow,
    headers: Sequence[Any],
    *,
    tasks: Sequence[str] = (),
    meta_targets: Sequence[str] = (),
    workflow_parameters: Mapping[str, Any] | None = None,
    parameter_set_name: str | None = None,
    association_preference: str = RAW_PER_QUALITY_LEVEL,
    scan_errors: Sequence[Any] = (),
    classification: Classification | None = None,
    recipe_parameters: Mapping[str, Mapping[str, Any]] | None = None,
    recipe_parameter_set_name: str | None = None,
) -> Derivation:
    """Derive the job graph for targets; without targets, ``science`` as in EDPS."""
    params = parameter_set(
        workflow, parameter_set_name, workflow_parameters, recipe_parameters,
        recipe_parameter_set_name,
    )
    with gc_paused():
        return _derive(
            workflow, headers, tasks=tasks, meta_targets=meta_targets, params=params,
            association_preference=association_preference, scan_errors=scan_errors,
            classification=classification,
        )


def _derive(
    workflow: Workflow,
    headers: Sequence[Any],
    *,
    tasks: Sequence[str],
    meta_targets: Sequence[str],
    params: Any,
    association_preference: str,
    scan_errors: Sequence[Any],
    classification: Classification | None,
) -> Derivation:
    if not tasks and not meta_targets:
        meta_targets = ("science",)
    targets = workflow.resolve_targets(tasks, meta_targets)
    classification = classification or classify(headers, workflow)
    deriver = Deriver(workflow, classification, params, association_preference)
    drafts, target_ids = select_drafts(deriver, targets)
    graph = build_job_graph(workflow, drafts, target_ids)
    errors = [{"file": e.file, "error": e.error} for e in scan_errors]
    errors += classification.duplicate_errors()
    needed = _needed_tasks(workflow, [t.name for t in targets])
    incomplete = [
        {"task": s.task, "job": None, "file": s.file, "missing": s.missing}
        for s in deriver.small_groups
        if s.task in needed
    ]
    incomplete += [
        {"task": job.task, "job": job.id, "file": _trigger_file(job), "missing": job.missing}
        for job in (graph.nodes[n]["job"] for n in graph.graph["order"])
        if not job.complete
    ]
    return Derivation(
        workflow=workflow.name,
        targets=[t.name for t in targets],
        graph=graph,
        unclassified=sorted(classification.unclassified),
        errors=sorted(errors, key=lambda e: (e["file"], e["error"])),
        incomplete=incomplete,
    )


def derive_request(
    workflow: Workflow | str | os.PathLike,
    inputs: Sequence[str | os.PathLike],
    *,
    workdir: str | os.PathLike | None = None,
    progress: bool = False,
    **options: Any,
) -> Derivation:
    """Load the cascade, scan the inputs (through the header index) and derive.

    With a work directory, an identical request over unchanged files reuses the
    previous derivation (see :mod:`radps_seq.derive.cache`).
    """
    from ..headers import scan
    from . import cache

    loaded = load(workflow)
    scanned = scan(inputs, workdir, progress=progress)
    key = None
    if workdir is not None and loaded.origin:
        key = cache.derivation_key(loaded.origin, scanned.headers, scanned.errors, options)
        cached = cache.load_cached(workdir, key)
        if cached is not None:
            return cached
    derivation = derive(loaded, scanned.headers, scan_errors=scanned.errors, **options)
    if key is not None:
        with contextlib.suppress(OSError):  # a cache: a read-only or full disk stores nothing
            cache.store(workdir, key, derivation)
    return derivation


def _needed_tasks(workflow: Workflow, targets: Sequence[str]) -> set[str]:
    import networkx as nx

    graph = workflow.task_graph()
    needed = set(targets)
    for name in targets:
        needed |= nx.ancestors(graph, name)
    return needed


def _trigger_file(job: Any) -> str | None:
    for item in job.inputs:
        if item.slot == "main" and item.file:
            return item.file
    return None
