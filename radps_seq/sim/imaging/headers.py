"""ESO-style primary headers of the simulated frames.

Only what an observatory records goes in: pointing, timing, instrument setup, and the
ambient conditions measured by the site monitors. Nothing the simulator keeps hidden
(transparency, cosmic-ray rate, gradient direction) is ever written.
"""

from __future__ import annotations

from astropy.io import fits
from astropy.time import Time

from .instrument import GAIN, INSTRUMENT, PIXEL_SCALE, READ_NOISE, TELESCOPE
from .plan import Exposure

#: Simulator kind -> (DPR CATG, DPR TYPE, DPR TECH)
DPR = {
    "BIAS": ("CALIB", "BIAS", "IMAGE"),
    "DARK": ("CALIB", "DARK", "IMAGE"),
    "FLAT_DOME": ("CALIB", "FLAT,DOME", "IMAGE"),
    "FLAT_TWILIGHT": ("CALIB", "FLAT,SKY", "IMAGE"),
    "STD": ("CALIB", "STD", "IMAGE"),
    "FRINGE": ("CALIB", "SKY,FRINGE", "IMAGE"),
    "ILLUM": ("CALIB", "FLAT,NIGHTSKY", "IMAGE"),
    "SKY": ("SCIENCE", "SKY", "IMAGE"),
    "OBJECT": ("SCIENCE", "OBJECT", "IMAGE"),
}


def iso(mjd: float) -> str:
    return Time(mjd, format="mjd", scale="utc").isot


def file_name(mjd: float) -> str:
    """ESO archive style name, with '-' for ':' so it is valid on every file system."""
    return f"{INSTRUMENT}.{iso(mjd).replace(':', '-')}.fits"


def raw_header(exp: Exposure) -> fits.Header:
    catg, dpr_type, tech = DPR[exp.kind]
    h = fits.Header()
    h["ORIGIN"] = ("RADPS-SIM", "Synthetic observatory")
    h["TELESCOP"] = TELESCOPE
    h["INSTRUME"] = INSTRUMENT
    h["OBJECT"] = exp.object
    h["EXPTIME"] = (round(exp.exptime, 3), "Integration time [s]")
    h["MJD-OBS"] = (round(exp.mjd, 8), "Observation start")
    h["DATE-OBS"] = iso(exp.mjd)
    if exp.on_sky:
        ra, dec = _pointing(exp)
        h["RA"] = (round(ra, 6), "[deg]")
        h["DEC"] = (round(dec, 6), "[deg]")
        h["EQUINOX"] = 2000.0
    h["HIERARCH ESO DPR CATG"] = catg
    h["HIERARCH ESO DPR TYPE"] = dpr_type
    h["HIERARCH ESO DPR TECH"] = tech
    h["HIERARCH ESO OBS NAME"] = exp.obs_name
    h["HIERARCH ESO TPL ID"] = exp.tpl_id
    h["HIERARCH ESO TPL START"] = iso(exp.tpl_start)[:19]
    h["HIERARCH ESO TPL EXPNO"] = exp.expno
    h["HIERARCH ESO TPL NEXP"] = exp.nexp
    h["HIERARCH ESO INS FILT1 NAME"] = exp.filter
    h["HIERARCH ESO DET BINX"] = exp.binning
    h["HIERARCH ESO DET BINY"] = exp.binning
    h["HIERARCH ESO DET OUT1 GAIN"] = (GAIN, "e-/ADU")
    h["HIERARCH ESO DET OUT1 RON"] = (READ_NOISE, "e-")
    h["HIERARCH ESO DET PIXSCALE"] = (PIXEL_SCALE * exp.binning, "arcsec/pixel")
    h["HIERARCH ESO SEQ CUMOFFSETX"] = (exp.offset[0] // exp.binning, "dither offset [pixel]")
    h["HIERARCH ESO SEQ CUMOFFSETY"] = (exp.offset[1] // exp.binning, "dither offset [pixel]")
    if exp.on_sky:
        state = exp.state
        h["HIERARCH ESO TEL AIRM START"] = round(state.airmass, 4)
        h["HIERARCH ESO TEL AIRM END"] = round(state.airmass * (1 + 1e-5 * exp.exptime), 4)
        h["HIERARCH ESO TEL AMBI FWHM START"] = (round(state.seeing, 3), "DIMM seeing [arcsec]")
        h["HIERARCH ESO TEL AMBI RHUM"] = (round(state.humidity, 1), "relative humidity [%]")
        h["HIERARCH ESO TEL MOON ILLU"] = (round(state.moon_illumination, 4), "moon illuminated fraction")
        h["HIERARCH ESO TEL MOON DIST"] = (round(state.moon_distance, 2), "moon distance [deg]")
        h["HIERARCH ESO TEL MOON ALT"] = (round(exp.moon_altitude, 2), "moon altitude [deg]")
    return h


def _pointing(exp: Exposure) -> tuple[float, float]:
    source = exp.standard if exp.standard is not None else exp.target
    ra, dec = source.ra, source.dec
    if exp.kind == "SKY":
        dec += 0.25  # offset sky field, a quarter of a degree north
    return ra, dec
