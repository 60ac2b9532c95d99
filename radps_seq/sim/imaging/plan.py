"""The observing plan of one night: which exposures are taken, when, and under which sky.

The day starts with biases, darks (every third day) and dome flats, goes on with
evening twilight flats and standard stars, then science observations (with offset sky
frames for extended targets), fringe frames in fringing filters, and, once a week,
night-sky flats for the illumination correction. A night's mishaps (clouds, a forgotten
bias sequence, ...) remove the matching calibrations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .instrument import FILTER_PROPERTIES
from .sky import Night, SkyState, moon_illumination
from .targets import BLANK_FIELD, STANDARD_FIELDS, TARGETS, StandardField, Target

FRINGE_FILTERS = tuple(name for name, f in FILTER_PROPERTIES.items() if f.fringe > 0)
READOUT_S = {1: 35.0, 2: 15.0}
N_BIAS = 5
N_DARK = 3
N_FLAT = 3
N_FRINGE = 3
N_ILLUM = 3
DARK_EXPTIME = 600.0
ILLUM_EVERY = 7
DARK_EVERY = 3


@dataclass(frozen=True)
class Exposure:
    """One raw frame to write; ``kind`` is the simulator's name for what it is."""

    kind: str  # BIAS DARK FLAT_DOME FLAT_TWILIGHT STD FRINGE ILLUM SKY OBJECT
    mjd: float
    exptime: float
    binning: int
    filter: str
    object: str
    obs_name: str
    tpl_id: str
    tpl_start: float  # MJD of the template start
    expno: int
    nexp: int
    offset: tuple[int, int] = (0, 0)  # dither, unbinned pixels
    level: float = 0.0  # flats: mean illumination in ADU
    state: SkyState | None = None
    target: Target | None = None
    standard: StandardField | None = None
    moon_altitude: float = -90.0

    @property
    def on_sky(self) -> bool:
        return self.state is not None


class _Clock:
    def __init__(self, mjd: float) -> None:
        self.mjd = mjd

    def take(self, exptime: float, binning: int) -> float:
        start = self.mjd
        self.mjd += (exptime + READOUT_S[binning]) / 86400.0
        return start


def _dithers(n: int, rng: np.random.Generator, step: int = 4) -> list[tuple[int, int]]:
    """Integer offsets (multiples of 4 unbinned pixels, so also whole binned pixels)."""
    offsets = [(0, 0)]
    while len(offsets) < n:
        dx, dy = (int(v) * step for v in rng.integers(-3, 4, 2))
        if (dx, dy) not in offsets:
            offsets.append((dx, dy))
    return offsets


def _choose_targets(night: Night, rng: np.random.Generator) -> list[Target]:
    n = int(rng.integers(2, 5))
    order = rng.permutation(len(TARGETS))[:n]
    return [TARGETS[i] for i in sorted(order)]


def plan_night(night: Night, rng: np.random.Generator) -> list[Exposure]:
    """Every exposure of the night, in time order."""
    targets = _choose_targets(night, rng)
    combos = sorted({(f, t.binning) for t in targets for f in t.filters})
    moon = moon_illumination(night.evening_mjd + 1.1)
    moon_alt0 = float(rng.uniform(-40, 70))
    exposures: list[Exposure] = []
    day = float(night.evening_mjd)

    def calibration(kind, clock, n, exptime, binning, filt, tpl, level=0.0, dither=False):
        start = clock.mjd
        offsets = _dithers(n, rng) if dither else [(0, 0)] * n
        for i in range(n):
            t = exptime(i) if callable(exptime) else exptime
            lvl = level(i) if callable(level) else level
            mjd = clock.take(t, binning)
            exposures.append(
                Exposure(kind, mjd, t, binning, filt, kind, "Calibration", tpl, start, i + 1, n,
                         offsets[i], lvl)
            )

    clock = _Clock(day + 0.78)
    if "bias" not in night.missing:
        for binning in (1, 2):
            calibration("BIAS", clock, N_BIAS, 0.0, binning, "free", "SIMIMG_cal_bias")
    if night.index % DARK_EVERY == 0:
        for binning in (1, 2):
            calibration("DARK", clock, N_DARK, DARK_EXPTIME, binning, "free", "SIMIMG_cal_dark")
    missing_dome: set[tuple[str, int]] = set()
    if "dome_flat" in night.missing:  # one of tonight's dome flat sequences is not taken
        filt, binning = combos[int(rng.integers(len(combos)))]
        missing_dome.add((filt, binning))
        night.missing.remove("dome_flat")
        night.missing.append(f"dome_flat:{filt}/{binning}x{binning}")
    clock = _Clock(day + 0.84)
    for filt, binning in combos:
        if (filt, binning) in missing_dome:
            continue
        calibration("FLAT_DOME", clock, N_FLAT, float(rng.uniform(4, 20)), binning, filt,
                    "SIMIMG_cal_domeflat", level=float(rng.uniform(18000, 26000)))
    clock = _Clock(day + 0.965)
    if "twilight_flat" not in night.missing:
        for filt, binning in combos:
            calibration("FLAT_TWILIGHT", clock, N_FLAT, lambda i: float(rng.uniform(2, 30)),
                        binning, filt, "SIMIMG_cal_skyflat",
                        level=lambda i: float(rng.uniform(12000, 30000)), dither=True)

    def sky_state(airmass: float, moon_distance: float, angle: float) -> SkyState:
        return SkyState(
            airmass=airmass,
            seeing=float(night.seeing * rng.lognormal(0, 0.12)),
            humidity=float(np.clip(night.humidity + rng.normal(0, 4), 3, 99)),
            moon_illumination=moon,
            moon_distance=moon_distance,
            transparency=float(rng.uniform(0.4, 0.9) if night.cloudy else rng.uniform(0.97, 1.0)),
            gradient_angle=angle,
        )

    def moon_altitude(mjd: float) -> float:
        return float(np.clip(moon_alt0 + 360.0 * (mjd - day - 1.15), -90, 90))

    def on_sky(kind, clock, filt, binning, exptime, name, obs, tpl, start, i, n, offset,
               airmass, moon_distance, angle, target=None, standard=None):
        mjd = clock.take(exptime, binning)
        exposures.append(
            Exposure(kind, mjd, exptime, binning, filt, name, obs, tpl, start, i, n, offset,
                     state=sky_state(airmass, moon_distance, angle), target=target,
                     standard=standard, moon_altitude=moon_altitude(mjd))
        )

    clock = _Clock(day + 1.01)
    if "std" not in night.missing:
        standard = STANDARD_FIELDS[night.index % len(STANDARD_FIELDS)]
        # one standard per filter, at the finest binning the filter is used in tonight
        setups = sorted({f: min(b for g, b in combos if g == f) for f, _ in combos}.items())
        start = clock.mjd
        airmass = float(rng.uniform(1.05, 1.5))
        for i, (filt, binning) in enumerate(setups):
            exptime = {"B": 20.0, "V": 10.0, "R": 8.0, "I": 10.0, "z": 20.0}[filt] / binning**2
            on_sky("STD", clock, filt, binning, exptime, standard.name, f"STD {standard.name}",
                   "SIMIMG_img_std", start, i + 1, len(setups), (0, 0), airmass,
                   float(rng.uniform(30, 150)), float(rng.uniform(0, 2 * math.pi)),
                   standard=standard)

    blank_distance = float(rng.uniform(30, 150))
    for number, target in enumerate(targets):
        airmass = float(rng.uniform(1.0, 1.7))
        moon_distance = float(rng.uniform(10, 160))
        angle = float(rng.uniform(0, 2 * math.pi))
        for filt in target.filters:
            if rng.random() < 0.15:  # the observer drops a filter now and then
                continue
            exptime = float(target.exptime * rng.choice([0.5, 1.0, 1.0, 1.5, 2.0]))
            n = target.n_exposures
            offsets = _dithers(n, rng)
            start = clock.mjd
            obs = f"{target.name} {filt} OB{night.index:03d}{number}"
            for i in range(n):
                airmass = float(np.clip(airmass + rng.normal(0.02, 0.02), 1.0, 2.5))
                on_sky("OBJECT", clock, filt, target.binning, exptime, target.name, obs,
                       "SIMIMG_img_obs", start, i + 1, n, offsets[i], airmass, moon_distance,
                       angle, target=target)
                if target.offset_sky:
                    on_sky("SKY", clock, filt, target.binning, exptime, f"{target.name} SKY", obs,
                           "SIMIMG_img_obs", start, i + 1, n, offsets[i], airmass,
                           moon_distance, angle, target=BLANK_FIELD)
        if number == len(targets) // 2 and "fringe" not in night.missing:
            for filt, binning in combos:
                if filt not in FRINGE_FILTERS:
                    continue
                start = clock.mjd
                offsets = _dithers(N_FRINGE, rng, step=8)
                for i in range(N_FRINGE):
                    on_sky("FRINGE", clock, filt, binning, 120.0, BLANK_FIELD.name,
                           f"Fringe {filt}", "SIMIMG_img_fringe", start, i + 1, N_FRINGE,
                           offsets[i], 1.2, blank_distance, 0.0, target=BLANK_FIELD)

    if night.index % ILLUM_EVERY == 0:
        all_combos = sorted({(f, t.binning) for t in TARGETS for f in t.filters})
        for filt, binning in all_combos:
            start = clock.mjd
            offsets = _dithers(N_ILLUM, rng, step=8)
            for i in range(N_ILLUM):
                on_sky("ILLUM", clock, filt, binning, 90.0, BLANK_FIELD.name,
                       f"Night-sky flat {filt}", "SIMIMG_img_skyflat", start, i + 1, N_ILLUM,
                       offsets[i], 1.15, blank_distance, 0.0, target=BLANK_FIELD)
    return sorted(exposures, key=lambda e: e.mjd)
