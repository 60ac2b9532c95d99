"""Data sources: where raw inputs come from and how they are grouped and matched."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .rules import ClassificationRule, FileLike, MatchRules, classification_rule, keyword_list
from .time_range import UNLIMITED, RelativeTimeRange
from .where import WorkflowTypeError, WorkflowValueError, edps_arguments, not_supported


@dataclass(frozen=True)
class Cluster:
    """Split a group where consecutive values of ``keyword`` differ by more than ``max_gap``."""

    keyword: str
    max_gap: float


@dataclass
class DataSource:
    """A classified kind of input file (EDPS ``data_source``); frozen after ``build()``."""

    name: str
    classification_rules: list[ClassificationRule] = field(default_factory=list)
    grouping_keywords: list[str] = field(default_factory=list)
    setup_keywords: list[str] = field(default_factory=list)
    match_rules: MatchRules = field(default_factory=MatchRules)
    min_group_size: int = 1
    cluster: Cluster | None = None

    @property
    def tags(self) -> list[str]:
        """The classification tags that make a file belong to this source."""
        return [rule.tag for rule in self.classification_rules] or [self.name]

    @property
    def categories(self) -> list[str]:
        return self.tags

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __repr__(self) -> str:
        return f"data_source({self.name!r})"


@edps_arguments
class DataSourceBuilder:
    """Fluent builder; reads like the EDPS ``data_source(...)`` chain (methods change
    the builder and return it). Without a label the source is named after its first
    classification rule's tag."""

    def __init__(self, name: str | None = None) -> None:
        if name is not None and not isinstance(name, str):
            raise WorkflowTypeError(f"data_source(): the label must be a string, got {name!r}")
        self._source = DataSource(name=name or "")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("with_"):
            raise not_supported(f"data_source(...).{name}()")
        raise AttributeError(name)

    def with_classification_rule(
        self, rule: ClassificationRule | str, keywords: dict | Callable | None = None
    ) -> DataSourceBuilder:
        """Repeatable; files of different rules form separate groups, never mixed."""
        if isinstance(rule, str):
            rule = classification_rule(rule, keywords)
        if not isinstance(rule, ClassificationRule):
            raise WorkflowTypeError(
                f"data_source({self._source.name!r}).with_classification_rule(): expected a "
                f"classification_rule(...), got {type(rule).__name__}"
            )
        self._source.classification_rules.append(rule)
        return self

    def with_match_rules(self, rules: MatchRules) -> DataSourceBuilder:
        """A prebuilt ``match_rules()`` object; its rules follow any declared so far."""
        if not isinstance(rules, MatchRules):
            raise WorkflowTypeError(
                f"data_source({self._source.name!r}).with_match_rules(): expected a "
                f"match_rules() object, got {type(rules).__name__}"
            )
        self._source.match_rules.rules.extend(rules.rules)
        return self

    def with_grouping_keywords(self, keywords: Sequence[str]) -> DataSourceBuilder:
        self._source.grouping_keywords = keyword_list(keywords)
        return self

    def with_setup_keywords(self, keywords: Sequence[str]) -> DataSourceBuilder:
        self._source.setup_keywords = keyword_list(keywords)
        return self

    def with_match_keywords(
        self,
        keywords: Sequence[str],
        time_range: RelativeTimeRange = UNLIMITED,
        level: float = 0,
    ) -> DataSourceBuilder:
        self._source.match_rules.with_match_keywords(keywords, time_range=time_range, level=level)
        return self

    def with_match_function(
        self,
        function: Callable[[FileLike, FileLike], bool],
        time_range: RelativeTimeRange = UNLIMITED,
        level: float = 0,
    ) -> DataSourceBuilder:
        self._source.match_rules.with_match_function(function, time_range=time_range, level=level)
        return self

    def with_min_group_size(self, size: int) -> DataSourceBuilder:
        if not isinstance(size, int) or size < 1:
            raise WorkflowValueError(f"data_source({self._source.name!r}): min group size must be >= 1 (an integer)")
        self._source.min_group_size = int(size)
        return self

    def with_cluster(self, keyword: str, max_gap: float) -> DataSourceBuilder:
        self._source.cluster = Cluster(keyword=keyword.lower(), max_gap=float(max_gap))
        return self

    def build(self) -> DataSource:
        source = self._source
        if not source.name:
            source.name = source.classification_rules[0].tag if source.classification_rules else ""
        if not source.name:
            raise WorkflowValueError("data_source() needs a name or at least one classification rule (a label or a rule to take it from)")
        return source


def data_source(name: str | None = None) -> DataSourceBuilder:
    """EDPS ``data_source(name)``."""
    return DataSourceBuilder(name)
