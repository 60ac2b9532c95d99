"""Grouping: which frames of a data source are processed together by one job."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..cascade import Cluster, DataSource
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


@dataclass(frozen=True)
class Grouping:
    """How one task groups the frames of its main-input data source: the source's own
    grouping unless the task declares its own (EDPS lets a task override it)."""

    keywords: Sequence[str]
    min_group_size: int = 1
    cluster: Cluster | None = None

    @classmethod
    def of(cls, source: DataSource, task: Any = None) -> Grouping:
        return cls(
            keywords=getattr(task, "grouping_keywords", None) or source.grouping_keywords,
            min_group_size=getattr(task, "min_group_size", None) or source.min_group_size,
            cluster=getattr(task, "cluster", None) or source.cluster,
        )


def group_frames(
    frames: Sequence[Any],
    source: DataSource,
    workflow_parameters: Mapping[str, Any],
    grouping: Grouping | None = None,
    tag_of: Callable[[Any], str] | None = None,
) -> tuple[list[Group], list[Group]]:
    """Split frames into groups; return (groups, groups smaller than the minimum size).

    No grouping keywords make one group; a keyword unique per file makes one job per
    file. With ``tag_of`` (a source with several classification rules), frames of
    different tags never share a group.
    """
    grouping = grouping or Grouping.of(source)
    keywords = resolve_keywords(grouping.keywords, workflow_parameters, f"data source {source.name!r}")
    ordered = sorted(frames, key=frame_order)
    buckets: dict[tuple, list[Any]] = {}
    if keywords:
        for frame in ordered:
            key = tuple(hashable(frame.get(k)) for k in keywords)
            if tag_of is not None:
                key += (tag_of(frame),)
            buckets.setdefault(key, []).append(frame)
    elif tag_of is not None:
        for frame in ordered:
            buckets.setdefault((tag_of(frame),), []).append(frame)
    elif ordered:
        buckets[()] = list(ordered)  # no grouping keywords: one group (EDPS)
    groups: list[list[Any]] = []
    for members in buckets.values():
        groups.extend(_cluster(members, grouping.cluster) if grouping.cluster else [members])
    big, small = [], []
    for members in groups:
        group = Group(source=source.name, frames=tuple(members))
        (big if len(members) >= grouping.min_group_size else small).append(group)
    key = lambda g: frame_order(g.trigger)  # noqa: E731
    return sorted(big, key=key), sorted(small, key=key)


def _cluster(members: list[Any], cluster: Cluster) -> list[list[Any]]:
    keyword, gap = cluster.keyword, cluster.max_gap
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
