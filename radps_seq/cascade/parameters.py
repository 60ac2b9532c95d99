"""Named parameter sets of a cascade, read from an EDPS ``<name>_parameters.yaml``.

The file is a mapping of set names to sets::

    science:
      is_default: yes
      workflow_parameters: {bias_min_count: 3}
      recipe_parameters:
        bias: {fakeinst.fakeinst_bias.kappa: 3.0}

``recipe_parameters`` is keyed by task name. EDPS files may also put a task's recipe
parameters directly in the set (``bias: {...}`` next to ``workflow_parameters``); both
forms are merged, the explicit section winning. Anchors, aliases and merge keys
(``<<: *defaults``) are resolved by the YAML reader, so sets can share sections.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ..errors import ParameterError

_SET_KEYS = (
    "is_default", "workflow_parameters", "recipe_parameters", "description", "tags",
    "packaging_parameters",
)


@dataclass
class ParameterSet:
    """One named set: workflow parameters and recipe parameters per task."""

    name: str
    workflow_parameters: dict[str, Any] = field(default_factory=dict)
    recipe_parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Meta-targets the set is meant for (``tags: [qc1calib]``); informative.
    tags: list[str] = field(default_factory=list)
    packaging_parameters: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    def with_recipe_overrides(self, overrides: Mapping[str, Mapping[str, Any]]) -> ParameterSet:
        """A copy with recipe parameters of tasks replaced, as ``-rp TASK NAME VALUE`` does
        (values read as YAML scalars, like ``-wp``)."""
        recipe = {t: dict(p) for t, p in self.recipe_parameters.items()}
        for task_name, params in overrides.items():
            recipe.setdefault(task_name, {}).update(
                {name: _from_text(value) for name, value in params.items()}
            )
        return replace(self, recipe_parameters=recipe)

    def with_overrides(self, workflow_parameters: Mapping[str, Any]) -> ParameterSet:
        """A copy with workflow parameters replaced, as ``-wp NAME VALUE`` does.

        Values typed on a command line arrive as strings; they are read as YAML scalars
        (``"3"`` -> 3, ``"true"`` -> True, ``"0.5"`` -> 0.5) so an override has the same
        type as the value it replaces in the parameters file.
        """
        merged = dict(self.workflow_parameters)
        merged.update({name: _from_text(value) for name, value in workflow_parameters.items()})
        return replace(
            self,
            workflow_parameters=merged,
            recipe_parameters={t: dict(p) for t, p in self.recipe_parameters.items()},
        )

    def for_task(self, task_name: str) -> dict[str, Any]:
        """The recipe parameters of one task (empty when the set names none)."""
        return dict(self.recipe_parameters.get(task_name, {}))


def _from_text(value: Any) -> Any:
    if not isinstance(value, str) or value == "":
        return value
    try:
        return yaml.safe_load(value)
    except yaml.YAMLError:
        return value


@dataclass
class ParameterSets:
    """All sets of one parameters file and which of them is the default."""

    sets: dict[str, ParameterSet] = field(default_factory=dict)
    default: str | None = None
    origin: str = ""

    @classmethod
    def empty(cls) -> ParameterSets:
        """No file: every selection gives an empty set named ``default``."""
        return cls()

    @classmethod
    def load(cls, path: str | os.PathLike) -> ParameterSets:
        """Read a parameters YAML file; any malformation is a ParameterError naming it."""
        origin = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ParameterError(f"{origin}: cannot read parameters file: {exc.strerror}") from None
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" line {mark.line + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or str(exc)
            raise ParameterError(f"{origin}{where}: invalid YAML: {problem}") from None
        if document is None:
            return cls(origin=origin)
        if not isinstance(document, Mapping):
            raise ParameterError(
                f"{origin}: expected a mapping of parameter set names to sets, "
                f"got {_kind(document)}"
            )
        sets: dict[str, ParameterSet] = {}
        defaults: list[str] = []
        for name, body in document.items():
            name = str(name)
            parameter_set, is_default = _parse_set(origin, name, body)
            sets[name] = parameter_set
            if is_default:
                defaults.append(name)
        if len(defaults) > 1:
            raise ParameterError(
                f"{origin}: several parameter sets are marked is_default: {', '.join(defaults)}; "
                "mark exactly one"
            )
        return cls(sets=sets, default=defaults[0] if defaults else None, origin=origin)

    def select(self, name: str | None = None) -> ParameterSet:
        """The named set, or with no name the default one.

        Without a name: the ``is_default`` set, else the only set, else a set literally
        called ``default``; a file with several sets and none of these is ambiguous.
        """
        if name is not None:
            try:
                return self.sets[name]
            except KeyError:
                raise ParameterError(
                    f"parameter set {name!r} does not exist in {self.origin or 'the workflow'}; "
                    f"available: {', '.join(self.sets) or 'none'}"
                ) from None
        if self.default is not None:
            return self.sets[self.default]
        if len(self.sets) == 1:
            return next(iter(self.sets.values()))
        if not self.sets:
            return ParameterSet(name="default")
        if "default" in self.sets:
            return self.sets["default"]
        raise ParameterError(
            f"{self.origin}: no parameter set is marked is_default; choose one of: "
            f"{', '.join(self.sets)}"
        )


def _parse_set(origin: str, name: str, body: Any) -> tuple[ParameterSet, bool]:
    where = f"{origin}: parameter set {name!r}"
    if body is None:
        return ParameterSet(name=name), False
    if not isinstance(body, Mapping):
        raise ParameterError(f"{where}: expected a mapping, got {_kind(body)}")
    is_default = body.get("is_default", False)
    if not isinstance(is_default, bool):
        raise ParameterError(f"{where}: is_default must be yes/no, got {is_default!r}")
    description = body.get("description")
    if description is not None and not isinstance(description, str):
        raise ParameterError(f"{where}: description must be text, got {_kind(description)}")
    workflow = _section(where, "workflow_parameters", body.get("workflow_parameters"))
    recipe: dict[str, dict[str, Any]] = {}
    per_task = {k: v for k, v in body.items() if k not in _SET_KEYS}
    for section, tasks in (
        ("recipe parameters given per task", per_task),
        ("recipe_parameters", _section(where, "recipe_parameters", body.get("recipe_parameters"))),
    ):
        for task_name, params in tasks.items():
            if params is not None and not isinstance(params, Mapping):
                raise ParameterError(
                    f"{where}: {section}: task {task_name!r} must map parameter names to "
                    f"values, got {_kind(params)}"
                    + (f" (known set keys: {', '.join(_SET_KEYS)})" if tasks is per_task else "")
                )
            recipe.setdefault(str(task_name), {}).update(params or {})
    tags = body.get("tags") or []
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ParameterError(f"{where}: tags must be a list of meta-target names, got {_kind(tags)}")
    packaging = _section(where, "packaging_parameters", body.get("packaging_parameters"))
    return ParameterSet(
        name=name, workflow_parameters=workflow, recipe_parameters=recipe,
        tags=[t.lower() for t in tags], packaging_parameters=packaging,
        description=description or "",
    ), is_default


def _section(where: str, key: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ParameterError(f"{where}: {key} must be a mapping, got {_kind(value)}")
    return {str(k): v for k, v in value.items()}


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {value!r}"
    return f"{type(value).__name__} {value!r}"
