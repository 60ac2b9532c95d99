"""What the telescope points at: science targets and photometric standard fields.

Star fields are fixed per target (seeded by the target's name, not by the simulation
seed): the sky does not change between simulations, only the nights do.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .instrument import FILTER_PROPERTIES, FILTERS, PIXEL_SCALE

#: Largest dither offset in unbinned pixels; star fields extend this far beyond the detector.
DITHER_MARGIN = 16

# Typical stellar colours (mag relative to V) for the five filters.
_COLOURS = {"B": 0.6, "V": 0.0, "R": -0.4, "I": -0.8, "z": -1.0}


@dataclass(frozen=True)
class Target:
    """A science programme: what to observe, how, and what the field contains."""

    name: str
    ra: float
    dec: float
    kind: str  # "stars" (a star field) or "galaxy" (an extended object filling the field)
    filters: tuple[str, ...]
    exptime: float
    n_exposures: int
    binning: int
    n_stars: int
    bright: float  # brightest star magnitude (V)
    faint: float  # faintest star magnitude (V)
    offset_sky: bool = False  # take offset sky frames (extended targets)


TARGETS: tuple[Target, ...] = (
    Target("NGC 1365", 53.40, -36.14, "galaxy", ("B", "V", "R"), 240, 3, 1, 60, 15, 22, True),
    Target("NGC 300", 13.72, -37.68, "galaxy", ("V", "I"), 180, 2, 1, 60, 15, 22, True),
    Target("M 67", 132.83, 11.81, "stars", ("V", "R", "I"), 30, 3, 1, 220, 13.5, 21),
    Target("SN 2024abc", 150.10, -12.30, "stars", ("B", "V", "R"), 60, 3, 2, 80, 15, 22),
    Target("COSMOS-1", 150.12, 2.21, "stars", ("I", "z"), 480, 4, 1, 150, 17, 24),
    Target("CDFS-2", 53.12, -27.80, "stars", ("R", "I", "z"), 360, 3, 1, 140, 16.5, 24),
    Target("GRB 240101A", 210.55, -5.10, "stars", ("R", "I"), 120, 3, 2, 90, 16, 23),
)

#: Blank-ish fields for night-sky flats and fringe frames (few, faint stars).
BLANK_FIELD = Target("BLANK-07", 30.0, -20.0, "stars", FILTERS, 90, 3, 1, 25, 18, 24)


@dataclass(frozen=True)
class StandardField:
    name: str
    ra: float
    dec: float
    n_stars: int


STANDARD_FIELDS: tuple[StandardField, ...] = (
    StandardField("SA 98", 103.0, -0.3, 10),
    StandardField("PG 0231+051", 38.5, 5.3, 8),
    StandardField("SA 113", 325.0, 0.5, 12),
)


def _seed(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")


@dataclass(frozen=True)
class StarField:
    """Stars in unbinned pixel coordinates of the undithered pointing, with magnitudes."""

    x: np.ndarray
    y: np.ndarray
    mags: dict[str, np.ndarray]


@lru_cache(maxsize=64)
def star_field(name: str, n_stars: int, bright: float, faint: float, size: int) -> StarField:
    rng = np.random.default_rng(_seed(name))
    x = rng.uniform(-DITHER_MARGIN, size + DITHER_MARGIN, n_stars)
    y = rng.uniform(-DITHER_MARGIN, size + DITHER_MARGIN, n_stars)
    # number counts rise towards faint magnitudes (log N ~ 0.3 m)
    u = rng.uniform(0, 1, n_stars)
    a = 10 ** (0.3 * bright)
    b = 10 ** (0.3 * faint)
    v = np.log10(a + u * (b - a)) / 0.3
    colour = rng.normal(0, 0.25, n_stars)
    mags = {f: v + _COLOURS[f] * (1 + colour) for f in FILTERS}
    return StarField(x=x, y=y, mags=mags)


def target_field(target: Target, size: int) -> StarField:
    return star_field(target.name, target.n_stars, target.bright, target.faint, size)


def standard_field(field: StandardField, size: int) -> StarField:
    """Standard stars: bright, well inside the detector, magnitudes known to 0.01 mag."""
    rng = np.random.default_rng(_seed(field.name))
    margin = size * 0.12
    x = rng.uniform(margin, size - margin, field.n_stars)
    y = rng.uniform(margin, size - margin, field.n_stars)
    v = rng.uniform(13.0, 16.0, field.n_stars)
    colour = rng.normal(0, 0.3, field.n_stars)
    mags = {f: v + _COLOURS[f] * (1 + colour) for f in FILTERS}
    return StarField(x=x, y=y, mags=mags)


def galaxy_profile(target: Target, size: int, binning: int) -> np.ndarray:
    """Surface brightness of an exponential disc in V-band e-/s per binned pixel at
    zero point 0 (multiply by 10**(0.4 * (zp - colour)))."""
    rng = np.random.default_rng(_seed(target.name + "/galaxy"))
    n = size // binning
    axis = (np.arange(n) + 0.5) * binning
    x, y = np.meshgrid(axis, axis)
    cx, cy = size * rng.uniform(0.4, 0.6, 2)
    angle = rng.uniform(0, np.pi)
    q = rng.uniform(0.45, 0.8)
    dx, dy = x - cx, y - cy
    u = dx * np.cos(angle) + dy * np.sin(angle)
    w = (-dx * np.sin(angle) + dy * np.cos(angle)) / q
    r = np.hypot(u, w)
    scale = size * 0.18
    mu0 = 20.5  # central surface brightness, V mag/arcsec^2
    area = (PIXEL_SCALE * binning) ** 2
    return 10 ** (-0.4 * mu0) * area * np.exp(-r / scale)


def galaxy_colour(filter_name: str) -> float:
    """Galaxy colour relative to V (redder than the average star)."""
    return {"B": 0.8, "V": 0.0, "R": -0.6, "I": -1.1, "z": -1.4}[filter_name]


def counts_per_second(mag: np.ndarray | float, filter_name: str) -> np.ndarray | float:
    """e-/s above the atmosphere for a magnitude in a filter."""
    return 10 ** (-0.4 * (np.asarray(mag) - FILTER_PROPERTIES[filter_name].zero_point))
