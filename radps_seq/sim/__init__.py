"""Synthetic observatories that write realistic raw input data, by instrument name."""

from collections.abc import Callable

from .base import NightSummary, SimSummary, SimulationError
from .imaging import simulate as simulate_imaging
from .radio import simulate as simulate_radio

#: Instrument name -> ``simulate(out, nights, seed, size=..., ...) -> SimSummary``.
SIMULATORS: dict[str, Callable[..., SimSummary]] = {"imaging": simulate_imaging, "radio": simulate_radio}

__all__ = ["SIMULATORS", "NightSummary", "SimSummary", "SimulationError", "simulate_imaging", "simulate_radio"]
