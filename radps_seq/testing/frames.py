"""Write header-only FITS frames from normalised keyword templates.

Scenario tests describe inputs the way the cascade reads them (``{"dpr.type": "BIAS",
"mjd-obs": 60000.1}``); this turns them into real files, so the whole path from
bytes on disk to the job graph is exercised.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

PLAIN_KEYWORDS = {
    "mjd-obs", "date-obs", "exptime", "object", "ra", "dec", "airmass", "telescop",
    "instrume", "origin", "date", "equinox", "radesys", "utc", "lst", "pi-coi",
    "observer", "arcfile", "origfile", "naxis", "bitpix", "simple", "extend",
}


def fits_keyword(normalised: str) -> str:
    """``dpr.catg`` -> ``HIERARCH ESO DPR CATG``; ``mjd-obs`` -> ``MJD-OBS``."""
    if normalised in PLAIN_KEYWORDS or ("." not in normalised and len(normalised) <= 8):
        return normalised.upper()
    return "HIERARCH ESO " + normalised.replace(".", " ").upper()


def write_frame(path: str | os.PathLike, keywords: Mapping[str, Any]) -> Path:
    from astropy.io import fits

    header = fits.Header()
    for key, value in keywords.items():
        if value is None:
            continue
        header[fits_keyword(key)] = value
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fits.PrimaryHDU(header=header).writeto(path, overwrite=True)
    return path


def write_frames(
    folder: str | os.PathLike, templates: Iterable[tuple[str, Mapping[str, Any]]]
) -> list[Path]:
    """Write ``(name, keywords)`` templates into ``folder``; return the paths."""
    return [write_frame(Path(folder) / name, keywords) for name, keywords in templates]
