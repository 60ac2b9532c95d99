"""Import, flagging and calibration of a measurement set with real CASA calls.

Stages and products: ``radio_import`` (descriptor -> MS), ``radio_flagdata``
(deterministic: autocorrelations, zeros, shadowing, edge channels), ``radio_autoflag``
(tfcrop/rflag; measures the fraction it newly flags), ``radio_lowgainflag`` (antennas
whose calibrator amplitudes are far below the others'), ``radio_refant`` (reference
antenna by unflagged data and distance from the array centre), ``radio_bandpass``,
``radio_gaincal``, ``radio_fluxscale`` and ``radio_applycal`` (calibrated target MS).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from ..registry import Product, RecipeError, RecipeInput, RecipeResult
from .descriptor import read_descriptor, tables_hash
from .products import CALTABLE, MS, REFANT, one, pack, unpack
from .stage import OBS_FILE, casa_stage, flagged_fraction, observation


@casa_stage("radio_import")
def radio_import(casa, inputs: list[RecipeInput], params: dict[str, Any], scratch: Path) -> RecipeResult:
    """Check the measurement set against its descriptor, copy it in and inspect it."""
    descriptor = inputs[0].path
    keywords = read_descriptor(descriptor)
    source = Path(descriptor).parent / str(keywords.get("ms.name", ""))
    if not source.is_dir():
        raise RecipeError(f"{descriptor}: measurement set {source.name} (ms.name) not found next to it")
    if keywords.get("ms.sha256") and tables_hash(source) != keywords["ms.sha256"]:
        raise RecipeError(f"{descriptor}: {source.name} does not match its ms.sha256 (changed after it was described)")
    ms = scratch / "work" / f"{keywords['obs.id']}.ms"
    ms.parent.mkdir(exist_ok=True)
    shutil.copytree(source, ms)
    (ms / OBS_FILE).write_text(json.dumps(keywords, sort_keys=True, default=str))
    casa.tasks.listobs(vis=str(ms), listfile=str(scratch / "listobs.txt"), overwrite=True)
    md = casa.tools.msmetadata()
    md.open(str(ms))
    qc = {"nant": md.nantennas(), "nchan": md.nchan(0), "nscan": len(md.scannumbers()),
          "nfield": md.nfields()}
    md.close()
    qc["flagged_fraction"] = flagged_fraction(casa, ms)
    return RecipeResult([pack(ms, scratch, MS), Product(str(scratch / "listobs.txt"), "LISTOBS")], qc)


@casa_stage("radio_flagdata")
def radio_flagdata(casa, inputs, params, scratch) -> RecipeResult:
    """Deterministic flags: autocorrelations, exact zeros, shadowed antennas, band edges."""
    ms = unpack(one(inputs, MS, "radio_flagdata"), scratch)
    before = flagged_fraction(casa, ms)
    casa.tasks.flagdata(vis=str(ms), mode="manual", autocorr=True, flagbackup=False)
    casa.tasks.flagdata(vis=str(ms), mode="clip", clipzeros=True, flagbackup=False)
    casa.tasks.flagdata(vis=str(ms), mode="shadow", flagbackup=False)
    edge = int(params.get("edge_channels", 1))
    if edge > 0:
        nchan = int(observation(ms).get("obs.nchan", 0))
        channels = f"0:0~{edge - 1};{nchan - edge}~{nchan - 1}"
        casa.tasks.flagdata(vis=str(ms), mode="manual", spw=channels, flagbackup=False)
    after = flagged_fraction(casa, ms)
    return RecipeResult([pack(ms, scratch, MS)], {"flagged_fraction": after, "newly_flagged": after - before},
                        effect=after - before)


@casa_stage("radio_autoflag")
def radio_autoflag(casa, inputs, params, scratch) -> RecipeResult:
    """Automatic flagging of outliers in time and frequency (RFI): tfcrop or rflag."""
    ms = unpack(one(inputs, MS, "radio_autoflag"), scratch)
    mode = str(params.get("mode", "rflag"))
    if mode not in ("rflag", "tfcrop"):
        raise RecipeError(f"radio_autoflag: mode must be rflag or tfcrop, not {mode!r}")
    before = flagged_fraction(casa, ms)
    extra = ({"timedevscale": float(params.get("timedevscale", 5.0)),
              "freqdevscale": float(params.get("freqdevscale", 5.0))} if mode == "rflag" else
             {"timecutoff": float(params.get("timecutoff", 4.0)), "freqcutoff": float(params.get("freqcutoff", 4.0))})
    casa.tasks.flagdata(vis=str(ms), mode=mode, datacolumn="data", action="apply",
                        flagbackup=False, **extra)
    after = flagged_fraction(casa, ms)
    return RecipeResult([pack(ms, scratch, MS)], {"flagged_fraction": after, "newly_flagged": after - before},
                        effect=after - before)


def _antenna_amplitudes(casa, ms: Path, field: str) -> np.ndarray:
    """Median visibility amplitude of each antenna's baselines on ``field`` (unflagged)."""
    tb = casa.tools.table()
    tb.open(str(ms))
    query = tb.query(f"FIELD_ID=={_field_id(casa, ms, field)}")
    data, flags = query.getcol("DATA"), query.getcol("FLAG")
    a1, a2 = query.getcol("ANTENNA1"), query.getcol("ANTENNA2")
    query.close()
    tb.close()
    amp = np.where(flags, np.nan, np.abs(data))
    per_row = np.nanmedian(amp.reshape(-1, amp.shape[-1]), axis=0)
    nant = int(max(a1.max(), a2.max())) + 1
    return np.array([np.nanmedian(per_row[(a1 == n) | (a2 == n)]) if np.any((a1 == n) | (a2 == n))
                     else np.nan for n in range(nant)])


def _field_id(casa, ms: Path, name: str) -> int:
    md = casa.tools.msmetadata()
    md.open(str(ms))
    try:
        return int(md.fieldsforname(name)[0])
    finally:
        md.close()


@casa_stage("radio_lowgainflag")
def radio_lowgainflag(casa, inputs, params, scratch) -> RecipeResult:
    """Flag antennas whose calibrator amplitudes fall below ``threshold`` of the median."""
    ms = unpack(one(inputs, MS, "radio_lowgainflag"), scratch)
    obs = observation(ms)
    before = flagged_fraction(casa, ms)
    amps = _antenna_amplitudes(casa, ms, obs["obs.fluxcal"])
    ratio = amps / np.nanmedian(amps)
    threshold = float(params.get("threshold", 0.6))
    low = [int(n) for n in np.flatnonzero(ratio < threshold)]
    if low:
        casa.tasks.flagdata(vis=str(ms), mode="manual", antenna=",".join(str(n) for n in low),
                            flagbackup=False)
    after = flagged_fraction(casa, ms)
    qc = {"flagged_fraction": after, "newly_flagged": after - before, "low_antennas": len(low),
          "min_gain_ratio": float(np.nanmin(ratio))}
    return RecipeResult([pack(ms, scratch, MS)], qc, effect=after - before)


@casa_stage("radio_refant")
def radio_refant(casa, inputs, params, scratch) -> RecipeResult:
    """Rank antennas: most unflagged data first, then closest to the array centre."""
    ms = unpack(one(inputs, MS, "radio_refant"), scratch)
    summary = casa.tasks.flagdata(vis=str(ms), mode="summary")
    md = casa.tools.msmetadata()
    md.open(str(ms))
    names = list(md.antennanames())
    positions = np.array([[md.antennaoffset(n)[k]["value"] for k in ("longitude offset", "latitude offset")]
                          for n in range(len(names))])
    md.close()
    distance = np.hypot(*(positions - positions.mean(axis=0)).T)
    good = np.array([1 - summary["antenna"][n]["flagged"] / max(summary["antenna"][n]["total"], 1)
                     for n in names])
    score = good - 0.5 * distance / max(distance.max(), 1.0)
    ranking = [names[n] for n in np.argsort(-score)]
    out = scratch / "refant.json"
    out.write_text(json.dumps({"refant": ranking[0], "ranking": ranking}))
    return RecipeResult([Product(str(out), REFANT)], {"refant_unflagged": float(good.max()),
                                                      "refant_index": float(names.index(ranking[0]))})


def _refant(inputs: list[RecipeInput]) -> str:
    item = one(inputs, REFANT, "calibration")
    return ",".join(json.loads(Path(item.path).read_text())["ranking"][:3])


def _set_flux_model(casa, ms: Path, obs: dict[str, Any]) -> None:
    casa.tasks.setjy(vis=str(ms), field=obs["obs.fluxcal"], standard="manual",
                     fluxdensity=[float(obs.get("obs.fluxjy", 1.0)), 0, 0, 0], usescratch=True)


def _snr(casa, table: Path) -> tuple[float, float]:
    """Median SNR of unflagged solutions and the fraction of flagged solutions."""
    tb = casa.tools.table()
    tb.open(str(table))
    snr, flag = tb.getcol("SNR"), tb.getcol("FLAG")
    tb.close()
    good = snr[~flag]
    return (float(np.median(good)) if good.size else 0.0), float(flag.mean())


@casa_stage("radio_bandpass")
def radio_bandpass(casa, inputs, params, scratch) -> RecipeResult:
    """Bandpass from the flux/bandpass calibrator after a short phase-only solution."""
    ms = unpack(one(inputs, MS, "radio_bandpass"), scratch)
    obs, refant = observation(ms), _refant(inputs)
    _set_flux_model(casa, ms, obs)
    work = scratch / "work"
    casa.tasks.gaincal(vis=str(ms), caltable=str(work / "bpphase.G"), field=obs["obs.fluxcal"],
                       solint="int", calmode="p", refant=refant, minsnr=2.0)
    table = work / "bandpass.B"
    casa.tasks.bandpass(vis=str(ms), caltable=str(table), field=obs["obs.fluxcal"], solint="inf",
                        combine="scan", refant=refant, gaintable=[str(work / "bpphase.G")],
                        minsnr=float(params.get("minsnr", 2.0)))
    snr, flagged = _snr(casa, table)
    return RecipeResult([pack(table, scratch, f"{CALTABLE}_BANDPASS")],
                        {"solution_snr": snr, "solutions_flagged": flagged})


@casa_stage("radio_gaincal")
def radio_gaincal(casa, inputs, params, scratch) -> RecipeResult:
    """Complex gains per integration on both calibrators, bandpass applied."""
    ms = unpack(one(inputs, MS, "radio_gaincal"), scratch)
    obs, refant = observation(ms), _refant(inputs)
    bandpass = unpack(one(inputs, "BANDPASS", "radio_gaincal"), scratch)
    _set_flux_model(casa, ms, obs)
    table = scratch / "work" / "gain.G"
    casa.tasks.gaincal(vis=str(ms), caltable=str(table), field=f"{obs['obs.fluxcal']},{obs['obs.phasecal']}",
                       solint=str(params.get("solint", "int")), calmode="ap", refant=refant,
                       gaintable=[str(bandpass)], minsnr=float(params.get("minsnr", 2.0)))
    snr, flagged = _snr(casa, table)
    return RecipeResult([pack(table, scratch, f"{CALTABLE}_GAIN")],
                        {"solution_snr": snr, "solutions_flagged": flagged})


@casa_stage("radio_fluxscale")
def radio_fluxscale(casa, inputs, params, scratch) -> RecipeResult:
    """Transfer the flux scale from the flux calibrator to the phase calibrator's gains."""
    ms = unpack(one(inputs, MS, "radio_fluxscale"), scratch)
    obs = observation(ms)
    gains = unpack(one(inputs, "GAIN", "radio_fluxscale"), scratch)
    table = scratch / "work" / "flux.G"
    result = casa.tasks.fluxscale(vis=str(ms), caltable=str(gains), fluxtable=str(table),
                                  reference=obs["obs.fluxcal"], transfer=obs["obs.phasecal"])
    fitted = [v for k, v in result.items() if isinstance(v, dict) and "fitFluxd" in v]
    flux = float(fitted[0]["fitFluxd"]) if fitted else float("nan")
    error = float(fitted[0]["fitFluxdErr"]) if fitted else float("nan")
    return RecipeResult([pack(table, scratch, f"{CALTABLE}_FLUXSCALE")],
                        {"phasecal_flux_jy": flux, "phasecal_flux_snr": flux / error if error else 0.0})


@casa_stage("radio_applycal")
def radio_applycal(casa, inputs, params, scratch) -> RecipeResult:
    """Apply bandpass and flux-scaled gains to the target; split it out calibrated."""
    ms = unpack(one(inputs, MS, "radio_applycal"), scratch)
    obs = observation(ms)
    tables = [unpack(one(inputs, "BANDPASS", "radio_applycal"), scratch),
              unpack(one(inputs, "FLUXSCALE", "radio_applycal"), scratch)]
    casa.tasks.applycal(vis=str(ms), field=obs["obs.target"], gaintable=[str(t) for t in tables],
                        gainfield=["", obs["obs.phasecal"]], interp=["", "linear"], calwt=False,
                        flagbackup=False)
    target = scratch / "work" / "target.ms"
    casa.tasks.split(vis=str(ms), outputvis=str(target), field=obs["obs.target"], datacolumn="corrected")
    (target / OBS_FILE).write_text((ms / OBS_FILE).read_text())
    flagged = flagged_fraction(casa, target)
    return RecipeResult([pack(target, scratch, f"{MS}_CALIBRATED")], {"flagged_fraction": flagged})

