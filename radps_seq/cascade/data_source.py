"""Data sources: where raw inputs come from and how they are grouped and matched."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .rules import ClassificationRule, FileLike, MatchRules, classification_rule, keyword_list
from .time_range import UNLIMITED, RelativeTimeRange


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


class DataSourceBuilder:
    """Fluent builder; reads like the EDPS ``data_source(...)`` chain."""

    def __init__(self, name: str | None = None) -> None:
        self._source = DataSource(name=name or "")

    def with_classification_rule(
        self, rule: ClassificationRule | str, keywords: dict | Callable | None = None
    ) -> DataSourceBuilder:
        if isinstance(rule, str):
            rule = classification_rule(rule, keywords if keywords is not None else {})
        self._source.classification_rules.append(rule)
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
        if size < 1:
            raise ValueError(f"data_source({self._source.name!r}): min group size must be >= 1")
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
            raise ValueError("data_source() needs a name or at least one classification rule")
        return source


def data_source(name: str | None = None) -> DataSourceBuilder:
    """EDPS ``data_source(name)``."""
    return DataSourceBuilder(name)
