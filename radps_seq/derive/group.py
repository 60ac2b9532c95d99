"""Grouping: which frames of a data source are processed together by one job."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..cascade import DataSource
from ..errors import ParameterError

MJD = "mjd-obs"


@dataclass(frozen=True)
class Group:
    """Frames of one data source that one job processes; ``trigger`` is the earliest."""

    source: str
    frames: tuple[Any, ...]

    @property
    def trigger(self) -> Any:
        return self.frames[0]


def resolve_keywords(
    keywords: Sequence[str], workflow_parameters: Mapping[str, Any], where: str
) -> list[str]:
    """Replace ``$name`` by the keyword(s) named in workflow parameter ``name``."""
    resolved: list[str] = []
    for keyword in keywords:
        if not keyword.startswith("$"):
            resolved.append(keyword)
            continue
        name = keyword[1:]
        if name not in workflow_parameters:
            raise ParameterError(
                f"{where} uses keyword {keyword!r} but workflow parameter {name!r} is not set; "
                f"set it in the parameters file or with -wp {name} VALUE"
            )
        value = workflow_parameters[name]
        values = value if isinstance(value, list | tuple) else str(value).split(",")
        resolved.extend(str(v).strip().lower() for v in values if str(v).strip())
    return resolved


def frame_order(header: Any) -> tuple[float, str]:
    """Time first, then identity: deterministic whatever the paths are."""
    mjd = header.get(MJD)
    return (mjd if isinstance(mjd, int | float) else float("inf"), header.identity)


def group_frames(
    frames: Sequence[Any],
    source: DataSource,
    workflow_parameters: Mapping[str, Any],
) -> tuple[list[Group], list[Group]]:
    """Split frames into groups; return (groups, groups smaller than the minimum size)."""
    keywords = resolve_keywords(
        source.grouping_keywords, workflow_parameters, f"data source {source.name!r}"
    )
    ordered = sorted(frames, key=frame_order)
    buckets: dict[tuple, list[Any]] = {}
    if keywords:
        for frame in ordered:
            key = tuple(hashable(frame.get(k)) for k in keywords)
            buckets.setdefault(key, []).append(frame)
    else:
        for frame in ordered:
            buckets[(frame.identity,)] = [frame]
    groups: list[list[Any]] = []
    for members in buckets.values():
        groups.extend(_cluster(members, source) if source.cluster else [members])
    big, small = [], []
    for members in groups:
        group = Group(source=source.name, frames=tuple(members))
        (big if len(members) >= source.min_group_size else small).append(group)
    key = lambda g: frame_order(g.trigger)  # noqa: E731
    return sorted(big, key=key), sorted(small, key=key)


def _cluster(members: list[Any], source: DataSource) -> list[list[Any]]:
    assert source.cluster is not None
    keyword, gap = source.cluster.keyword, source.cluster.max_gap
    values = sorted(members, key=lambda f: (_number(f.get(keyword)), f.identity))
    clusters: list[list[Any]] = [[values[0]]]
    for previous, frame in zip(values, values[1:], strict=False):
        if _number(frame.get(keyword)) - _number(previous.get(keyword)) > gap:
            clusters.append([])
        clusters[-1].append(frame)
    return [sorted(c, key=frame_order) for c in clusters]


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else float("inf")


def hashable(value: Any) -> Any:
    """A keyword value usable in a grouping or matching key (lists become tuples)."""
    return tuple(value) if isinstance(value, list) else value
