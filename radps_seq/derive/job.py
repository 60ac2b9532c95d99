"""Jobs: one task applied to one group of main-input files, with associations resolved.

Jobs are derived data (Snakemake's jobs as opposed to rules); the specification they
come from is :class:`radps_seq.cascade.Task`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class JobInput:
    """One line of the job's SOF: an on-disk file, or the upstream job filling a category."""

    category: str
    slot: str
    file: str | None = None
    job: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "category": self.category, "job": self.job}


@dataclass
class Job:
    """A derived job. ``id`` is a content hash: same inputs and parameters, same id."""

    id: str
    task: str
    recipe: str | None
    complete: bool = True
    level: float = 0
    inputs: list[JobInput] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)
    workflow_parameters: dict[str, Any] = field(default_factory=dict)
    dynamic_parameters: dict[str, Any] = field(default_factory=dict)
    setup: dict[str, Any] = field(default_factory=dict)
    features: dict[str, Any] = field(default_factory=dict)
    target: bool = False
    skippable: bool = False
    tolerance: float | None = None
    meta_targets: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    night: str | None = None

    def content_id(self, identities: dict[str, str]) -> str:
        """Content hash of what defines the job's result; never paths or run order.

        ``identities`` maps input paths to the identity of their content, so the same
        data under another path gives the same id."""
        lines = sorted(
            f"{i.slot}|{i.category}|"
            + (f"job:{i.job}" if i.job else f"file:{identities.get(i.file, i.file)}")
            for i in self.inputs
        )
        record = {
            "task": self.task,
            "recipe": self.recipe,
            "inputs": lines,
            "parameters": self.parameters,
            "dynamic": self.dynamic_parameters,
        }
        blob = json.dumps(record, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    @property
    def main_inputs(self) -> list[JobInput]:
        return [i for i in self.inputs if i.slot == "main"]

    def to_dict(self) -> dict[str, Any]:
        """The DESIGN.md 5.2 job record."""
        return {
            "id": self.id,
            "task": self.task,
            "recipe": self.recipe,
            "complete": self.complete,
            "level": self.level,
            "inputs": [i.to_dict() for i in self.inputs],
            "parents": list(self.parents),
        }
