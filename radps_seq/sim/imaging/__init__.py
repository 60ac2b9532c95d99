"""A synthetic optical imager: ``simulate(out, nights, seed)`` writes its raw FITS files.

Layout below ``out``: ``raw/<night>/SIMIMG.<date-obs>.fits`` (one folder per night),
``calib/std_catalog.fits`` (the photometric standard catalogue), and with
``with_masters`` ``masters/*.fits``: archive master calibrations (classified by their
``HIERARCH ESO PRO CATG``) dated two days before the first night, usable instead of
processing raw calibrations.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from astropy.io import fits

from ..base import NightSummary, SimSummary, SimulationError
from .archive import write_masters, write_standard_catalog
from .headers import DPR, file_name, raw_header
from .instrument import INSTRUMENT, Instrument
from .plan import plan_night
from .render import render
from .sky import draw_night

DEFAULT_START_MJD = 60310  # evening of 2024-01-01


def _date(mjd: int) -> str:
    return (dt.date(1858, 11, 17) + dt.timedelta(days=int(mjd))).isoformat()


def simulate(
    out: Path,
    nights: int,
    seed: int,
    size: int = 256,
    start_mjd: int = DEFAULT_START_MJD,
    with_masters: bool = False,
    progress: bool = False,
    headers_only: bool = False,
) -> SimSummary:
    """Write ``nights`` nights of raw frames of a ``size`` x ``size`` imager below ``out``.

    Deterministic: the same arguments give byte-identical files. ``headers_only`` writes
    the same observing plan as header-only files (no pixels): enough to derive, classify
    and benchmark the engine, far faster to make.
    """
    if nights < 1:
        raise SimulationError(f"imaging simulation: nights must be at least 1, got {nights}")
    if size < 32 or size % 4:
        raise SimulationError(
            f"imaging simulation: size must be a multiple of 4 and at least 32, got {size}"
        )
    out = Path(out)
    instrument = Instrument(size=size)
    summary = SimSummary(instrument=INSTRUMENT, out=out, seed=seed, size=size)
    static = [write_standard_catalog(out / "calib", size)]
    if with_masters:
        static += write_masters(out / "masters", instrument, start_mjd - 2)
    for path in static:
        summary.static_files.append(str(path.relative_to(out)))
        summary.files += 1
        summary.bytes += path.stat().st_size
    for index in range(nights):
        evening = int(start_mjd) + index
        rng = np.random.default_rng([seed, index])
        night = draw_night(index, evening, rng)
        exposures = plan_night(night, rng)
        bias_offset = float(rng.uniform(-4, 4))
        folder = out / "raw" / _date(evening)
        folder.mkdir(parents=True, exist_ok=True)
        record = NightSummary(
            night=_date(evening), evening_mjd=evening, weather=night.weather,
            missing=list(night.missing),
        )
        counts: Counter[str] = Counter()
        for number, exp in enumerate(exposures):
            frame_rng = np.random.default_rng([seed, index, number, 1])
            data = None
            if not headers_only:
                data = render(exp, night, instrument, bias_offset + frame_rng.normal(0, 0.3), frame_rng)
            path = folder / file_name(exp.mjd)
            fits.PrimaryHDU(data=data, header=raw_header(exp)).writeto(path, overwrite=True)
            counts[DPR[exp.kind][1]] += 1
            record.bytes += path.stat().st_size
        record.counts = dict(sorted(counts.items()))
        record.files = sum(counts.values())
        summary.nights.append(record)
        summary.files += record.files
        summary.bytes += record.bytes
        if progress:
            print(
                f"{record.night}: {record.files} frames, {night.weather}"
                + (f", missing {', '.join(night.missing)}" if night.missing else ""),
                file=sys.stderr,
            )
    return summary


__all__ = ["DEFAULT_START_MJD", "simulate"]
