"""Photometry: the zero point from standard stars, flux calibration of science frames,
and stacking of calibrated frames per target and filter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits
from astropy.stats import sigma_clip

from ..registry import RecipeError, RecipeInput, RecipeResult, recipe
from .calibration import Masters, calibrate_frame
from .frames import (
    AIRMASS,
    ANCESTOR,
    BINNING,
    FILTER,
    OFFSET_X,
    OFFSET_Y,
    PHOT_ZEROPOINT,
    PIXSCALE,
    QC_EXTCOEF,
    QC_ZP,
    SEEING,
    STD_CATALOG,
    number,
    read_header,
    read_image,
    same_shape,
    split_inputs,
    stem,
    write_product,
)
from .stats import aperture_flux, centroid, clipped_combine, pixel_noise

#: Mean extinction of the site (mag per airmass), overridable with parameter ``extinction``.
DEFAULT_EXTINCTION = {"B": 0.25, "V": 0.15, "R": 0.10, "I": 0.06, "z": 0.05}


def _catalogue(path: str, field: str, filter_name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    try:
        with fits.open(path, memmap=False) as hdus:
            table = hdus[1].data
            names = np.char.strip(np.asarray(table["FIELD"]).astype(str))
            rows = names == field.strip()
            column = f"MAG_{filter_name.upper()}"
            if column not in table.columns.names:
                raise RecipeError(f"{path}: no magnitudes for filter {filter_name!r} ({column})")
            return (np.array(table["X"][rows]), np.array(table["Y"][rows]),
                    np.array(table[column][rows]))
    except (OSError, IndexError, KeyError) as exc:
        raise RecipeError(f"{path}: not a standard-star catalogue: {exc}") from exc


def _extinction(params: dict[str, Any], filter_name: str) -> float:
    table = {**DEFAULT_EXTINCTION, **params.get("extinction", {})}
    if filter_name not in table:
        raise RecipeError(f"no extinction coefficient for filter {filter_name!r}")
    return float(table[filter_name])


def _fwhm_pixels(header: fits.Header) -> float:
    """Delivered FWHM predicted from the site monitor's seeing and the airmass."""
    return number(header, SEEING, 1.0) * number(header, AIRMASS, 1.0) ** 0.6 / number(header, PIXSCALE, 0.25)


@recipe("imaging_zeropoint", version="1")
def imaging_zeropoint(inputs: list[RecipeInput], params: dict[str, Any], scratch: Path) -> RecipeResult:
    """Zero point (mag giving 1 e-/s above the atmosphere) from aperture photometry of
    catalogued standard stars, corrected for extinction at the observed airmass."""
    split = split_inputs(inputs)
    masters = Masters.load(split)
    catalogue = split.calibration(STD_CATALOG)
    saturation = params.get("saturation", 60000)
    zero_points: list[float] = []
    headers: list[fits.Header] = []
    for item in split.require_data("standard star"):
        raw, header = read_image(item.path)
        image, _ = calibrate_frame(raw, header, item.path, masters)
        headers.append(header)
        filter_name = str(header.get(FILTER, ""))
        binning = number(header, BINNING, 1)
        xs, ys, mags = _catalogue(catalogue.path, str(header.get("OBJECT", "")), filter_name)
        fwhm = _fwhm_pixels(header)
        radius = max(3.0, params.get("aperture_fwhm", 2.0) * fwhm)
        annulus = (radius + 2, radius + 2 + max(4.0, radius))
        exptime = number(header, "EXPTIME")
        airmass = number(header, AIRMASS, 1.0)
        k = _extinction(params, filter_name)
        for x, y, mag in zip(xs, ys, mags, strict=True):
            x = (x + 0.5) / binning - 0.5 - number(header, OFFSET_X, 0)
            y = (y + 0.5) / binning - 0.5 - number(header, OFFSET_Y, 0)
            x, y = centroid(image, x, y, half=max(3, int(fwhm)))
            ix, iy = int(round(x)), int(round(y))
            if not (0 <= ix < raw.shape[1] and 0 <= iy < raw.shape[0]):
                continue
            if raw[max(iy - 2, 0) : iy + 3, max(ix - 2, 0) : ix + 3].max() >= saturation:
                continue
            flux, _ = aperture_flux(image, x, y, radius, annulus)
            if np.isfinite(flux) and flux > 0:
                zero_points.append(mag + 2.5 * np.log10(flux / exptime) + k * airmass)
    if not zero_points:
        raise RecipeError("no unsaturated catalogued standard star was measured")
    clipped = sigma_clip(np.array(zero_points), sigma=3, maxiters=3, masked=True)
    kept = clipped.compressed()
    filter_name = str(headers[0].get(FILTER, ""))
    qc = {
        "zp": float(np.median(kept)),
        "zp_rms": float(np.std(kept)) if kept.size > 1 else 0.0,
        "n_stars": int(kept.size),
        "extcoef": _extinction(params, filter_name),
    }
    product = write_product(scratch, f"phot_zeropoint_{stem(split.data[0].path)}", PHOT_ZEROPOINT,
                            None, headers[0], qc)
    return RecipeResult([product], qc)


@recipe("imaging_photcal", version="1")
def imaging_photcal(inputs: list[RecipeInput], params: dict[str, Any], scratch: Path) -> RecipeResult:
    """Scale a frame to flux per second at a common zero point (``target_zp``, 25 mag),
    using the standard-star zero point and the frame's airmass."""
    split = split_inputs(inputs)
    item = split.require_data("science")[0]
    image, header = read_image(item.path)
    zp_input = split.calibration(PHOT_ZEROPOINT)
    zp_header = read_header(zp_input.path)
    if str(zp_header.get(FILTER)) != str(header.get(FILTER)):
        raise RecipeError(
            f"{zp_input.path}: zero point for filter {zp_header.get(FILTER)!r} applied to a "
            f"{header.get(FILTER)!r} frame ({item.path})"
        )
    target = float(params.get("target_zp", 25.0))
    zp_eff = number(zp_header, QC_ZP) - number(zp_header, QC_EXTCOEF, 0.0) * number(header, AIRMASS, 1.0)
    exptime = number(header, "EXPTIME")
    if exptime <= 0:
        raise RecipeError(f"{item.path}: cannot flux-calibrate a frame with EXPTIME {exptime}")
    scale = 10 ** (0.4 * (target - zp_eff)) / exptime
    header["PHOTZP"] = (target, "mag for 1 unit of flux")
    qc = {"zp_effective": zp_eff, "flux_scale": scale}
    name = f"sci_photcal_{stem(header.get(ANCESTOR, item.path))}"
    product = write_product(scratch, name, "SCI_PHOTCAL", image * scale, header, qc)
    return RecipeResult([product], qc)


@recipe("imaging_stack", version="1")
def imaging_stack(inputs: list[RecipeInput], params: dict[str, Any], scratch: Path) -> RecipeResult:
    """Align dithered frames by their offsets and combine them with inverse-variance
    weights and sigma clipping; noise falls as ~1/sqrt(N)."""
    split = split_inputs(inputs)
    items = split.require_data("science")
    images, headers = [], []
    for item in items:
        image, header = read_image(item.path)
        if images:
            same_shape(images[0], image, "frame", item.path)
            for keyword in (FILTER, BINNING):
                if header.get(keyword) != headers[0].get(keyword):
                    raise RecipeError(
                        f"{item.path}: {keyword} {header.get(keyword)!r} differs from "
                        f"{headers[0].get(keyword)!r} of {items[0].path}; cannot stack"
                    )
        images.append(image)
        headers.append(header)
    ny, nx = images[0].shape
    reference = (number(headers[0], OFFSET_X, 0), number(headers[0], OFFSET_Y, 0))
    aligned = np.full((len(images), ny, nx), np.nan)
    for n, (image, header) in enumerate(zip(images, headers, strict=True)):
        sx = int(round(number(header, OFFSET_X, 0) - reference[0]))
        sy = int(round(number(header, OFFSET_Y, 0) - reference[1]))
        dst_x, src_x = slice(max(sx, 0), nx + min(sx, 0)), slice(max(-sx, 0), nx - max(sx, 0))
        dst_y, src_y = slice(max(sy, 0), ny + min(sy, 0)), slice(max(-sy, 0), ny - max(sy, 0))
        aligned[n, dst_y, dst_x] = image[src_y, src_x]
    noises = np.array([pixel_noise(image) for image in images])
    combined, rejected = clipped_combine(aligned, params.get("kappa", 3.0), noise=noises)
    qc = {
        "n_frames": len(images),
        "noise": pixel_noise(np.nan_to_num(combined, nan=0.0)),
        "noise_single": float(np.median(noises)),
        "rejected_fraction": rejected / aligned.size,
    }
    header = headers[0]
    header["NCOMBINE"] = len(images)
    name = f"sci_stack_{stem(header.get(ANCESTOR, items[0].path))}"
    product = write_product(scratch, name, "SCI_STACK", combined, header, qc)
    return RecipeResult([product], qc)
