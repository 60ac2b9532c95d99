"""Static inputs an observatory archive provides: the standard-star catalogue and
master calibrations made earlier (classified by ``HIERARCH ESO PRO CATG``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.io import fits

from .headers import iso
from .instrument import BIAS_LEVEL, DARK_CURRENT, FILTER_PROPERTIES, GAIN, INSTRUMENT, Instrument
from .plan import FRINGE_FILTERS
from .sky import fringe_amplitude
from .targets import STANDARD_FIELDS, TARGETS, standard_field

STD_CATALOG = "STD_CATALOG"


def write_standard_catalog(folder: Path, size: int) -> Path:
    """Positions (unbinned pixel index of the undithered pointing) and magnitudes of the
    standard stars of every standard field."""
    folder.mkdir(parents=True, exist_ok=True)
    rows: dict[str, list] = {"FIELD": [], "X": [], "Y": []}
    mags: dict[str, list] = {f"MAG_{f.upper()}": [] for f in FILTER_PROPERTIES}
    for field in STANDARD_FIELDS:
        stars = standard_field(field, size)
        for i in range(len(stars.x)):
            rows["FIELD"].append(field.name)
            rows["X"].append(stars.x[i] - 0.5)
            rows["Y"].append(stars.y[i] - 0.5)
            for f in FILTER_PROPERTIES:
                mags[f"MAG_{f.upper()}"].append(round(float(stars.mags[f][i]), 3))
    columns = [fits.Column(name="FIELD", format="16A", array=np.array(rows["FIELD"]))]
    columns += [fits.Column(name=k, format="D", array=np.array(rows[k])) for k in ("X", "Y")]
    columns += [fits.Column(name=k, format="D", array=np.array(v)) for k, v in mags.items()]
    primary = fits.PrimaryHDU()
    primary.header["INSTRUME"] = INSTRUMENT
    primary.header["HIERARCH ESO PRO CATG"] = STD_CATALOG
    primary.header["HIERARCH ESO PRO DETSIZE"] = (size, "unbinned detector size [pixel]")
    path = folder / "std_catalog.fits"
    fits.HDUList([primary, fits.BinTableHDU.from_columns(columns, name="STANDARDS")]).writeto(
        path, overwrite=True
    )
    return path


def _master(
    folder: Path, category: str, data: np.ndarray | None, mjd: float, setup: dict, **extra
) -> Path:
    header = fits.Header()
    header["INSTRUME"] = INSTRUMENT
    header["MJD-OBS"] = mjd
    header["DATE-OBS"] = iso(mjd)
    header["HIERARCH ESO PRO CATG"] = category
    for card, value in {**setup, **extra}.items():
        header[card] = value
    name = "_".join([category.lower(), *(str(v) for v in setup.values())]).replace(" ", "")
    path = folder / f"{name}.fits"
    hdu = fits.PrimaryHDU(data=None if data is None else data.astype(np.float32), header=header)
    hdu.writeto(path, overwrite=True)
    return path


def write_masters(folder: Path, instrument: Instrument, mjd: float) -> list[Path]:
    """Archive masters for every filter and binning the targets use, dated ``mjd``."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    binx, biny = "HIERARCH ESO DET BINX", "HIERARCH ESO DET BINY"
    filt = "HIERARCH ESO INS FILT1 NAME"
    for b in (1, 2):
        bias = BIAS_LEVEL + instrument.binned("bias_structure", b)
        dark = (DARK_CURRENT * b * b + instrument.binned("hot_pixels", b)) / GAIN
        written.append(_master(folder, "MASTER_BIAS", bias, mjd, {binx: b, biny: b}))
        written.append(_master(folder, "MASTER_DARK", dark, mjd + 0.01, {binx: b, biny: b}))
    combos = sorted({(f, t.binning) for t in TARGETS for f in t.filters})
    for name, b in combos:
        setup = {filt: name, binx: b, biny: b}
        scattered = instrument.binned("scattered_light", b)
        flat = instrument.binned("response", b) * scattered
        written.append(_master(folder, "MASTER_FLAT", flat / np.median(flat), mjd + 0.02, setup))
        written.append(
            _master(folder, "MASTER_ILLUM", scattered / np.median(scattered), mjd + 0.03, setup)
        )
        if name in FRINGE_FILTERS:
            fringe = instrument.binned("fringe_pattern", b) * fringe_amplitude(name, 30.0) / scattered
            written.append(_master(folder, "MASTER_FRINGE", fringe, mjd + 0.04, setup))
    for name, props in FILTER_PROPERTIES.items():
        zp = {"HIERARCH ESO QC ZP": props.zero_point, "HIERARCH ESO QC EXTCOEF": props.extinction}
        written.append(_master(folder, "PHOT_ZEROPOINT", None, mjd + 0.05, {filt: name}, **zp))
    return written
