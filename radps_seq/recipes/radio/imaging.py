"""Imaging with tclean, one self-calibration iteration, and the export of FITS images.

``radio_image`` images the calibrated target (mfs, Briggs weighting) and keeps the
model for self-calibration; ``radio_selfcal`` is one iteration of the loop: predict
the model, solve phase-only gains on the target, apply them, image again, and say
whether the image improved by more than ``min_gain`` (the convergence test the loop
driver reads); ``radio_export`` writes the FITS images with their QC and provenance
in the header, the best one (highest peak/rms) as the science product.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from ..registry import Product, RecipeError, RecipeInput, RecipeResult
from .products import IMAGE, MS, of_category, one, pack, unpack
from .stage import OBS_FILE, casa_stage

MODEL = "MODEL"
SELFCAL = "SELFCAL"


def clean(casa, ms: Path, name: str, params: dict[str, Any], scratch: Path) -> tuple[Path, Path, dict]:
    """tclean + exportfits; returns (FITS image, model image, QC: peak, rms, snr)."""
    work = scratch / "work"
    base = work / name
    casa.tasks.tclean(vis=str(ms), imagename=str(base), imsize=int(params.get("imsize", 128)),
                      cell=str(params.get("cell", "2.0arcsec")), specmode="mfs", deconvolver="hogbom",
                      weighting="briggs", robust=0.5, niter=int(params.get("niter", 200)),
                      gain=0.1, threshold="0mJy", interactive=False)
    image, residual = f"{base}.image", f"{base}.residual"
    peak = float(casa.tasks.imstat(imagename=image)["max"][0])
    rms = float(casa.tasks.imstat(imagename=residual, algorithm="chauvenet")["rms"][0])
    fits_path = scratch / f"{name}.fits"
    casa.tasks.exportfits(imagename=image, fitsimage=str(fits_path), overwrite=True)
    qc = {"image_peak_jy": peak, "image_rms_jy": rms, "image_snr": peak / rms if rms > 0 else 0.0}
    return fits_path, Path(f"{base}.model"), qc


def _stamp(fits_path: Path, qc: dict[str, float], casa_version: str, stage: str) -> None:
    """QC and origin in the FITS header, so the image says how it was made."""
    from astropy.io import fits

    with fits.open(fits_path, mode="update") as hdul:
        header = hdul[0].header
        header["HIERARCH RADPS STAGE"] = stage
        header["HIERARCH RADPS CASA VERSION"] = casa_version
        for key, value in qc.items():
            header[f"HIERARCH RADPS QC {key.upper().replace('_', ' ')}"] = float(value)


def _image_qc(fits_path: str) -> dict[str, float]:
    from astropy.io import fits

    header = fits.getheader(fits_path)
    return {"image_peak_jy": float(header.get("HIERARCH RADPS QC IMAGE PEAK JY", np.nan)),
            "image_rms_jy": float(header.get("HIERARCH RADPS QC IMAGE RMS JY", np.nan)),
            "image_snr": float(header.get("HIERARCH RADPS QC IMAGE SNR", 0.0))}


@casa_stage("radio_image")
def radio_image(casa, inputs: list[RecipeInput], params: dict[str, Any], scratch: Path) -> RecipeResult:
    """The first image of the calibrated target."""
    ms = unpack(one(inputs, MS, "radio_image"), scratch)
    fits_path, model, qc = clean(casa, ms, "target_iter0", params, scratch)
    _stamp(fits_path, qc, casa.version, "radio_image")
    return RecipeResult([Product(str(fits_path), IMAGE), pack(model, scratch, MODEL)], qc)


def _latest(inputs: list[RecipeInput], category: str, stage: str) -> RecipeInput:
    """The self-calibrated product if there is one, else the plain one."""
    found = of_category(inputs, category)
    if not found:
        raise RecipeError(f"{stage}: no {category} input (got {[i.category for i in inputs]})")
    selfcal = [i for i in found if SELFCAL in i.category]
    return (selfcal or found)[-1]


@casa_stage("radio_selfcal")
def radio_selfcal(casa, inputs, params, scratch) -> RecipeResult:
    """One self-calibration iteration; ``converged`` = 1 when the peak/rms gain is small."""
    iteration = int(params.get("iteration", 1))
    ms = unpack(_latest(inputs, MS, "radio_selfcal"), scratch, "target.ms")
    model = unpack(_latest(inputs, MODEL, "radio_selfcal"), scratch)
    before = _image_qc(_latest(inputs, IMAGE, "radio_selfcal").path)
    casa.tasks.ft(vis=str(ms), model=str(model), usescratch=True)
    table = scratch / "work" / f"selfcal{iteration}.G"
    solint = str(params.get("solint", "60s"))
    casa.tasks.gaincal(vis=str(ms), caltable=str(table), solint=solint, calmode=str(params.get("calmode", "p")),
                       refant="", minsnr=2.0, gaintype="G")
    casa.tasks.applycal(vis=str(ms), gaintable=[str(table)], calwt=False, flagbackup=False,
                        applymode="calonly")
    out = scratch / "work" / f"target_sc{iteration}.ms"
    casa.tasks.split(vis=str(ms), outputvis=str(out), datacolumn="corrected")
    (out / OBS_FILE).write_text((ms / OBS_FILE).read_text())
    shutil.rmtree(ms)
    fits_path, new_model, qc = clean(casa, out, f"target_iter{iteration}", params, scratch)
    gain = (qc["image_snr"] - before["image_snr"]) / before["image_snr"] if before["image_snr"] else 0.0
    min_gain = float(params.get("min_gain", 0.02))
    qc |= {"iteration": iteration, "snr_gain": gain, "converged": float(gain < min_gain)}
    _stamp(fits_path, qc, casa.version, f"radio_selfcal iteration {iteration}")
    decision = scratch / "selfcal.json"
    decision.write_text(json.dumps({"iteration": iteration, "snr_before": before["image_snr"],
                                    "snr_after": qc["image_snr"], "snr_gain": gain,
                                    "min_gain": min_gain, "converged": bool(gain < min_gain)}))
    products = [Product(str(fits_path), f"{IMAGE}_{SELFCAL}"), pack(out, scratch, f"{MS}_{SELFCAL}"),
                pack(new_model, scratch, f"{MODEL}_{SELFCAL}"), Product(str(decision), "SELFCAL_DECISION")]
    return RecipeResult(products, qc, effect=abs(gain))


@casa_stage("radio_export")
def radio_export(casa, inputs, params, scratch) -> RecipeResult:
    """Every image as FITS with its QC; the best (highest peak/rms) as the science image."""
    images = of_category(inputs, IMAGE)
    if not images:
        raise RecipeError(f"radio_export: no image among the inputs ({[i.category for i in inputs]})")
    scored = sorted(((_image_qc(i.path)["image_snr"], n, i) for n, i in enumerate(images)), reverse=True)
    best = scored[0][2]
    products = []
    for _, _, item in scored:
        target = scratch / Path(item.path).name
        shutil.copy2(item.path, target)
        products.append(Product(str(target), "IMAGE_ITERATION"))
    science = scratch / "science.fits"
    shutil.copy2(best.path, science)
    products.insert(0, Product(str(science), "SCIENCE_IMAGE"))
    first = _image_qc(images[0].path)["image_snr"]
    qc = _image_qc(best.path) | {"images": len(images),
                                 "selfcal_snr_gain": (scored[0][0] - first) / first if first else 0.0}
    return RecipeResult(products, qc)
