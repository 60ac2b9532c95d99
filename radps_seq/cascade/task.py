"""Tasks: one processing step of a cascade, built with EDPS's fluent ``task(...)`` chain.

A :class:`Task` is specification only. The jobs derived from it for a given pile of
files are :class:`radps_seq.derive.job.Job` objects (Snakemake's rule/job split).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

from .data_source import DataSource
from .rules import MatchRules, keyword_list
from .subworkflow import current_subworkflow

Source = Union[DataSource, "Task"]
#: ``fn(params) -> bool`` where ``params.get_workflow_param(name)`` reads the parameters.
Condition = Callable[[Any], bool]


class FilterMode(enum.Enum):
    SELECT = "select"
    REJECT = "reject"


@dataclass(frozen=True)
class CategoryFilter:
    categories: tuple[str, ...]
    mode: FilterMode = FilterMode.SELECT

    def keeps(self, category: str) -> bool:
        inside = category in self.categories
        return inside if self.mode is FilterMode.SELECT else not inside


@dataclass
class AssociatedInput:
    """One associated input: a data source (raw or static files) or an upstream task."""

    source: Source
    categories: tuple[str, ...] | None = None
    min_ret: int = 1
    max_ret: int = 1
    condition: Condition | None = None
    match_rules: MatchRules | None = None

    @property
    def label(self) -> str:
        """The slot name: the first requested category, else the source's name."""
        if self.categories:
            return self.categories[0]
        return self.source.name if isinstance(self.source, DataSource) else self.source.name.upper()

    def __hash__(self) -> int:
        return id(self)


@dataclass
class Alternatives:
    """Several ways to fill one input; the first that yields a match wins, or, with
    ``sort_keys``, the candidate closest to the trigger in those keywords wins."""

    inputs: list[AssociatedInput] = field(default_factory=list)
    sort_keys: tuple[str, ...] = ()

    def with_associated_input(
        self,
        source: Source,
        categories: Sequence[str] | None = None,
        min_ret: int = 1,
        max_ret: int = 1,
        condition: Condition | None = None,
        match_rules: MatchRules | None = None,
    ) -> Alternatives:
        self.inputs.append(
            _associated(source, categories, min_ret, max_ret, condition, match_rules)
        )
        return self

    @property
    def min_ret(self) -> int:
        return min((a.min_ret for a in self.inputs), default=0)

    @property
    def label(self) -> str:
        return self.inputs[0].label if self.inputs else "ALTERNATIVES"


def alternative_associated_inputs(sort_keys: Sequence[str] | None = None) -> Alternatives:
    """EDPS ``alternative_associated_inputs(sort_keys=)``."""
    return Alternatives(sort_keys=tuple(keyword_list(sort_keys or ())))


@dataclass(frozen=True)
class Skippable:
    """radps_seq extension: the stage refines its main input in place and may be skipped.

    When skipped, consumers receive the stage's main input unchanged. ``tolerance`` is the
    measured effect below which running the stage is judged to have changed nothing.
    """

    tolerance: float = 0.0
    description: str = ""


@dataclass
class Task:
    """One processing step of the cascade; frozen after ``build()``."""

    name: str
    recipe: str | None = None
    function: Callable[..., Any] | None = None
    main_input: Source | None = None
    associated_inputs: list[AssociatedInput] = field(default_factory=list)
    alternatives: list[Alternatives] = field(default_factory=list)
    condition: Condition | None = None
    dynamic_parameters: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    job_processing: list[Callable[[Any], Any]] = field(default_factory=list)
    input_filter: CategoryFilter | None = None
    output_filter: CategoryFilter | None = None
    input_map: dict[str, str] = field(default_factory=dict)
    meta_targets: list[str] = field(default_factory=list)
    reports: list[tuple[str, Any]] = field(default_factory=list)
    skippable: Skippable | None = None
    subworkflow: str | None = None
    description: str = ""
    grouping_keywords: list[str] = field(default_factory=list)

    @property
    def inputs(self) -> list[AssociatedInput | Alternatives]:
        """Associated inputs and alternative groups, in declaration order of each kind."""
        return [*self.associated_inputs, *self.alternatives]

    def upstream(self) -> list[Source]:
        """Every source this task reads: main input first, then associated ones."""
        sources: list[Source] = [self.main_input] if self.main_input is not None else []
        for item in self.associated_inputs:
            sources.append(item.source)
        for alternatives in self.alternatives:
            sources.extend(a.source for a in alternatives.inputs)
        return sources

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __repr__(self) -> str:
        return f"task({self.name!r})"


def _associated(
    source: Source,
    categories: Sequence[str] | str | None,
    min_ret: int,
    max_ret: int,
    condition: Condition | None,
    match_rules: MatchRules | None,
) -> AssociatedInput:
    if not isinstance(source, DataSource | Task):
        raise TypeError(
            f"associated input must be a data_source or a task, got {type(source).__name__}"
        )
    if isinstance(categories, str):
        categories = [categories]
    if min_ret < 0 or max_ret < max(min_ret, 1):
        raise ValueError(
            f"associated input {getattr(source, 'name', source)!r}: need 0 <= min_ret <= max_ret "
            f"and max_ret >= 1 (got min_ret={min_ret}, max_ret={max_ret})"
        )
    return AssociatedInput(
        source=source,
        categories=tuple(categories) if categories else None,
        min_ret=int(min_ret),
        max_ret=int(max_ret),
        condition=condition,
        match_rules=match_rules,
    )


class TaskBuilder:
    """Fluent builder; reads like the EDPS ``task(...)`` chain."""

    def __init__(self, name: str) -> None:
        if not name or not isinstance(name, str):
            raise ValueError("task() needs a non-empty name")
        self._task = Task(name=name, subworkflow=current_subworkflow())

    def with_recipe(self, recipe: str) -> TaskBuilder:
        self._task.recipe = recipe
        return self

    def with_function(self, function: Callable[..., Any]) -> TaskBuilder:
        self._task.function = function
        return self

    def with_main_input(self, source: Source) -> TaskBuilder:
        if not isinstance(source, DataSource | Task):
            raise TypeError(
                f"task {self._task.name!r}: main input must be a data_source or a task, "
                f"got {type(source).__name__}"
            )
        self._task.main_input = source
        return self

    def with_associated_input(
        self,
        source: Source,
        categories: Sequence[str] | str | None = None,
        min_ret: int = 1,
        max_ret: int = 1,
        condition: Condition | None = None,
        match_rules: MatchRules | None = None,
    ) -> TaskBuilder:
        self._task.associated_inputs.append(
            _associated(source, categories, min_ret, max_ret, condition, match_rules)
        )
        return self

    def with_alternatives(self, alternatives: Alternatives) -> TaskBuilder:
        self._task.alternatives.append(alternatives)
        return self

    with_alternative_associated_inputs = with_alternatives

    def with_condition(self, condition: Condition) -> TaskBuilder:
        self._task.condition = condition
        return self

    def with_dynamic_parameter(self, name: str, function: Callable[[Any], Any]) -> TaskBuilder:
        self._task.dynamic_parameters[name] = function
        return self

    def with_job_processing(self, function: Callable[[Any], Any]) -> TaskBuilder:
        self._task.job_processing.append(function)
        return self

    def with_input_filter(
        self, *categories: str | Iterable[str], mode: FilterMode = FilterMode.SELECT
    ) -> TaskBuilder:
        self._task.input_filter = CategoryFilter(_flatten(categories), mode)
        return self

    def with_output_filter(
        self, *categories: str | Iterable[str], mode: FilterMode = FilterMode.SELECT
    ) -> TaskBuilder:
        self._task.output_filter = CategoryFilter(_flatten(categories), mode)
        return self

    def with_input_map(self, mapping: Mapping[str, str]) -> TaskBuilder:
        self._task.input_map.update(mapping)
        return self

    def with_meta_targets(self, targets: Sequence[str]) -> TaskBuilder:
        self._task.meta_targets = keyword_list(targets)
        return self

    def with_report(self, name: str, when: Any = None) -> TaskBuilder:
        self._task.reports.append((name, when))
        return self

    def with_skippable(self, tolerance: float = 0.0, description: str = "") -> TaskBuilder:
        """radps_seq extension (ignored by EDPS semantics when unused): see :class:`Skippable`."""
        self._task.skippable = Skippable(tolerance=float(tolerance), description=description)
        return self

    def with_grouping_keywords(self, keywords: Sequence[str]) -> TaskBuilder:
        """radps_seq extension for tasks whose main input is a task: one job per group of
        upstream jobs whose triggers share these keywords (e.g. stack per target and filter)."""
        self._task.grouping_keywords = keyword_list(keywords)
        return self

    def with_description(self, text: str) -> TaskBuilder:
        self._task.description = text
        return self

    def build(self) -> Task:
        task = self._task
        if task.main_input is None:
            raise ValueError(f"task {task.name!r} has no main input: call .with_main_input(...)")
        return task


def _flatten(items: Iterable[str | Iterable[str]]) -> tuple[str, ...]:
    out: list[str] = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
        else:
            out.extend(item)
    return tuple(out)


def task(name: str) -> TaskBuilder:
    """EDPS ``task(name)``."""
    return TaskBuilder(name)
