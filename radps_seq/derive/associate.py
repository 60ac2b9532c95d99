"""Association: pick, for a trigger frame, the best candidates of an input.

Rules are tried level by level (lowest first); within a level a candidate must satisfy
one of the level's rules (equal match keywords or a match function) and lie in the
rule's time range; the closest in time wins, ties broken by identity so the choice
never depends on input order. Keyword rules use a hash index plus a sorted time axis,
so associating n triggers against m candidates costs O((n + m) log m).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..cascade import AssociatedInput, DataSource, MatchRule, Task, Workflow
from ..cascade.edps_types import FitsFile
from ..cascade.where import traceback_location
from ..errors import RadpsError, WorkflowError
from .group import MJD, frame_order, hashable, resolve_keywords
from .products import product_categories

JOB, MASTER, FILE = "job", "master", "file"


@dataclass(frozen=True)
class Candidate:
    """Something that can fill an input: a job (via its trigger), a master or raw file."""

    kind: str
    header: Any
    payload: Any
    identity: str

    @property
    def mjd(self) -> float | None:
        value = self.header.get(MJD)
        return float(value) if isinstance(value, int | float) else None


def _distance(a: float | None, b: float | None) -> float:
    return math.inf if a is None or b is None else abs(a - b)


class RuleIndex:
    """Candidates of one kind indexed for one match rule."""

    def __init__(self, candidates: Sequence[Candidate], rule: MatchRule, keywords: list[str]):
        self.rule = rule
        self.keywords = keywords
        self.candidates = candidates
        self._views: list[FitsFile] | None = None
        self.buckets: dict[tuple, tuple[list[float], list[Candidate], list[Candidate]]] = {}
        if rule.function is None:
            grouped: dict[tuple, list[Candidate]] = {}
            for c in candidates:
                grouped.setdefault(self._key(c.header), []).append(c)
            for key, members in grouped.items():
                timed = sorted((c for c in members if c.mjd is not None), key=lambda c: (c.mjd, c.identity))
                untimed = sorted((c for c in members if c.mjd is None), key=lambda c: c.identity)
                self.buckets[key] = ([c.mjd for c in timed], timed, untimed)

    def _key(self, header: Any) -> tuple:
        get = header.keywords.get
        return tuple(hashable(get(k)) for k in self.keywords)

    def _function_matches(self, trigger: Any, t_mjd: float | None) -> list[tuple[float, Candidate]]:
        """Candidates in range for which the workflow's ``fn(ref, f)`` is true; ``ref`` and
        ``f`` are EDPS file views (``f[kw]`` is None when the keyword is absent)."""
        time_range, function = self.rule.time_range, self.rule.function
        if self._views is None:
            self._views = [FitsFile(c.header) for c in self.candidates]
        ref = FitsFile(trigger)
        found = []
        for candidate, view in zip(self.candidates, self._views, strict=True):
            if not (time_range.contains(t_mjd, candidate.mjd) or _unlimited(time_range)):
                continue
            try:
                ok = function(ref, view)
            except Exception as exc:  # the workflow's own code failed: say where
                where = traceback_location(exc.__traceback__, function)
                raise WorkflowError(
                    f"{where}: match function {getattr(function, '__name__', function)}() failed "
                    f"on {getattr(trigger, 'path', '?')} against {getattr(candidate.header, 'path', '?')}: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            if ok:
                found.append((_distance(t_mjd, candidate.mjd), candidate))
        return found

    def matches(self, trigger: Any, limit: int) -> list[tuple[float, Candidate]]:
        """Up to ``limit`` matching candidates, closest in time first."""
        t_mjd = trigger.get(MJD)
        t_mjd = float(t_mjd) if isinstance(t_mjd, int | float) else None
        time_range = self.rule.time_range
        if self.rule.function is not None:
            found = self._function_matches(trigger, t_mjd)
            found.sort(key=lambda dc: (dc[0], dc[1].identity))
            return found[:limit]
        bucket = self.buckets.get(self._key(trigger))
        if bucket is None:
            return []
        mjds, timed, untimed = bucket
        found: list[tuple[float, Candidate]] = []
        if t_mjd is not None and mjds:
            found = _closest(mjds, timed, t_mjd, limit, time_range.contains, time_range.width)
        if len(found) < limit and _unlimited(time_range):
            found.extend((math.inf, c) for c in (untimed if t_mjd is not None else timed + untimed))
        found.sort(key=lambda dc: (dc[0], dc[1].identity))
        return found[:limit]


def _closest(
    mjds: list[float],
    timed: list[Candidate],
    t_mjd: float,
    limit: int,
    contains: Callable[[float | None, float | None], bool],
    width: float,
) -> list[tuple[float, Candidate]]:
    """Walk outwards from the trigger's time; stop after ``limit`` hits in range and
    every other hit as close as the last of them (the caller breaks such ties by
    identity, as for match functions, not by which side of the trigger comes first)."""
    right = bisect.bisect_left(mjds, t_mjd)
    left = right - 1
    found: list[tuple[float, Candidate]] = []
    while left >= 0 or right < len(mjds):
        d_left = t_mjd - mjds[left] if left >= 0 else math.inf
        d_right = mjds[right] - t_mjd if right < len(mjds) else math.inf
        if d_left <= d_right and left >= 0:
            index, left, distance = left, left - 1, d_left
        else:
            index, right, distance = right, right + 1, d_right
        if len(found) >= limit and distance > found[-1][0]:
            break
        if contains(t_mjd, mjds[index]):
            found.append((distance, timed[index]))
        elif distance > width:
            break
    return found


def _unlimited(time_range: Any) -> bool:
    return math.isinf(time_range.before) and math.isinf(time_range.after)


class Associator:
    """Caches rule indexes per (candidate list, rule) across all triggers of a derivation."""

    def __init__(self, workflow_parameters: Mapping[str, Any]) -> None:
        self.workflow_parameters = workflow_parameters
        self._indexes: dict[tuple[int, int], RuleIndex] = {}

    def index(self, candidates: Sequence[Candidate], rule: MatchRule, where: str) -> RuleIndex:
        key = (id(candidates), id(rule))
        index = self._indexes.get(key)
        if index is None:
            keywords = resolve_keywords(rule.keywords, self.workflow_parameters, where)
            index = RuleIndex(candidates, rule, keywords)
            self._indexes[key] = index
        return index

    def at_level(
        self,
        trigger: Any,
        candidates: Sequence[Candidate],
        rules: Sequence[MatchRule],
        limit: int,
        where: str,
    ) -> list[tuple[float, Candidate]]:
        """Union of the matches of several rules of one level, closest first."""
        if len(rules) == 1:
            return self.index(candidates, rules[0], where).matches(trigger, limit)
        best: dict[str, tuple[float, Candidate]] = {}
        for rule in rules:
            for distance, candidate in self.index(candidates, rule, where).matches(trigger, limit):
                seen = best.get(candidate.identity)
                if seen is None or distance < seen[0]:
                    best[candidate.identity] = (distance, candidate)
        ordered = sorted(best.values(), key=lambda dc: (dc[0], dc[1].identity))
        return ordered[:limit]


RAW_PER_QUALITY_LEVEL = "raw_per_quality_level"
ASSOCIATION_PREFERENCES = ("raw", "master", RAW_PER_QUALITY_LEVEL, "master_per_quality_level")
_ANY = (MatchRule(),)


@dataclass
class Resolution:
    """What the search found for one input of one job, and at which level."""

    chosen: list[Candidate]
    level: float
    satisfied: bool


class AssociationSearch:
    """Where each input of a job finds its candidates and in which order it tries them.

    The order follows ``association_preference`` (raw jobs or on-disk masters first,
    per quality level or not) and stops at the ``quality_threshold`` workflow
    parameter. Candidates (upstream jobs via ``drafts_of``, files via ``frames_of``,
    masters from the classification) and the search steps of each input are built
    once per derivation.
    """

    def __init__(
        self,
        workflow: Workflow,
        classification: Any,
        workflow_parameters: Mapping[str, Any],
        preference: str = RAW_PER_QUALITY_LEVEL,
        *,
        drafts_of: Callable[[Task], Sequence[Any]],
        frames_of: Callable[[DataSource], Sequence[Any]],
    ) -> None:
        if preference not in ASSOCIATION_PREFERENCES:
            raise RadpsError(
                f"unknown association preference {preference!r}; "
                f"use one of: {', '.join(ASSOCIATION_PREFERENCES)}"
            )
        self.workflow = workflow
        self.classification = classification
        self.preference = preference
        self.drafts_of = drafts_of
        self.frames_of = frames_of
        self.associator = Associator(workflow_parameters)
        self.quality_threshold = _threshold(workflow_parameters.get("quality_threshold"))
        self._job_candidates: dict[str, list[Candidate]] = {}
        self._file_candidates: dict[int, list[Candidate]] = {}
        self._master_candidates: dict[tuple[str, ...], list[Candidate]] = {}
        self._steps: dict[int, tuple[list[tuple[float, str, list[MatchRule]]], str]] = {}

    def resolve(self, item: AssociatedInput, trigger: Any, consumer: Task) -> Resolution:
        """The candidates filling ``item`` for ``trigger``: the first search step (level
        and kind) that yields ``min_ret`` of them, else the first partial result."""
        cached = self._steps.get(id(item))
        if cached is None:
            rules = self.rules_for(item)
            levels = sorted({rule.level for rule in rules})
            by_level = {level: [r for r in rules if r.level == level] for level in levels}
            steps = [
                (level, kind, by_level[level])
                for level, kind in self._search_order(item, levels)
                if self.quality_threshold is None or level <= self.quality_threshold
            ]
            cached = self._steps[id(item)] = (steps, f"task {consumer.name!r}, input {item.label!r}")
        steps, where = cached
        need = max(item.min_ret, 1)
        partial: Resolution | None = None
        for level, kind, level_rules in steps:
            candidates = self.candidates(item, kind)
            if not candidates:
                continue
            found = self.associator.at_level(trigger, candidates, level_rules, item.max_ret, where)
            if len(found) >= need:
                return Resolution([c for _, c in found], level, True)
            if found and partial is None:
                partial = Resolution([c for _, c in found], level, len(found) >= item.min_ret)
        if partial is not None:
            return partial
        return Resolution([], steps[0][0] if steps else 0, item.min_ret == 0)

    def rules_for(self, item: AssociatedInput) -> Sequence[MatchRule]:
        """The input's own rules, else those of its source, inherited through tasks."""
        if item.match_rules:
            return item.match_rules.rules
        source: Any = item.source
        while isinstance(source, Task):
            source = source.main_input
        return source.match_rules.rules if source.match_rules else _ANY

    def _search_order(self, item: AssociatedInput, levels: list[float]) -> list[tuple[float, str]]:
        if isinstance(item.source, DataSource):
            return [(level, FILE) for level in levels]
        preference = self.preference
        kinds = [MASTER, JOB] if preference.startswith("master") else [JOB, MASTER]
        if preference.endswith("per_quality_level"):
            return [(level, kind) for level in levels for kind in kinds]
        return [(level, kind) for kind in kinds for level in levels]

    def candidates(self, item: AssociatedInput, kind: str) -> list[Candidate]:
        """Candidates of one kind for an input, built once per derivation."""
        source = item.source
        if kind == FILE:
            cached = self._file_candidates.get(id(source))
            if cached is None:
                cached = [Candidate(FILE, f, f, f.identity) for f in sorted(self.frames_of(source), key=frame_order)]
                self._file_candidates[id(source)] = cached
            return cached
        if kind == JOB:
            cached = self._job_candidates.get(source.name)
            if cached is None:
                cached = [Candidate(JOB, d.trigger, d, d.job.id) for d in self.drafts_of(source) if d.complete]
                self._job_candidates[source.name] = cached
            return cached
        categories = tuple(item.categories or product_categories(self.workflow, source))
        cached = self._master_candidates.get(categories)
        if cached is None:
            masters = {
                h.identity: h for c in categories for h in self.classification.masters.get(c, ())
            }
            cached = [Candidate(MASTER, h, h, h.identity) for h in sorted(masters.values(), key=frame_order)]
            self._master_candidates[categories] = cached
        return cached


def _threshold(value: Any) -> float | None:
    """The ``quality_threshold`` workflow parameter: the worst level searched."""
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise WorkflowError(
            f"workflow parameter quality_threshold must be a number (a quality level), got {value!r}"
        ) from None
