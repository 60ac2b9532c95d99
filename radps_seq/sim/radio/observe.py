"""An empty measurement set of a small synthetic array, filled with the sky model.

``casatools.simulator`` lays out the array (antennas on a compact random layout),
the spectral window, the fields and the scans (flux/bandpass calibrator, phase
calibrator, target alternating with the phase calibrator); ``predict`` writes the
model visibilities of point sources into DATA. Corruptions come afterwards
(:mod:`radps_seq.sim.radio.corrupt`).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

#: Site of the synthetic array (the VLA's, so CASA knows the observatory).
OBSERVATORY = "VLA"
FLUX_CAL = "J1331+3030"
PHASE_CAL = "J1310+3220"
TARGET = "TARGET"


@dataclass
class Layout:
    """What one measurement set is made of."""

    nant: int = 8
    nchan: int = 16
    freq_ghz: float = 5.0
    width_mhz: float = 8.0
    tint_s: float = 30.0
    scan_s: float = 120.0
    target_scans: int = 4
    flux_cal_jy: float = 2.0
    phase_cal_jy: float = 0.8
    sources: list[tuple[float, float, float]] = field(default_factory=list)  # dx", dy", Jy


def antenna_positions(rng: np.random.Generator, nant: int) -> np.ndarray:
    """East/north/up offsets (m) of a compact array: a 2 km wide random layout."""
    radius = 200 + 800 * np.sqrt(rng.random(nant))
    angle = rng.random(nant) * 2 * np.pi
    return np.stack([radius * np.cos(angle), radius * np.sin(angle), np.zeros(nant)])


def _direction(me, ra_deg: float, dec_deg: float):
    return me.direction("J2000", f"{ra_deg}deg", f"{dec_deg}deg")


def make_ms(casa, path: Path, layout: Layout, rng: np.random.Generator, mjd: float,
            elevation_deg: float) -> None:
    """Write the measurement set at ``path`` with model visibilities in DATA."""
    tools = casa.tools
    if path.exists():
        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sm, me = tools.simulator(), tools.measures()
    offsets = antenna_positions(rng, layout.nant)
    center = me.observatory(OBSERVATORY)
    sm.open(str(path))
    xyz = _local_to_itrf(me, center, offsets)
    sm.setconfig(telescopename=OBSERVATORY, x=xyz[0], y=xyz[1], z=xyz[2],
                 dishdiameter=[25.0] * layout.nant, mount=["alt-az"] * layout.nant,
                 antname=[f"ea{n + 1:02d}" for n in range(layout.nant)],
                 padname=[f"P{n + 1:02d}" for n in range(layout.nant)],
                 coordsystem="global", referencelocation=center)
    sm.setspwindow(spwname="spw0", freq=f"{layout.freq_ghz}GHz", deltafreq=f"{layout.width_mhz}MHz",
                   freqresolution=f"{layout.width_mhz}MHz", nchannels=layout.nchan, stokes="RR LL")
    sm.setfeed(mode="perfect R L")
    dec = 34.0 + 40.0 * (elevation_deg - 50.0) / 40.0  # a field near the chosen elevation
    fields = {FLUX_CAL: (202.78, 30.51), PHASE_CAL: (197.62, 32.34), TARGET: (200.0, dec)}
    for name, (ra, de) in fields.items():
        sm.setfield(sourcename=name, sourcedirection=_direction(me, ra, de))
    sm.setlimits(shadowlimit=0.001, elevationlimit="8.0deg")
    sm.setauto(autocorrwt=0.0)
    sm.settimes(integrationtime=f"{layout.tint_s}s", usehourangle=True,
                referencetime=me.epoch("UTC", f"{mjd}d"))
    start = 0.0
    for name in _scan_order(layout.target_scans):
        stop = start + layout.scan_s
        sm.observe(name, "spw0", starttime=f"{start}s", stoptime=f"{stop}s")
        start = stop
    sm.setdata(fieldid=[0, 1, 2])
    sm.predict(complist=_components(casa, path.parent / f"{path.name}.cl", layout, fields))
    sm.close()
    shutil.rmtree(path.parent / f"{path.name}.cl", ignore_errors=True)


def _scan_order(target_scans: int) -> list[str]:
    order = [FLUX_CAL, PHASE_CAL]
    for _ in range(target_scans):
        order += [TARGET, PHASE_CAL]
    return order


def _local_to_itrf(me, center, offsets: np.ndarray) -> np.ndarray:
    """East/north/up offsets around the site -> ITRF x, y, z (m)."""
    site = me.measure(center, "ITRF")
    lon, lat = site["m0"]["value"], site["m1"]["value"]
    radius = site["m2"]["value"]
    x0 = radius * np.cos(lat) * np.cos(lon)
    y0 = radius * np.cos(lat) * np.sin(lon)
    z0 = radius * np.sin(lat)
    east, north, up = offsets
    x = x0 - np.sin(lon) * east - np.sin(lat) * np.cos(lon) * north + np.cos(lat) * np.cos(lon) * up
    y = y0 + np.cos(lon) * east - np.sin(lat) * np.sin(lon) * north + np.cos(lat) * np.sin(lon) * up
    z = z0 + np.cos(lat) * north + np.sin(lat) * up
    return np.stack([x, y, z])


def _components(casa, path: Path, layout: Layout, fields: dict) -> str:
    """A component list: the two calibrators and the target's point sources."""
    cl = casa.tools.componentlist()
    shutil.rmtree(path, ignore_errors=True)
    for name, flux in ((FLUX_CAL, layout.flux_cal_jy), (PHASE_CAL, layout.phase_cal_jy)):
        ra, dec = fields[name]
        cl.addcomponent(dir=f"J2000 {ra}deg {dec}deg", flux=flux, fluxunit="Jy",
                        freq=f"{layout.freq_ghz}GHz", shape="point")
    ra, dec = fields[TARGET]
    for dx, dy, flux in layout.sources:
        cl.addcomponent(dir=f"J2000 {ra + dx / 3600 / np.cos(np.radians(dec))}deg {dec + dy / 3600}deg",
                        flux=flux, fluxunit="Jy", freq=f"{layout.freq_ghz}GHz", shape="point")
    cl.rename(str(path))
    cl.close()
    return str(path)
