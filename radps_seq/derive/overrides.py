"""``-wp NAME VALUE`` and ``-rp TASK NAME VALUE`` checked against what a cascade knows.

EDPS takes any name, so a typo (``-wp ilumination_correction false``) runs the reduction
with the default without a word; here a name the cascade never reads, or a value of
another type than the one in its parameters file, is refused with the names it knows.
A task's recipe parameters are known from the parameter sets that set them for that
task and from the task's own functions that read or write them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..cascade import Workflow
from ..errors import ParameterError


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
    for name in _read_by_functions(workflow.tasks.values(), ("get_workflow_param",)):
        known.setdefault(name, None)
    return known


def known_recipe_parameters(workflow: Workflow, sets: Any, task_name: str) -> dict[str, Any]:
    """Every recipe parameter the cascade knows for one task, with an example value
    (None when only the task's functions name it)."""
    known: dict[str, Any] = {}
    for parameter_set in sets.sets.values():
        for key, value in parameter_set.recipe_parameters.get(task_name, {}).items():
            known.setdefault(key, value)
    uses = ("get_recipe_param", "recipe_parameters", "get_recipe_parameters")
    for name in _read_by_functions([workflow.task(task_name)], uses):
        known.setdefault(name, None)
    return known


def _read_by_functions(tasks: Any, uses: tuple[str, ...]) -> set[str]:
    """Names that the tasks' condition, parameter and job-processing functions read or
    set through one of ``uses`` (string constants of the functions that call them)."""
    functions: list[Any] = []
    for task in tasks:
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
        if any(use in code.co_names for use in uses):
            # parameter names are identifiers; a docstring (also a constant) is not one
            names.update(c for c in code.co_consts if isinstance(c, str) and c.isidentifier())
    return names


def check_overrides(workflow: Workflow, sets: Any, overrides: Mapping[str, Any]) -> None:
    """``-wp NAME VALUE`` must name a parameter of the cascade and have its type: a typo
    would otherwise be ignored and the reduction run with the default."""
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


def check_recipe_overrides(workflow: Workflow, sets: Any, overrides: Mapping[str, Mapping[str, Any]]) -> None:
    """``-rp TASK NAME VALUE`` must name a task of the cascade and a recipe parameter the
    cascade knows for it, with its type: a typo would otherwise run the recipe with its
    default."""
    for task_name, values in overrides.items():
        recipe = workflow.task(task_name).recipe or "its function"  # an unknown task is an error
        known = known_recipe_parameters(workflow, sets, task_name)
        for name, value in values.items():
            if name not in known:
                raise ParameterError(
                    f"task {task_name!r}: unknown recipe parameter {name!r} (recipe {recipe} of "
                    f"{workflow.name}); known: "
                    f"{', '.join(sorted(known)) or 'none (no parameter set of this cascade sets any for it)'}"
                )
            expected = known[name]
            if expected is not None and not _same_kind(expected, value):
                raise ParameterError(
                    f"task {task_name!r}, recipe parameter {name!r} = {value!r}: expected "
                    f"{_kind_name(expected)} like {expected!r} (the value in {sets.origin or 'the parameters file'})"
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
