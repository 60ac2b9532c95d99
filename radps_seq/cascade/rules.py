"""Classification and association (match) rules of the cascade DSL.

A classification rule tags a file; a match rule says which candidate files or jobs
may be associated with a trigger, within which time range, at which quality level.
Rules are data; the functions that apply them live in :mod:`radps_seq.derive`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .time_range import UNLIMITED, RelativeTimeRange
from .where import edps_arguments

#: A classification or match function receives header-like objects (``f[kw]``, ``f.get(kw)``).
FileLike = Any


def keyword_list(keywords: str | Iterable[str]) -> list[str]:
    """Lower-cased keyword names; a single string is one name, never its characters."""
    if isinstance(keywords, str):
        keywords = [keywords]
    return [k.lower() for k in keywords]


@dataclass(frozen=True, eq=False)
class ClassificationRule:
    """Tag a file when every keyword value matches or ``fn(f)`` is true.

    A keyword value of ``None`` means the keyword is absent; a list (kept as a tuple)
    means any of its values. Rules compare and hash by identity: a rule object names a
    category wherever EDPS accepts one (``with_associated_input(bias, [master_bias_class])``).
    """

    tag: str
    keywords: Mapping[str, Any] | None = None
    function: Callable[[FileLike], bool] | None = None

    @property
    def classification(self) -> str:
        """EDPS name of the tag."""
        return self.tag

    def __repr__(self) -> str:
        what = dict(self.keywords) if self.keywords is not None else getattr(
            self.function, "__name__", "function"
        )
        return f"classification_rule({self.tag!r}, {what!r})"


def classification_rule(
    tag: str, rule: Mapping[str, Any] | Callable[[FileLike], bool] | None = None
) -> ClassificationRule:
    """EDPS ``classification_rule(tag, {keyword: value} | fn)``; with the tag alone, the
    rule matches files whose ``pro.catg`` is the tag (a product on disk)."""
    if not isinstance(tag, str) or not tag:
        raise TypeError(f"classification_rule(): the tag must be a non-empty string, got {tag!r}")
    if rule is None:
        return ClassificationRule(tag=tag, keywords={"pro.catg": tag})
    if callable(rule) and not isinstance(rule, Mapping):
        return ClassificationRule(tag=tag, function=rule)
    if isinstance(rule, Mapping):
        return ClassificationRule(
            tag=tag,
            keywords={k.lower(): tuple(v) if isinstance(v, list | set | tuple) else v
                      for k, v in rule.items()},
        )
    raise TypeError(
        f"classification_rule({tag!r}, ...): expected a dict of keyword values or a function, "
        f"got {type(rule).__name__}"
    )


def category_name(item: Any, where: str = "a category") -> str:
    """The category a tag string or a classification rule object names."""
    if isinstance(item, str):
        return item
    if isinstance(item, ClassificationRule):
        return item.tag
    tag = getattr(item, "classification", None)
    if isinstance(tag, str):
        return tag
    from .where import not_supported

    raise not_supported(f"{type(item).__name__} {item!r} as {where} (give a tag or a classification rule)")


def category_names(items: Any, where: str = "a category") -> tuple[str, ...]:
    """Tags of a mix of strings, rule objects and lists of them, in order."""
    if items is None:
        return ()
    if isinstance(items, str | ClassificationRule):
        items = [items]
    out: list[str] = []
    for item in items:
        if isinstance(item, list | tuple | set | frozenset):
            out.extend(category_names(list(item), where))
        else:
            out.append(category_name(item, where))
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class MatchRule:
    """One way to associate: equal keywords (or a function) within a time range, at a level."""

    keywords: tuple[str, ...] = ()
    function: Callable[[FileLike, FileLike], bool] | None = None
    time_range: RelativeTimeRange = UNLIMITED
    level: float = 0


@edps_arguments
@dataclass
class MatchRules:
    """An ordered set of match rules; levels are tried from the lowest (best) up."""

    rules: list[MatchRule] = field(default_factory=list)

    def with_match_keywords(
        self,
        keywords: Sequence[str],
        time_range: RelativeTimeRange = UNLIMITED,
        level: float = 0,
    ) -> MatchRules:
        self.rules.append(
            MatchRule(keywords=tuple(keyword_list(keywords)), time_range=time_range, level=level)
        )
        return self

    def with_match_function(
        self,
        function: Callable[[FileLike, FileLike], bool],
        time_range: RelativeTimeRange = UNLIMITED,
        level: float = 0,
    ) -> MatchRules:
        self.rules.append(MatchRule(function=function, time_range=time_range, level=level))
        return self

    def __bool__(self) -> bool:
        return bool(self.rules)


def match_rules() -> MatchRules:
    """EDPS ``match_rules()``: a fluent builder of association rules for one input."""
    return MatchRules()


def match(ref: FileLike, f: FileLike, keywords: Sequence[str]) -> bool:
    """True when ``ref`` and ``f`` agree on every keyword (EDPS helper for match functions)."""
    return all(ref.get(k) == f.get(k) for k in keyword_list(keywords))
