"""Observing conditions: the night's weather, the moon, and the sky an exposure sees.

Conditions drive both what is observed (no twilight flats or standards on a cloudy
night) and how the data look (sky level and gradient, fringe strength, cosmic rays).
Only what a real observatory records goes into headers (airmass, seeing, humidity,
moon illumination and distance); the cosmic-ray rate, the exact transparency and the
direction of sky gradients stay hidden, as they do at a telescope.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .instrument import FILTER_PROPERTIES, PIXEL_SCALE

NEW_MOON_MJD = 60320.49  # 2024-01-11
SYNODIC_MONTH = 29.530589


def moon_illumination(mjd: float) -> float:
    """Illuminated fraction of the moon (0 new, 1 full)."""
    phase = 2 * math.pi * ((mjd - NEW_MOON_MJD) / SYNODIC_MONTH)
    return 0.5 * (1 - math.cos(phase))


@dataclass
class Night:
    """One observing night: what the weather allowed and the hidden physical state."""

    index: int
    evening_mjd: int
    weather: str  # "clear" or "cloudy"
    humidity: float  # per cent, night average
    seeing: float  # arcsec, night median
    cosmic_ray_rate: float  # events per second per unbinned megapixel
    missing: list[str] = field(default_factory=list)

    @property
    def cloudy(self) -> bool:
        return self.weather == "cloudy"


def draw_night(index: int, evening_mjd: int, rng: np.random.Generator) -> Night:
    """A night's weather and calibration mishaps; the first night is always complete.

    Missing calibrations are what force association to widen: no biases (taken from a
    neighbouring night), a cloudy night (no twilight flats: dome flats instead; no
    standards: an older zero point), a dome flat sequence or fringe frames not taken.
    """
    cloudy = index > 0 and rng.random() < 0.3
    night = Night(
        index=index,
        evening_mjd=evening_mjd,
        weather="cloudy" if cloudy else "clear",
        humidity=float(np.clip(rng.normal(55 if cloudy else 30, 15), 5, 95)),
        seeing=float(np.clip(rng.lognormal(math.log(0.9), 0.25), 0.5, 2.0)),
        cosmic_ray_rate=float(rng.uniform(1.0, 2.6)),
    )
    if cloudy:
        night.missing += ["twilight_flat", "std"]
    if index > 0 and rng.random() < 0.25:
        night.missing.append("bias")
    if index > 0 and rng.random() < 0.2:
        night.missing.append("dome_flat")
    if index > 0 and rng.random() < 0.3:
        night.missing.append("fringe")
    return night


@dataclass(frozen=True)
class SkyState:
    """Conditions of one exposure: header-visible ones and the hidden ones."""

    airmass: float
    seeing: float
    humidity: float
    moon_illumination: float
    moon_distance: float  # degrees
    transparency: float  # hidden
    gradient_angle: float  # hidden: direction of the sky gradient on the detector


def sky_rate(filter_name: str, state: SkyState, moon_up: float) -> float:
    """Sky brightness in e-/s per unbinned pixel (dark sky brightening with airmass,
    plus moonlight that is stronger in blue filters and close to the moon)."""
    props = FILTER_PROPERTIES[filter_name]
    area = PIXEL_SCALE**2
    dark = 10 ** (-0.4 * (props.sky - props.zero_point)) * area * (1 + 0.3 * (state.airmass - 1))
    closeness = float(np.clip(45.0 / max(state.moon_distance, 5.0), 0.4, 4.0))
    moon = (
        10 ** (-0.4 * (props.moon_sky - props.zero_point))
        * area
        * state.moon_illumination**2
        * closeness
        * moon_up
    )
    return dark + moon


def gradient_amplitude(filter_name: str, state: SkyState, moon_up: float) -> float:
    """Peak-to-peak fraction of the sky varying linearly across the detector."""
    props = FILTER_PROPERTIES[filter_name]
    area = PIXEL_SCALE**2
    dark = 10 ** (-0.4 * (props.sky - props.zero_point)) * area
    total = sky_rate(filter_name, state, moon_up)
    moon_fraction = max(total - dark * (1 + 0.3 * (state.airmass - 1)), 0.0) / total
    closeness = float(np.clip(45.0 / max(state.moon_distance, 5.0), 0.3, 4.0))
    return 0.03 * (state.airmass - 1) + 0.1 * moon_fraction * closeness


def fringe_amplitude(filter_name: str, humidity: float) -> float:
    """Fringe rms as a fraction of the sky: only in fringing filters, stronger when humid."""
    return FILTER_PROPERTIES[filter_name].fringe * (0.4 + humidity / 60.0)
