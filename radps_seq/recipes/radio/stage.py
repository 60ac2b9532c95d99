"""What every CASA stage shares: CASA configured for the job, its log in the job folder,
the observation record carried inside the measurement set, and provenance."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..registry import RecipeError, RecipeInput, RecipeResult, recipe
from .casa import Casa, casa
from .products import provenance

#: The observation record (descriptor keywords) travels inside the measurement set.
OBS_FILE = "radps_obs.json"

Stage = Callable[[Casa, list[RecipeInput], dict[str, Any], Path], RecipeResult]


def casa_stage(name: str, version: str = "1") -> Callable[[Stage], Any]:
    """Register ``fn(casa, inputs, params, scratch)`` as recipe ``name``; the wrapper sets
    up CASA (one thread, log in the job folder) and adds ``provenance.json``."""

    def wrap(fn: Stage) -> Any:
        @functools.wraps(fn)
        def run(inputs: list[RecipeInput], params: dict[str, Any], scratch: Path) -> RecipeResult:
            scratch = Path(scratch)
            loaded = casa(scratch / "casa.log")
            loaded.tasks.casalog.setlogfile(str(scratch / "casa.log"))
            loaded.tasks.casalog.showconsole(False)
            result = fn(loaded, list(inputs), dict(params), scratch)
            result.products.append(provenance(scratch, name, params, inputs, result.products, result.qc))
            return result

        return recipe(name, version)(run)

    return wrap


def observation(ms: Path) -> dict[str, Any]:
    """The descriptor keywords the import stage stored in the measurement set."""
    path = ms / OBS_FILE
    if not path.is_file():
        raise RecipeError(f"{ms.name}: no {OBS_FILE}; was it made by the radio_import stage?")
    return json.loads(path.read_text())


def flagged_fraction(loaded: Casa, ms: Path, **selection: Any) -> float:
    summary = loaded.tasks.flagdata(vis=str(ms), mode="summary", **selection)
    total = float(summary.get("total", 0.0)) or 1.0
    return float(summary.get("flagged", 0.0)) / total
