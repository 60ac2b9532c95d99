"""In-place refinement stages of science frames: cosmic-ray cleaning, sky subtraction,
fringe correction and illumination correction.

Each returns the refined frame and its ``effect``: the fraction of pixels the stage
moved by more than half the noise (:func:`stats.changed_fraction`). An effect at or
below the task's tolerance means skipping the stage would have left the product
practically unchanged, which is the label sequencers learn from.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits
from numpy.lib.stride_tricks import sliding_window_view

from ..registry import RecipeInput, RecipeResult, recipe
from .frames import (
    ANCESTOR,
    MASTER_FRINGE,
    MASTER_ILLUM,
    RON,
    SKY_LEVEL,
    SKY_MODEL,
    Inputs,
    number,
    read_image,
    same_shape,
    split_inputs,
    stem,
    write_product,
)
from .stats import (
    changed_fraction,
    median_filter,
    mesh_background,
    mesh_box,
    nanmedian,
    pixel_noise,
    source_mask,
)

Refiner = Callable[[np.ndarray, fits.Header, Inputs, dict[str, Any]], tuple[np.ndarray, dict[str, float]]]


def _refine(
    inputs: list[RecipeInput], params: dict[str, Any], scratch: Path, category: str, refiner: Refiner
) -> RecipeResult:
    split = split_inputs(inputs)
    item = split.require_data("science")[0]
    before, header = read_image(item.path)
    after, qc = refiner(before, header, split, params)
    effect = changed_fraction(before, after)
    qc = {**qc, "changed_fraction": effect}
    name = f"{category.lower()}_{stem(header.get(ANCESTOR, item.path))}"
    product = write_product(scratch, name, category, after, header, qc)
    return RecipeResult([product], qc, effect=effect)


def _masked_median_fill(image: np.ndarray, mask: np.ndarray, size: int = 5) -> np.ndarray:
    """Replace masked pixels by the median of their unmasked neighbours."""
    r = size // 2
    padded = np.pad(np.where(mask, np.nan, image), r, mode="constant", constant_values=np.nan)
    ys, xs = np.nonzero(mask)
    windows = sliding_window_view(padded, (size, size))[ys, xs]
    values = nanmedian(windows.reshape(len(ys), -1), axis=1)
    filled = image.copy()
    filled[ys, xs] = np.where(np.isfinite(values), values, np.median(image))
    return filled


def find_cosmic_rays(
    image: np.ndarray,
    sky: float,
    read_noise: float,
    sigclip: float = 5.0,
    sigfrac: float = 0.3,
    objlim: float = 4.0,
    iterations: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Detect and replace cosmic-ray hits (a simplified L.A.Cosmic).

    A pixel is a hit when it stands ``sigclip`` sigma above its 5x5 median and is much
    sharper (``objlim``) than the fine structure of real sources, which the seeing blurs
    over several pixels; neighbours above ``sigfrac * sigclip`` join the hit.
    Returns (cleaned image, mask of replaced pixels).
    """
    clean = image.copy()
    hits = np.zeros(image.shape, bool)
    m3 = median_filter(image, 3)  # fine structure of real sources; hits barely enter it
    fine_structure = m3 - median_filter(m3, 7)
    for _ in range(iterations):
        m5 = median_filter(clean, 5)
        noise = np.sqrt(np.clip(m5 + sky, 0, None) + read_noise**2)
        significance = (clean - m5) / noise
        fine = np.maximum(fine_structure / noise, 0.01)
        found = (significance > sigclip) & (significance / fine > objlim)
        if not found.any():
            break
        grown = sliding_window_view(np.pad(found, 1), (3, 3)).any(axis=(2, 3))
        found |= grown & (significance > sigfrac * sigclip)
        new = found & ~hits
        if not new.any():
            break
        hits |= new
        clean = _masked_median_fill(image, hits)
    return clean, hits


def _crclean(image: np.ndarray, header: fits.Header, split: Inputs, params: dict[str, Any]):
    cleaned, hits = find_cosmic_rays(
        image,
        sky=number(header, SKY_LEVEL, 0.0),
        read_noise=number(header, RON, 5.0),
        sigclip=params.get("sigclip", 5.0),
        sigfrac=params.get("sigfrac", 0.3),
        objlim=params.get("objlim", 4.0),
        iterations=params.get("iterations", 1),
    )
    return cleaned, {"cosmic_pixels": int(hits.sum())}


def _skysub(image: np.ndarray, header: fits.Header, split: Inputs, params: dict[str, Any]):
    noise = pixel_noise(image)
    mask = source_mask(image, noise, params.get("mask_sigma", 2.5))
    model_input = split.calibration(SKY_MODEL, required=False)
    if model_input is not None:
        model, _ = read_image(model_input.path)
        same_shape(image, model, SKY_MODEL, model_input.path)
        good = ~mask & np.isfinite(model)
        design = np.column_stack([model[good] - 1.0, np.ones(good.sum())])
        (scale, offset), *_ = np.linalg.lstsq(design, image[good], rcond=None)
        background = scale * (model - 1.0) + offset
    else:
        box = mesh_box(image.shape, params.get("mesh_fraction", 0.125))
        background = mesh_background(image, mask, box)
    qc = {
        "background_range": float(np.ptp(background)),
        "used_sky_model": float(model_input is not None),
    }
    return image - background, qc


def _defringe(image: np.ndarray, header: fits.Header, split: Inputs, params: dict[str, Any]):
    fringe_input = split.calibration(MASTER_FRINGE, required=False)
    if fringe_input is None:  # filter without fringes: nothing to correct
        return image.copy(), {"fringe_scale": 0.0}
    fringe, _ = read_image(fringe_input.path)
    same_shape(image, fringe, MASTER_FRINGE, fringe_input.path)
    noise = pixel_noise(image)
    pattern = np.where(np.isfinite(fringe), fringe, 0.0)
    scale = 0.0
    for _ in range(int(params.get("iterations", 3))):
        # mask sources on the defringed frame, so fringe crests are not taken for stars
        good = ~source_mask(image - scale * pattern, noise)
        centred = pattern[good] - np.mean(pattern[good])
        data = image[good] - np.median(image[good])
        scale = float(np.sum(centred * data) / max(np.sum(centred**2), 1e-12))
    pattern = pattern - np.mean(pattern[good])
    sky = number(header, SKY_LEVEL, 0.0)
    qc = {"fringe_scale": scale, "fringe_rms": abs(scale) * float(np.std(pattern[good]))}
    if sky > 0:
        qc["fringe_relative"] = qc["fringe_rms"] / sky
    return image - scale * pattern, qc


def _illumcor(image: np.ndarray, header: fits.Header, split: Inputs, params: dict[str, Any]):
    map_input = split.calibration(MASTER_ILLUM, required=False)
    if map_input is None:  # correction not requested for this frame
        return image.copy(), {"illum_range": 0.0}
    correction, _ = read_image(map_input.path)
    same_shape(image, correction, MASTER_ILLUM, map_input.path)
    correction = np.where(np.isfinite(correction) & (correction > 0), correction, 1.0)
    return image * correction, {"illum_range": float(np.ptp(correction))}


@recipe("imaging_crclean", version="1")
def imaging_crclean(inputs: list[RecipeInput], params: dict[str, Any], scratch: Path) -> RecipeResult:
    """Remove cosmic-ray hits; effect grows with exposure time (hits ~ rate x time)."""
    return _refine(inputs, params, scratch, "SCI_CRCLEAN", _crclean)


@recipe("imaging_skysub", version="1")
def imaging_skysub(inputs: list[RecipeInput], params: dict[str, Any], scratch: Path) -> RecipeResult:
    """Subtract the structured sky (gradients from moon and airmass, scattered light),
    from an offset-sky model when one is given, else from a background mesh."""
    return _refine(inputs, params, scratch, "SCI_SKYSUB", _skysub)


@recipe("imaging_defringe", version="1")
def imaging_defringe(inputs: list[RecipeInput], params: dict[str, Any], scratch: Path) -> RecipeResult:
    """Fit and subtract the fringe map; without a map (blue filters) the frame passes."""
    return _refine(inputs, params, scratch, "SCI_DEFRINGED", _defringe)


@recipe("imaging_illumcor", version="1")
def imaging_illumcor(inputs: list[RecipeInput], params: dict[str, Any], scratch: Path) -> RecipeResult:
    """Multiply by the illumination correction; without a map the frame passes."""
    return _refine(inputs, params, scratch, "SCI_ILLUMCOR", _illumcor)
