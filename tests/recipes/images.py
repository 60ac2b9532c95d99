"""Small synthetic frames for recipe tests: written as real FITS files in tmp_path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.io import fits

from radps_seq.recipes import RecipeInput
from radps_seq.recipes.imaging.frames import (
    AIRMASS,
    BINNING,
    FILTER,
    GAIN,
    OFFSET_X,
    OFFSET_Y,
    PIXSCALE,
    RON,
    SEEING,
    SKY_LEVEL,
)

SIZE = 64


def write(path: Path, data: np.ndarray | None, **cards) -> str:
    header = fits.Header()
    for key, value in cards.items():
        header[key] = value
    array = None if data is None else np.asarray(data, dtype=np.float32)
    fits.PrimaryHDU(data=array, header=header).writeto(path, overwrite=True)
    return str(path)


def read(path: str) -> np.ndarray:
    return fits.getdata(path).astype(np.float64)


def frame_cards(
    filter_name: str = "V",
    exptime: float = 100.0,
    airmass: float = 1.0,
    binning: int = 1,
    offset: tuple[int, int] = (0, 0),
    **extra,
) -> dict:
    """Header cards of a raw frame as the imager writes them."""
    return {
        "EXPTIME": exptime,
        "OBJECT": extra.pop("OBJECT", "FIELD"),
        FILTER: filter_name,
        BINNING: binning,
        GAIN: extra.pop("gain", 1.0),
        RON: 5.0,
        AIRMASS: airmass,
        SEEING: extra.pop("seeing", 1.0),
        PIXSCALE: 0.25 * binning,
        OFFSET_X: offset[0],
        OFFSET_Y: offset[1],
        **extra,
    }


def calibrated_cards(sky: float, **kwargs) -> dict:
    """Cards of a calibrated science frame (electrons, pedestal removed)."""
    cards = frame_cards(**kwargs)
    cards[SKY_LEVEL] = sky
    cards[GAIN] = 1.0
    return cards


def add_star(image: np.ndarray, x: float, y: float, flux: float, sigma: float = 1.6) -> None:
    yy, xx = np.mgrid[: image.shape[0], : image.shape[1]]
    image += flux * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * sigma**2)) / (2 * np.pi * sigma**2)


def star_field(rng: np.random.Generator, n: int = 6, flux: float = 2e4) -> np.ndarray:
    image = np.zeros((SIZE, SIZE))
    for x, y in rng.uniform(10, SIZE - 10, (n, 2)):
        add_star(image, x, y, flux * rng.uniform(0.5, 2))
    return image


def inputs(*pairs: tuple[str, str]) -> list[RecipeInput]:
    return [RecipeInput(path, category) for path, category in pairs]
