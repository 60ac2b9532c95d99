"""What every simulator shares: its error type and the summary of what it wrote
(per-night counts, sizes, and the calibrations that are missing)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import RadpsError


class SimulationError(RadpsError):
    """A simulation request that cannot be carried out (bad size, no nights, ...)."""


@dataclass
class NightSummary:
    """One simulated night: its date, weather, what was not taken, and file counts."""

    night: str  # date of the evening, YYYY-MM-DD
    evening_mjd: int
    weather: str
    missing: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # DPR TYPE -> number of files
    files: int = 0
    bytes: int = 0


@dataclass
class SimSummary:
    """Everything one call of a simulator wrote below ``out``."""

    instrument: str
    out: Path
    seed: int
    size: int
    nights: list[NightSummary] = field(default_factory=list)
    static_files: list[str] = field(default_factory=list)  # catalogues and archive masters
    files: int = 0
    bytes: int = 0

    def to_dict(self) -> dict[str, Any]:
        return summary_record(self)


def summary_record(summary: Any) -> dict[str, Any]:
    """A simulator's summary as plain JSON-ready data (the output folder as text)."""
    record = asdict(summary)
    record["out"] = str(summary.out)
    return record
