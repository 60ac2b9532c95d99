"""The plan a sequencer proposes: an order over the complete jobs, the jobs to skip, and
the predictions that motivated it (DESIGN.md 5.3).

A plan is plain data so it can be written next to a reduction, shown to an operator,
edited by hand and checked again; that is why loading validates every field and names
the one that is wrong instead of failing later inside the guard or the executor.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from radps_seq.errors import RadpsError


class PlanError(RadpsError):
    """A plan file or plan document that is not a well-formed plan."""


@dataclass
class Plan:
    """An execution order over a job graph's complete jobs plus the jobs to skip.

    ``order`` lists every complete job exactly once (skipped ones included, so a plan
    says where a job would have run); ``skip`` is a subset of it; ``predictions`` maps a
    job id to the sequencer's estimates, e.g. ``{"runtime_s": 1.2, "p_noop": 0.97}``.
    """

    planner: str
    order: list[str]
    skip: list[str] = field(default_factory=list)
    predictions: dict[str, dict[str, float | None]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "planner": self.planner,
            "order": list(self.order),
            "skip": list(self.skip),
            "predictions": {job: dict(p) for job, p in self.predictions.items()},
        }

    def without_skips(self, jobs: set[str]) -> Plan:
        """The same plan without the skips of ``jobs`` (e.g. jobs whose products already
        exist: skipping them saves nothing and would change delivered products)."""
        return Plan(
            self.planner,
            list(self.order),
            [job for job in self.skip if job not in jobs],
            dict(self.predictions),
        )

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, data: Any, source: str = "plan") -> Plan:
        """Build a plan from its JSON object; ``source`` names it in error messages.

        ``skip`` and ``predictions`` may be absent (empty); ``planner`` defaults to
        ``"manual"`` so a hand-written ``{"order": [...]}`` is accepted.
        """
        if not isinstance(data, dict):
            raise PlanError(f"{source}: a plan must be a JSON object, got {type(data).__name__}")
        unknown = sorted(set(data) - {"planner", "order", "skip", "predictions"})
        if unknown:
            raise PlanError(f"{source}: unknown field(s) {', '.join(map(repr, unknown))}")
        if "order" not in data:
            raise PlanError(f"{source}: missing field 'order' (the list of job ids)")
        planner = data.get("planner", "manual")
        if not isinstance(planner, str) or not planner:
            raise PlanError(f"{source}: field 'planner' must be a non-empty string")
        return cls(
            planner=planner,
            order=_id_list(data["order"], "order", source),
            skip=_id_list(data.get("skip", []), "skip", source),
            predictions=_predictions(data.get("predictions", {}), source),
        )

    @classmethod
    def from_json(cls, text: str, source: str = "plan") -> Plan:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PlanError(f"{source}: not valid JSON ({exc})") from exc
        return cls.from_dict(data, source)

    @classmethod
    def load(cls, path: str | Path) -> Plan:
        path = Path(path)
        try:
            text = path.read_text()
        except OSError as exc:
            raise PlanError(f"{path}: cannot read plan file ({exc.strerror})") from exc
        return cls.from_json(text, str(path))

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json(indent=2) + "\n")


@dataclass
class CheckedPlan(Plan):
    """A plan the guard accepted for one job graph; only :func:`radps_seq.plan.guard.accept`
    makes these, and the executor runs nothing else.

    ``refused`` holds the guard's reasons when the proposal was refused and this is the
    baseline that replaced it (empty when the proposal itself was accepted).
    """

    refused: list[str] = field(default_factory=list)


def _id_list(value: Any, name: str, source: str) -> list[str]:
    if not isinstance(value, list):
        raise PlanError(f"{source}: field '{name}' must be a list of job ids")
    for i, job in enumerate(value):
        if not isinstance(job, str):
            raise PlanError(f"{source}: field '{name}'[{i}] must be a job id string, got {job!r}")
    return list(value)


def _predictions(value: Any, source: str) -> dict[str, dict[str, float | None]]:
    if not isinstance(value, dict):
        raise PlanError(f"{source}: field 'predictions' must be an object keyed by job id")
    out: dict[str, dict[str, float | None]] = {}
    for job, estimates in value.items():
        where = f"{source}: field 'predictions'[{job!r}]"
        if not isinstance(estimates, dict):
            raise PlanError(f'{where} must be an object such as {{"runtime_s": 1.0}}')
        for key, number in estimates.items():
            if number is not None and (
                isinstance(number, bool) or not isinstance(number, int | float)
            ):
                raise PlanError(f"{where}[{key!r}] must be a number or null, got {number!r}")
        out[job] = dict(estimates)
    return out
