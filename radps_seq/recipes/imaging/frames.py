"""Reading inputs and writing products of the imaging recipes (FITS, primary HDU).

Recipes tell calibrations from data by category: the categories in
:data:`CALIBRATIONS` are calibration inputs, everything else is the data to process.
That keeps a stage working when the stage before it was skipped and it receives the
earlier product (another category) instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from astropy.io import fits

from ..registry import Product, RecipeError, RecipeInput

MASTER_BIAS = "MASTER_BIAS"
MASTER_DARK = "MASTER_DARK"
MASTER_FLAT = "MASTER_FLAT"
MASTER_FRINGE = "MASTER_FRINGE"
MASTER_ILLUM = "MASTER_ILLUM"
SKY_MODEL = "SKY_MODEL"
PHOT_ZEROPOINT = "PHOT_ZEROPOINT"
STD_CATALOG = "STD_CATALOG"

# Header cards the recipes read and write.
GAIN = "HIERARCH ESO DET OUT1 GAIN"
RON = "HIERARCH ESO DET OUT1 RON"
SKY_LEVEL = "HIERARCH ESO QC SKY LEVEL"
#: The raw file a product descends from (names products along a chain of stages).
ANCESTOR = "HIERARCH ESO PRO ANCESTOR"
FILTER = "HIERARCH ESO INS FILT1 NAME"
AIRMASS = "HIERARCH ESO TEL AIRM START"
SEEING = "HIERARCH ESO TEL AMBI FWHM START"
PIXSCALE = "HIERARCH ESO DET PIXSCALE"
BINNING = "HIERARCH ESO DET BINX"
OFFSET_X = "HIERARCH ESO SEQ CUMOFFSETX"
OFFSET_Y = "HIERARCH ESO SEQ CUMOFFSETY"
QC_ZP = "HIERARCH ESO QC ZP"
QC_EXTCOEF = "HIERARCH ESO QC EXTCOEF"
PRO_CATG = "HIERARCH ESO PRO CATG"

CALIBRATIONS = frozenset(
    {MASTER_BIAS, MASTER_DARK, MASTER_FLAT, MASTER_FRINGE, MASTER_ILLUM, SKY_MODEL,
     PHOT_ZEROPOINT, STD_CATALOG}
)

_STRUCTURAL = ("SIMPLE", "BITPIX", "NAXIS", "NAXIS1", "NAXIS2", "EXTEND", "BZERO", "BSCALE",
               "PCOUNT", "GCOUNT", "CHECKSUM", "DATASUM")


@dataclass
class Inputs:
    """A recipe's inputs split into data frames (in given order) and calibrations."""

    data: list[RecipeInput] = field(default_factory=list)
    calibrations: dict[str, list[RecipeInput]] = field(default_factory=dict)

    def calibration(self, category: str, required: bool = True) -> RecipeInput | None:
        found = self.calibrations.get(category, [])
        if not found:
            if required:
                raise RecipeError(f"missing required input {category}")
            return None
        return found[0]

    def require_data(self, what: str, minimum: int = 1) -> list[RecipeInput]:
        if len(self.data) < minimum:
            raise RecipeError(f"need at least {minimum} {what} frame(s), got {len(self.data)}")
        return self.data


def split_inputs(inputs: Iterable[RecipeInput]) -> Inputs:
    split = Inputs()
    for item in inputs:
        if item.category in CALIBRATIONS:
            split.calibrations.setdefault(item.category, []).append(item)
        else:
            split.data.append(item)
    return split


def read_image(path: str) -> tuple[np.ndarray, fits.Header]:
    """Primary data as float64 (bias-zero scaling applied) and the primary header."""
    try:
        with fits.open(path, memmap=False) as hdus:
            header = hdus[0].header.copy()
            data = hdus[0].data
    except (OSError, ValueError) as exc:
        raise RecipeError(f"{path}: not a readable FITS file: {exc}") from exc
    if data is None or data.ndim != 2:
        raise RecipeError(f"{path}: expected a 2-D image in the primary HDU")
    return np.asarray(data, dtype=np.float64), header


def read_header(path: str) -> fits.Header:
    try:
        return fits.getheader(path, 0)
    except (OSError, ValueError) as exc:
        raise RecipeError(f"{path}: not a readable FITS file: {exc}") from exc


def same_shape(reference: np.ndarray, other: np.ndarray, what: str, path: str) -> None:
    if reference.shape != other.shape:
        raise RecipeError(
            f"{path}: {what} has shape {other.shape} but the data have {reference.shape} "
            "(different binning or window?)"
        )


def number(header: Mapping, keyword: str, default: float | None = None) -> float:
    """A numeric keyword (HIERARCH spelling, e.g. 'ESO DET OUT1 GAIN')."""
    value = header.get(keyword, default)
    if value is None:
        raise RecipeError(f"header keyword {keyword!r} is missing")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise RecipeError(f"header keyword {keyword!r} is not a number: {value!r}") from None


def write_product(
    scratch: Path,
    name: str,
    category: str,
    data: np.ndarray | None,
    header: fits.Header,
    qc: Mapping[str, float] | None = None,
) -> Product:
    """Write ``data`` with ``header`` (the input's, minus layout cards) as ``category``."""
    out = fits.Header()
    for card in header.cards:
        if card.keyword not in _STRUCTURAL and card.keyword not in ("COMMENT", "HISTORY", ""):
            out.append(card)
    out[PRO_CATG] = category
    for key, value in (qc or {}).items():
        out[f"HIERARCH ESO QC {key.upper().replace('_', ' ')}"] = float(value)
    scratch.mkdir(parents=True, exist_ok=True)
    path = scratch / f"{name}.fits"
    array = None if data is None else np.asarray(data, dtype=np.float32)
    fits.PrimaryHDU(data=array, header=out).writeto(path, overwrite=True)
    return Product(path=str(path), category=category)


def stem(path: str) -> str:
    """A product name stem from an input file name (without folder and .fits)."""
    name = Path(path).name
    for suffix in (".fits.gz", ".fits", ".fit"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name
