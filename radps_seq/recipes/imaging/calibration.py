"""Master calibrations and the basic calibration of raw frames.

Units: MASTER_BIAS in ADU, MASTER_DARK in ADU/s, MASTER_FLAT normalised to median 1;
calibrated frames are in electrons with the median sky (the pedestal) subtracted and
its level kept in ``ESO QC SKY LEVEL`` for noise models downstream.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits
from astropy.stats import sigma_clip

from ..registry import RecipeError, RecipeInput, RecipeResult, recipe
from .frames import (
    ANCESTOR,
    GAIN,
    MASTER_BIAS,
    MASTER_DARK,
    MASTER_FLAT,
    MASTER_FRINGE,
    MASTER_ILLUM,
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
    box_mean,
    clipped_combine,
    frame_noise,
    mesh_background,
    mesh_box,
    nanmedian,
    pixel_noise,
    robust_sigma,
    source_mask,
)


@dataclass
class Masters:
    """The master calibrations of one call, loaded once and applied to every frame."""

    bias: np.ndarray
    bias_path: str
    dark: np.ndarray | None = None
    dark_path: str = ""
    flat: np.ndarray | None = None
    flat_path: str = ""

    @classmethod
    def load(cls, split: Inputs, dark: bool = True, flat: bool = True) -> Masters:
        bias = split.calibration(MASTER_BIAS)
        masters = cls(bias=read_image(bias.path)[0], bias_path=bias.path)
        if dark and (item := split.calibration(MASTER_DARK, required=False)) is not None:
            masters.dark, masters.dark_path = read_image(item.path)[0], item.path
        if flat:
            item = split.calibration(MASTER_FLAT)
            masters.flat, masters.flat_path = read_image(item.path)[0], item.path
            if np.any(masters.flat <= 0):
                masters.flat = np.where(masters.flat > 0, masters.flat, np.nan)
        return masters

    def apply(self, raw: np.ndarray, header: fits.Header, path: str) -> np.ndarray:
        """Raw ADU -> electrons: bias, dark scaled by exposure time, gain, flat field."""
        same_shape(raw, self.bias, "MASTER_BIAS", self.bias_path)
        image = raw - self.bias
        if self.dark is not None:
            same_shape(raw, self.dark, "MASTER_DARK", self.dark_path)
            image = image - self.dark * number(header, "EXPTIME", 0.0)
        image = image * number(header, GAIN, 1.0)
        if self.flat is not None:
            same_shape(raw, self.flat, "MASTER_FLAT", self.flat_path)
            image = image / self.flat
        return image


def _frames(items: list[RecipeInput]) -> tuple[list[np.ndarray], list[fits.Header]]:
    images, headers = [], []
    for item in items:
        data, header = read_image(item.path)
        if images:
            same_shape(images[0], data, item.category, item.path)
        images.append(data)
        headers.append(header)
    return images, headers


@recipe("imaging_bias", version="1")
def imaging_bias(inputs: list[RecipeInput], params: dict[str, Any], scratch: Path) -> RecipeResult:
    """Sigma-clipped mean of raw biases: cosmic rays and glitches are rejected per pixel."""
    split = split_inputs(inputs)
    images, headers = _frames(split.require_data("bias", minimum=2))
    stack = np.array(images)
    master, rejected = clipped_combine(stack, params.get("kappa", 3.0), params.get("iterations", 3))
    ron_adu = frame_noise(stack)
    qc = {
        "bias_level": float(np.median(master)),
        "ron": float(ron_adu * number(headers[0], GAIN, 1.0)),
        "n_frames": len(images),
        "rejected_fraction": rejected / stack.size,
    }
    product = write_product(scratch, f"master_bias_{stem(split.data[0].path)}", MASTER_BIAS,
                            master, headers[0], qc)
    return RecipeResult([product], qc)


@recipe("imaging_dark", version="1")
def imaging_dark(inputs: list[RecipeInput], params: dict[str, Any], scratch: Path) -> RecipeResult:
    """Bias-subtracted, sigma-clipped mean of raw darks divided by exposure time (ADU/s)."""
    split = split_inputs(inputs)
    masters = Masters.load(split, dark=False, flat=False)
    images, headers = _frames(split.require_data("dark", minimum=2))
    rates = []
    for image, header, item in zip(images, headers, split.data, strict=True):
        exptime = number(header, "EXPTIME")
        if exptime <= 0:
            raise RecipeError(f"{item.path}: dark with EXPTIME {exptime}")
        same_shape(image, masters.bias, "MASTER_BIAS", masters.bias_path)
        rates.append((image - masters.bias) / exptime)
    master, rejected = clipped_combine(np.array(rates), params.get("kappa", 3.0))
    gain = number(headers[0], GAIN, 1.0)
    level = float(np.median(master))
    hot = master > level + params.get("hot_sigma", 10.0) * max(robust_sigma(master), 1e-6)
    qc = {
        "dark_current": level * gain,
        "hot_pixels": int(hot.sum()),
        "n_frames": len(images),
        "rejected_fraction": rejected / master.size / len(images),
    }
    product = write_product(scratch, f"master_dark_{stem(split.data[0].path)}", MASTER_DARK,
                            master, headers[0], qc)
    return RecipeResult([product], qc)


@recipe("imaging_flat", version="1")
def imaging_flat(inputs: list[RecipeInput], params: dict[str, Any], scratch: Path) -> RecipeResult:
    """Flat field: bias- (and dark-) corrected frames, each scaled to median 1, combined
    with sigma clipping (rejects stars in dithered twilight flats), renormalised."""
    split = split_inputs(inputs)
    masters = Masters.load(split, flat=False)
    images, headers = _frames(split.require_data("flat", minimum=1))
    scaled, levels = [], []
    for image, header, item in zip(images, headers, split.data, strict=True):
        electrons = masters.apply(image, header, item.path)
        level = float(np.median(electrons))
        if level <= 0:
            raise RecipeError(f"{item.path}: flat has no signal (median {level:.1f} e-)")
        levels.append(level)
        scaled.append(electrons / level)
    master, rejected = clipped_combine(np.array(scaled), params.get("kappa", 3.0))
    master /= nanmedian(master)
    master = np.where(np.isfinite(master) & (master > 0.05), master, 1.0)
    qc = {
        "flat_level": float(np.median(levels)),
        "flat_rms": float(np.std(master)),
        "n_frames": len(images),
        "rejected_fraction": rejected / master.size / len(images),
    }
    product = write_product(scratch, f"master_flat_{stem(split.data[0].path)}", MASTER_FLAT,
                            master, headers[0], qc)
    return RecipeResult([product], qc)


def _normalised_sky_frames(
    items: list[RecipeInput], masters: Masters
) -> tuple[list[np.ndarray], list[np.ndarray], list[fits.Header]]:
    """Calibrated frames divided by their sky level, with their source masks."""
    normalised, masks, headers = [], [], []
    for item in items:
        raw, header = read_image(item.path)
        electrons = masters.apply(raw, header, item.path)
        sky = float(nanmedian(electrons))
        if sky <= 0:
            raise RecipeError(f"{item.path}: no sky signal (median {sky:.1f} e-)")
        masks.append(source_mask(electrons, pixel_noise(electrons)))
        normalised.append(electrons / sky)
        headers.append(header)
    return normalised, masks, headers


def _masked_median(frames: list[np.ndarray], masks: list[np.ndarray]) -> np.ndarray:
    stack = np.array([np.where(m, np.nan, f) for f, m in zip(frames, masks, strict=True)])
    combined = nanmedian(stack, axis=0)
    fallback = nanmedian(np.array(frames), axis=0)
    return np.where(np.isfinite(combined), combined, fallback)


def _mesh(shape: tuple[int, int], params: dict[str, Any]) -> int:
    return mesh_box(shape, params.get("mesh_fraction", 0.125))


@recipe("imaging_fringe_map", version="1")
def imaging_fringe_map(inputs: list[RecipeInput], params: dict[str, Any], scratch: Path) -> RecipeResult:
    """Fringe map from dithered night-sky frames: the small-scale part of the sky,
    relative to the sky level, median-combined so stars drop out, lightly smoothed."""
    split = split_inputs(inputs)
    masters = Masters.load(split)
    frames, masks, headers = _normalised_sky_frames(split.require_data("fringe", 2), masters)
    residuals = []
    for frame, mask in zip(frames, masks, strict=True):
        residuals.append(frame - mesh_background(frame, mask, _mesh(frame.shape, params)))
    fringe = _masked_median(residuals, masks)
    fringe = box_mean(np.nan_to_num(fringe), int(params.get("smooth", 5)))
    fringe -= np.median(fringe)
    qc = {"fringe_rms": float(np.std(fringe)), "n_frames": len(frames)}
    product = write_product(scratch, f"master_fringe_{stem(split.data[0].path)}", MASTER_FRINGE,
                            fringe, headers[0], qc)
    return RecipeResult([product], qc)


@recipe("imaging_illumination_map", version="1")
def imaging_illumination_map(
    inputs: list[RecipeInput], params: dict[str, Any], scratch: Path
) -> RecipeResult:
    """Illumination correction from flat-fielded night-sky flats: their large-scale
    shape shows where the flat field's scattered light misleads; the map (median 1)
    multiplies science frames to undo it."""
    split = split_inputs(inputs)
    masters = Masters.load(split)
    frames, masks, headers = _normalised_sky_frames(split.require_data("night-sky flat", 2), masters)
    combined = _masked_median(frames, masks)
    shape = mesh_background(combined, np.zeros(combined.shape, bool), _mesh(combined.shape, params))
    correction = np.median(shape) / shape
    qc = {
        "illum_range": float(np.max(correction) - np.min(correction)),
        "n_frames": len(frames),
    }
    product = write_product(scratch, f"master_illum_{stem(split.data[0].path)}", MASTER_ILLUM,
                            correction, headers[0], qc)
    return RecipeResult([product], qc)


@recipe("imaging_sky_model", version="1")
def imaging_sky_model(inputs: list[RecipeInput], params: dict[str, Any], scratch: Path) -> RecipeResult:
    """Shape of the sky (median 1) from offset sky frames taken next to an extended target."""
    split = split_inputs(inputs)
    masters = Masters.load(split)
    frames, masks, headers = _normalised_sky_frames(split.require_data("sky", 1), masters)
    combined = _masked_median(frames, masks)
    model = mesh_background(combined, np.zeros(combined.shape, bool), _mesh(combined.shape, params))
    model /= np.median(model)
    qc = {"sky_range": float(np.max(model) - np.min(model)), "n_frames": len(frames)}
    product = write_product(scratch, f"sky_model_{stem(split.data[0].path)}", SKY_MODEL, model,
                            headers[0], qc)
    return RecipeResult([product], qc)


def calibrate_frame(
    raw: np.ndarray, header: fits.Header, path: str, masters: Masters
) -> tuple[np.ndarray, float]:
    """One raw frame to electrons with its pedestal (clipped median sky) subtracted;
    records the sky level and the new unit (gain 1) in ``header``."""
    electrons = masters.apply(raw, header, path)
    sky = float(np.ma.median(sigma_clip(electrons, sigma=3, maxiters=5, masked=True)))
    header[SKY_LEVEL] = sky
    header[GAIN] = 1.0
    return electrons - sky, sky


@recipe("imaging_calibrate", version="1")
def imaging_calibrate(inputs: list[RecipeInput], params: dict[str, Any], scratch: Path) -> RecipeResult:
    """Science frame: bias, dark scaled by exposure time, gain, flat; pedestal removed."""
    split = split_inputs(inputs)
    masters = Masters.load(split)
    item = split.require_data("science")[0]
    raw, header = read_image(item.path)
    image, sky = calibrate_frame(raw, header, item.path, masters)
    header[ANCESTOR] = Path(item.path).name
    qc = {
        "sky_level": sky,
        "noise": pixel_noise(image),
        "saturated_fraction": float(np.mean(raw >= params.get("saturation", 65000))),
    }
    product = write_product(scratch, f"sci_calibrated_{stem(item.path)}", "SCI_CALIBRATED", image,
                            header, qc)
    return RecipeResult([product], qc)
