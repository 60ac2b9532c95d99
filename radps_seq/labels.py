"""Short human labels for jobs: the task and what the job is about (night, target,
filter, binning), shown next to the hash id everywhere a job is named.

An id such as ``0e6870e6af091ddd`` is exact but says nothing; EDPS shows the trigger
file instead. A label is built from the job's setup and grouping keywords, so it needs
nothing beyond the derivation and works for any cascade: the night, then a target name,
filter-like keywords and the binning when present, then up to two other text keywords.
Labels need not be unique; the id next to them is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Keywords that name what was observed, in order of preference.
_TARGET_KEYS = ("object", "obj.name", "target", "field")
#: Words of keywords that are times or running numbers: never part of a label.
_NOT_LABELS = ("tpl", "date", "mjd", "start", "time", "utc", "lst", "arcfile", "origfile")
_MAX_OTHERS = 2


def job_label(job: Any) -> str:
    """``"stack 2024-01-01 SN 2024abc R 2x2"`` for a derived job (its task, night and setup)."""
    parts = [job.task]
    if getattr(job, "night", None):
        parts.append(str(job.night))
    parts += setup_words(getattr(job, "setup", None) or {})
    return " ".join(parts)


def setup_words(setup: Mapping[str, Any]) -> list[str]:
    """The words of a label from a job's setup keywords."""
    words: list[str] = []
    used: set[str] = set()
    for key in _TARGET_KEYS:
        if isinstance(setup.get(key), str):
            words.append(setup[key])
            used.add(key)
            break
    for key, value in setup.items():
        if "filt" in key and isinstance(value, str) and value:
            words.append(value)
            used.add(key)
    if "det.binx" in setup and "det.biny" in setup:
        words.append(f"{setup['det.binx']}x{setup['det.biny']}")
        used |= {"det.binx", "det.biny"}
    others = [
        str(value) for key, value in setup.items()
        if key not in used and isinstance(value, str) and value
        and not any(word in key for word in _NOT_LABELS)
    ]  # fmt: skip
    return words + others[:_MAX_OTHERS]


def graph_labels(graph: Any) -> dict[str, str]:
    """``{job id: label}`` for every job of a derived job graph (hand-built graphs
    without job records are labelled with their task)."""
    labels = {}
    for node, data in graph.nodes(data=True):
        job = data.get("job")
        labels[node] = job_label(job) if job is not None else str(data.get("task", node))
    return labels


def named(label: str, job_id: str) -> str:
    """How a job is named in text: ``label [id]``."""
    return f"{label} [{job_id}]"
