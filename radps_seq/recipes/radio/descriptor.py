"""The descriptor of a measurement set: a header-only FITS file next to it.

The engine classifies, groups and associates FITS headers; a measurement set is a
directory of CASA tables. Each one therefore gets a small FITS file whose primary
header says what it holds (array, intents, state, spectral setup, observing
conditions) and where it is, with a content hash of its tables so that a changed
measurement set changes the descriptor and with it every cache key downstream.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def card_name(keyword: str) -> str:
    """``obs.array`` -> ``HIERARCH OBS ARRAY`` (which the header reader normalises back to
    ``obs.array``); short standard keywords such as ``TELESCOP`` stay as they are."""
    if "." not in keyword and len(keyword) <= 8:
        return keyword.upper()
    return "HIERARCH " + " ".join(keyword.upper().split("."))


def write_descriptor(path: str | os.PathLike, keywords: Mapping[str, Any]) -> Path:
    """Write the header-only FITS descriptor ``path`` with ``keywords`` (EDPS names)."""
    from astropy.io import fits

    header = fits.Header()
    for keyword, value in keywords.items():
        header[card_name(keyword)] = value
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.part")
    fits.PrimaryHDU(header=header).writeto(partial, overwrite=True)
    os.replace(partial, target)
    return target


def read_descriptor(path: str | os.PathLike) -> dict[str, Any]:
    """The descriptor's keywords in EDPS spelling (``obs.array``)."""
    from astropy.io import fits

    header = fits.getheader(path)
    return {key.lower().replace(" ", "."): header[key] for key in header
            if key not in ("SIMPLE", "BITPIX", "NAXIS", "EXTEND", "")}


def tables_hash(ms: str | os.PathLike) -> str:
    """Content hash of a measurement set: every file below it, in a fixed order, except
    the ``table.lock`` files CASA rewrites whenever it merely opens a table."""
    digest = hashlib.sha256()
    root = Path(ms)
    for file in sorted(p for p in root.rglob("*") if p.is_file() and p.name != "table.lock"):
        digest.update(file.relative_to(root).as_posix().encode())
        with open(file, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()
