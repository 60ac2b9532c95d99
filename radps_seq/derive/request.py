"""One derivation request end to end: load, scan, classify, derive (no recipe runs)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from typing import Any

from ..cascade import Workflow
from ..gcpause import gc_paused
from .classify import Classification, classify
from .graph import Derivation, build_job_graph, select_drafts
from .jobs import RAW_PER_QUALITY_LEVEL, Deriver


def load(workflow: Workflow | str | os.PathLike) -> Workflow:
    if isinstance(workflow, Workflow):
        return workflow
    from ..cascade.loader import load_workflow

    return load_workflow(workflow)


def parameter_set(
    workflow: Workflow, name: str | None, overrides: Mapping[str, Any] | None
) -> Any:
    from ..cascade.parameters import ParameterSets

    sets = workflow.parameters if workflow.parameters is not None else ParameterSets.empty()
    chosen = sets.select(name)
    if not overrides:
        return chosen
    updated = chosen.with_overrides(overrides)
    check_overrides(workflow, sets, {k: updated.workflow_parameters[k] for k in overrides})
    return updated


def known_workflow_parameters(workflow: Workflow, sets: Any) -> dict[str, Any]:
    """Every workflow parameter the cascade knows, with an example value (None when only
    a ``$name`` keyword refers to it): the names of its parameter sets and its keywords."""
    known: dict[str, Any] = {}
    for parameter_set in sets.sets.values():
        for key, value in parameter_set.workflow_parameters.items():
            known.setdefault(key, value)
    keywords: list[str] = []
    for source in workflow.data_sources.values():
        keywords += [*source.grouping_keywords, *source.setup_keywords]
        keywords += [k for rule in source.match_rules.rules for k in rule.keywords]
    for task in workflow.tasks.values():
        keywords += list(task.grouping_keywords)
    for keyword in keywords:
        if keyword.startswith("$"):
            known.setdefault(keyword[1:], None)
    for name in _read_by_functions(workflow):
        known.setdefault(name, None)
    return known


def _read_by_functions(workflow: Workflow) -> set[str]:
    """Names that the cascade's condition and parameter functions pass to
    ``params.get_workflow_param`` (string constants of the functions that call it)."""
    functions: list[Any] = []
    for task in workflow.tasks.values():
        functions += [task.condition, task.function, *task.dynamic_parameters.values()]
        functions += [*task.job_processing]
        functions += [getattr(i, "condition", None) for i in task.associated_inputs]
        functions += [getattr(a, "condition", None) for g in task.alternatives for a in g.inputs]
    names: set[str] = set()
    codes = [getattr(f, "__code__", None) for f in functions]
    while codes:
        code = codes.pop()
        if code is None:
            continue
        codes += [c for c in code.co_consts if hasattr(c, "co_consts")]
        if "get_workflow_param" in code.co_names:
            names.update(c for c in code.co_consts if isinstance(c, str))
    return names


def check_overrides(workflow: Workflow, sets: Any, overrides: Mapping[str, Any]) -> None:
    """``-wp NAME VALUE`` must name a parameter of the cascade and have its type: a typo
    would otherwise be ignored and the reduction run with the default."""
    from ..errors import ParameterError

    known = known_workflow_parameters(workflow, sets)
    for name, value in overrides.items():
        if name not in known:
            raise ParameterError(
                f"-wp {name}: unknown workflow parameter of {workflow.name}; known: "
                f"{', '.join(sorted(known)) or 'none (this cascade has no workflow parameters)'}"
            )
        expected = known[name]
        if expected is None or _same_kind(expected, value):
            continue
        raise ParameterError(
            f"-wp {name} {value!r}: expected {_kind_name(expected)} like {expected!r} "
            f"(the value in {sets.origin or 'the parameters file'})"
        )


def _same_kind(expected: Any, value: Any) -> bool:
    if isinstance(expected, bool) or isinstance(value, bool):
        return isinstance(expected, bool) and isinstance(value, bool)
    if isinstance(expected, int | float):
        return isinstance(value, int | float)
    if isinstance(expected, str):
        return isinstance(value, str | int | float)
    return isinstance(value, type(expected))


def _kind_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    return {str: "text", list: "a list", dict: "a mapping"}.get(type(value), type(value).__name__)


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
) -> Derivation:
    """Derive the job graph for targets; without targets, ``science`` as in EDPS."""
    with gc_paused():
        return _derive(
            workflow, headers, tasks=tasks, meta_targets=meta_targets,
            workflow_parameters=workflow_parameters, parameter_set_name=parameter_set_name,
            association_preference=association_preference, scan_errors=scan_errors,
            classification=classification,
        )


def _derive(
    workflow: Workflow,
    headers: Sequence[Any],
    *,
    tasks: Sequence[str],
    meta_targets: Sequence[str],
    workflow_parameters: Mapping[str, Any] | None,
    parameter_set_name: str | None,
    association_preference: str,
    scan_errors: Sequence[Any],
    classification: Classification | None,
) -> Derivation:
    if not tasks and not meta_targets:
        meta_targets = ("science",)
    targets = workflow.resolve_targets(tasks, meta_targets)
    params = parameter_set(workflow, parameter_set_name, workflow_parameters)
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
