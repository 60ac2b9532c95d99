"""Tasks: one processing step of a cascade, built with EDPS's fluent ``task(...)`` chain.

A :class:`Task` is specification only. The jobs derived from it for a given pile of
files are :class:`radps_seq.derive.job.Job` objects (Snakemake's rule/job split).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

from .data_source import Cluster, DataSource
from .edps_types import TaskType
from .rules import MatchRules, category_name, category_names, keyword_list
from .subworkflow import current_subworkflow
from .where import WorkflowTypeError, WorkflowValueError, edps_arguments, not_supported

Source = Union[DataSource, "Task"]
#: ``fn(params) -> bool`` where ``params.get_workflow_param(name)`` reads the parameters.
Condition = Callable[[Any], bool]


class FilterMode(enum.Enum):
    SELECT = "select"
    REJECT = "reject"

    @classmethod
    def of(cls, mode: FilterMode | str) -> FilterMode:
        """``FilterMode.SELECT`` or the strings ``"SELECT"``/``"select"`` (EDPS accepts both)."""
        if isinstance(mode, FilterMode):
            return mode
        if isinstance(mode, str) and mode.lower() in ("select", "reject"):
            return cls(mode.lower())
        raise WorkflowValueError(f"filter mode must be FilterMode.SELECT/REJECT or 'SELECT'/'REJECT', got {mode!r}")


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


@edps_arguments
@dataclass
class Alternatives:
    """Several ways to fill one input; the first that yields a match wins, or, with
    ``sort_keys``, the candidate closest to the trigger in those keywords wins."""

    inputs: list[AssociatedInput] = field(default_factory=list)
    sort_keys: tuple[str, ...] = ()

    def with_associated_input(
        self,
        source: Source | AssociatedInput,
        categories: Sequence[Any] | None = None,
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


#: EDPS alias.
alternative_association = alternative_associated_inputs


def associated_input(
    source: Source,
    categories: Sequence[Any] | None = None,
    min_ret: int = 1,
    max_ret: int = 1,
    condition: Condition | None = None,
    match_rules: MatchRules | None = None,
) -> AssociatedInput:
    """EDPS ``associated_input(...)``: an input object that ``with_associated_input`` and
    alternatives accept in place of the arguments."""
    return _associated(source, categories, min_ret, max_ret, condition, match_rules)


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
    #: Categories of the main-input task's products this task reads (None: all).
    main_categories: tuple[str, ...] | None = None
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
    report_drivers: dict[str, str] = field(default_factory=dict)
    skippable: Skippable | None = None
    subworkflow: str | None = None
    description: str = ""
    grouping_keywords: list[str] = field(default_factory=list)
    min_group_size: int | None = None
    cluster: Cluster | None = None

    @property
    def task_type(self) -> TaskType:
        if self.function is not None:
            return TaskType.FUNCTION
        return TaskType.RECIPE if self.recipe else TaskType.PLACEHOLDER

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
    source: Source | AssociatedInput,
    categories: Sequence[Any] | Any | None,
    min_ret: int,
    max_ret: int,
    condition: Condition | None,
    match_rules: MatchRules | None,
) -> AssociatedInput:
    if isinstance(source, AssociatedInput):
        return source
    if not isinstance(source, DataSource | Task):
        raise WorkflowTypeError(
            f"associated input must be a data_source or a task, got {type(source).__name__}"
        )
    names = category_names(categories, "a category of an associated input")
    if isinstance(max_ret, bool) or not isinstance(max_ret, int) or not isinstance(min_ret, int):
        raise WorkflowTypeError(
            f"associated input {source.name!r}: min_ret and max_ret must be integers "
            f"(got min_ret={min_ret!r}, max_ret={max_ret!r})"
        )
    if min_ret < 0 or max_ret < max(min_ret, 1):
        raise WorkflowValueError(
            f"associated input {getattr(source, 'name', source)!r}: need 0 <= min_ret <= max_ret "
            f"and max_ret >= 1 (got min_ret={min_ret}, max_ret={max_ret})"
        )
    if match_rules is not None and not isinstance(match_rules, MatchRules):
        raise not_supported(f"match_rules={type(match_rules).__name__} (give a match_rules() object)")
    return AssociatedInput(
        source=source,
        categories=names or None,
        min_ret=int(min_ret),
        max_ret=int(max_ret),
        condition=condition,
        match_rules=match_rules,
    )


@edps_arguments
class TaskBuilder:
    """Fluent builder; reads like the EDPS ``task(...)`` chain.

    Every method changes the builder and returns it, so chains and separate statements
    (``builder.with_recipe(...)`` without re-assigning) both work, as in EDPS.
    """

    def __init__(self, name: str) -> None:
        if not name or not isinstance(name, str):
            raise WorkflowValueError(f"task() needs a non-empty name, got {name!r}")
        self._task = Task(name=name, subworkflow=current_subworkflow())

    def __getattr__(self, name: str) -> Any:
        if name.startswith("with_"):
            raise not_supported(f"task(...).{name}()")
        raise AttributeError(name)

    def with_recipe(self, recipe: str) -> TaskBuilder:
        self._task.recipe = recipe
        return self

    def with_function(self, function: Callable[..., Any]) -> TaskBuilder:
        self._task.function = function
        return self

    def with_main_input(self, source: Source, categories: Sequence[Any] | None = None) -> TaskBuilder:
        """A data source or a task; with a task, optionally the categories (tags or
        classification rules) of its products that are the main input."""
        if not isinstance(source, DataSource | Task):
            raise WorkflowTypeError(
                f"task {self._task.name!r}: main input must be a data_source or a task, "
                f"got {type(source).__name__}"
            )
        self._task.main_input = source
        names = category_names(categories, f"a main-input category of task {self._task.name!r}")
        self._task.main_categories = names or None
        return self

    def with_associated_input(
        self,
        source: Source | AssociatedInput,
        categories: Sequence[Any] | Any | None = None,
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
        if not isinstance(alternatives, Alternatives):
            raise WorkflowTypeError(
                f"task {self._task.name!r}: with_alternatives() takes an "
                f"alternative_associated_inputs() object, got {type(alternatives).__name__}"
            )
        self._task.alternatives.append(alternatives)
        return self

    with_alternative_associated_inputs = with_alternatives

    def with_condition(self, condition: Condition) -> TaskBuilder:
        self._task.condition = _callable(condition, f"task {self._task.name!r}: condition")
        return self

    def with_dynamic_parameter(self, name: str, function: Callable[[Any], Any]) -> TaskBuilder:
        self._task.dynamic_parameters[name] = _callable(
            function, f"task {self._task.name!r}: dynamic parameter {name!r}"
        )
        return self

    def with_job_processing(self, function: Callable[[Any], Any]) -> TaskBuilder:
        self._task.job_processing.append(
            _callable(function, f"task {self._task.name!r}: job processing")
        )
        return self

    def with_input_filter(self, *items: Any, mode: FilterMode | str = FilterMode.SELECT) -> TaskBuilder:
        """Tags and classification rules (any mix) kept in, or dropped from, the SOF."""
        self._task.input_filter = CategoryFilter(
            category_names(items, "an input filter category"), FilterMode.of(mode)
        )
        return self

    def with_output_filter(self, *items: Any, mode: FilterMode | str = FilterMode.SELECT) -> TaskBuilder:
        """Products handed downstream (SELECT) or kept back (REJECT; still on disk)."""
        self._task.output_filter = CategoryFilter(
            category_names(items, "an output filter category"), FilterMode.of(mode)
        )
        return self

    def with_input_map(self, mapping: Mapping[Any, Any]) -> TaskBuilder:
        if not isinstance(mapping, Mapping):
            raise WorkflowTypeError(
                f"task {self._task.name!r}: with_input_map() takes a dict, got {type(mapping).__name__}"
            )
        self._task.input_map.update(
            {category_name(k, "an input map key"): category_name(v, "an input map value")
             for k, v in mapping.items()}
        )
        return self

    def with_meta_targets(self, targets: Sequence[str]) -> TaskBuilder:
        self._task.meta_targets = keyword_list(targets)
        return self

    def with_report(self, name: str, when: Any = None, driver: str = "png") -> TaskBuilder:
        self._task.reports.append((name, when))
        self._task.report_drivers[name] = driver
        return self

    def with_skippable(self, tolerance: float = 0.0, description: str = "") -> TaskBuilder:
        """radps_seq extension (ignored by EDPS semantics when unused): see :class:`Skippable`."""
        self._task.skippable = Skippable(tolerance=float(tolerance), description=description)
        return self

    def with_grouping_keywords(self, keywords: Sequence[str]) -> TaskBuilder:
        """Grouping of the task's own jobs: with a data source as main input it replaces
        the source's grouping; with a task (a radps_seq extension), one job per group of
        upstream jobs whose triggers share these keywords (e.g. stack per target)."""
        self._task.grouping_keywords = keyword_list(keywords)
        return self

    def with_min_group_size(self, size: int) -> TaskBuilder:
        if not isinstance(size, int) or size < 1:
            raise WorkflowValueError(f"task {self._task.name!r}: min group size must be >= 1 (an integer)")
        self._task.min_group_size = size
        return self

    def with_cluster(self, keyword: str, max_gap: float) -> TaskBuilder:
        self._task.cluster = Cluster(keyword=keyword.lower(), max_gap=float(max_gap))
        return self

    def with_grouping_function(self, *args: Any, **kwargs: Any) -> TaskBuilder:
        raise not_supported(f"task {self._task.name!r}: with_grouping_function()")

    def with_custom_grouping(self, *args: Any, **kwargs: Any) -> TaskBuilder:
        raise not_supported(f"task {self._task.name!r}: with_custom_grouping()")

    def with_shell_command(self, *args: Any, **kwargs: Any) -> TaskBuilder:
        raise not_supported(f"task {self._task.name!r}: with_shell_command()")

    def with_subworkflow_name(self, name: str) -> TaskBuilder:
        self._task.subworkflow = name
        return self

    def with_description(self, text: str) -> TaskBuilder:
        self._task.description = text
        return self

    def build(self) -> Task:
        task = self._task
        if task.main_input is None:
            raise WorkflowValueError(f"task {task.name!r} has no main input: call .with_main_input(...)")
        return task


def _callable(function: Any, what: str) -> Any:
    if not callable(function):
        raise WorkflowTypeError(f"{what}: expected a function, got {type(function).__name__}")
    return function


def task(name: str) -> TaskBuilder:
    """EDPS ``task(name)``."""
    return TaskBuilder(name)
