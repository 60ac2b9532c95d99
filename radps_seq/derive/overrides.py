"""``-wp NAME VALUE`` checked against the workflow parameters a cascade knows.

EDPS takes any name, so a typo (``-wp ilumination_correction false``) runs the reduction
with the default without a word; here a name the cascade never reads, or a value of
another type than the one in its parameters file, is refused with the names it knows.
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
