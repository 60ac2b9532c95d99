"""Real FITS files written with astropy, for the header tests."""

from __future__ import annotations

import os

import pytest
from astropy.io import fits

ESO_BIAS = {
    "INSTRUME": "FORS2",
    "MJD-OBS": 60310.12345678,
    "DATE-OBS": "2024-01-01T02:57:46.123",
    "EXPTIME": 0.0,
    "HIERARCH ESO DPR CATG": "CALIB",
    "HIERARCH ESO DPR TYPE": "BIAS",
    "HIERARCH ESO INS FILT1 NAME": "R_SPECIAL",
    "HIERARCH ESO DET WIN1 BINX": 2,
    "HIERARCH ESO DET SHUT OPEN": False,
}


def write_fits(path: str | os.PathLike, keywords: dict[str, object] | None = None) -> str:
    """Write a header-only primary HDU with ``keywords`` (astropy spelling) at ``path``.

    A ``.gz`` suffix makes astropy write it gzip-compressed.
    """
    header = fits.Header()
    for key, value in (ESO_BIAS if keywords is None else keywords).items():
        header[key] = value
    fits.PrimaryHDU(header=header).writeto(path, overwrite=True)
    return os.fspath(path)


@pytest.fixture
def raw(tmp_path):
    """A folder ``raw`` with three FITS files (one gzip-compressed, one in a sub-folder)."""
    folder = tmp_path / "raw"
    (folder / "night2").mkdir(parents=True)
    write_fits(folder / "b1.fits", {**ESO_BIAS, "MJD-OBS": 60310.1})
    write_fits(folder / "b2.fits.gz", {**ESO_BIAS, "MJD-OBS": 60310.2})
    write_fits(folder / "night2" / "f1.fits", {**ESO_BIAS, "HIERARCH ESO DPR TYPE": "FLAT"})
    return folder


@pytest.fixture(autouse=True)
def no_remembered_cards():
    """Every test parses its cards: the memo of card images would otherwise answer with
    what an earlier test parsed, and a parsing bug would go unseen."""
    from radps_seq.headers import cards

    cards._MEMO.clear()
    yield
    cards._MEMO.clear()
