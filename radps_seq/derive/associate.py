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

from ..cascade import MatchRule
from ..cascade.edps_types import FitsFile
from ..cascade.where import traceback_location
from ..errors import WorkflowError
from .group import MJD, hashable, resolve_keywords

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
    """Walk outwards from the trigger's time; stop after ``limit`` hits in range."""
    right = bisect.bisect_left(mjds, t_mjd)
    left = right - 1
    found: list[tuple[float, Candidate]] = []
    while len(found) < limit and (left >= 0 or right < len(mjds)):
        d_left = t_mjd - mjds[left] if left >= 0 else math.inf
        d_right = mjds[right] - t_mjd if right < len(mjds) else math.inf
        if d_left <= d_right and left >= 0:
            index, left, distance = left, left - 1, d_left
        else:
            index, right, distance = right, right + 1, d_right
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
