"""Controlled corruptions of model visibilities: what calibration and flagging undo.

Every effect is drawn from the dataset's observable conditions plus chance, so whether
a stage changes the result is something a planner can learn from the descriptor but
never read off it:

- antenna gains: amplitude scatter and a slow amplitude drift; a phase offset per
  antenna and a tropospheric phase random walk (rms change per minute) growing with
  precipitable water vapour (``obs.pwv``) and airmass (``obs.elev``) -- what self-calibration fixes;
- bandpass: a per-antenna amplitude ripple and phase slope across channels;
- a bad antenna (sometimes): low, erratic gain -- what low-gain flagging removes;
- RFI (more likely at low frequency, ``obs.band``): strong bursts in a few channels;
- thermal noise growing with water vapour and airmass.

``V_ij = g_i g_j* b_i b_j* M_ij + n``, written into DATA with matching WEIGHT/SIGMA.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

RFI_PROBABILITY = {"L": 0.8, "C": 0.4, "X": 0.15}


@dataclass
class Corruption:
    """The truth of one dataset's corruptions (kept out of the descriptor)."""

    amp_scatter: float
    amp_drift: float
    phase_rms_deg: float
    phase_walk_deg: float  # rms tropospheric phase change per minute
    ripple: float
    bad_antenna: int | None
    rfi_channels: list[int] = field(default_factory=list)
    noise_jy: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def draw(rng: np.random.Generator, nant: int, nchan: int, pwv: float, elevation: float,
         band: str) -> Corruption:
    """The corruptions of one dataset, from its conditions and chance."""
    airmass = 1.0 / np.sin(np.radians(elevation))
    rfi = []
    if rng.random() < RFI_PROBABILITY.get(band, 0.3):
        rfi = sorted(int(c) for c in rng.choice(np.arange(1, nchan - 1), size=int(rng.integers(1, 4)),
                                                replace=False))
    return Corruption(
        amp_scatter=float(rng.uniform(0.05, 0.2)),
        amp_drift=float(rng.uniform(-0.1, 0.1)),
        phase_rms_deg=float(rng.uniform(20, 90)),
        phase_walk_deg=float(6.0 * pwv * airmass * rng.uniform(0.5, 1.5)),
        ripple=float(rng.uniform(0.0, 0.15)),
        bad_antenna=int(rng.integers(nant)) if rng.random() < 0.35 else None,
        rfi_channels=rfi,
        noise_jy=float(0.05 * (1 + 0.3 * pwv) * airmass),
    )


def apply(casa: Any, ms: Path, corruption: Corruption, rng: np.random.Generator) -> None:
    """Corrupt DATA (which holds the model visibilities) in place."""
    tb = casa.tools.table()
    tb.open(str(ms), nomodify=False)
    try:
        model = tb.getcol("DATA")  # (pol, chan, row)
        a1, a2 = tb.getcol("ANTENNA1"), tb.getcol("ANTENNA2")
        time = tb.getcol("TIME")
        npol, nchan, _ = model.shape
        nant = int(max(a1.max(), a2.max())) + 1
        gains = _gains(rng, corruption, nant, np.unique(time))
        index = np.searchsorted(np.unique(time), time)
        bandpass = _bandpass(rng, corruption, nant, nchan)
        g1 = gains[a1, index][None, None, :] * bandpass[a1].T[None, :, :]
        g2 = gains[a2, index][None, None, :] * bandpass[a2].T[None, :, :]
        sigma = corruption.noise_jy
        noise = sigma * (rng.standard_normal(model.shape) + 1j * rng.standard_normal(model.shape))
        data = g1 * np.conj(g2) * model + noise
        _add_rfi(rng, data, corruption, time, sigma)
        tb.putcol("DATA", data.astype(np.complex64))
        rows = data.shape[2]
        tb.putcol("SIGMA", np.full((npol, rows), sigma * np.sqrt(2), dtype=np.float32))
        tb.putcol("WEIGHT", np.full((npol, rows), 1.0 / (2 * sigma**2), dtype=np.float32))
    finally:
        tb.close()


def _gains(rng: np.random.Generator, c: Corruption, nant: int, times: np.ndarray) -> np.ndarray:
    span = max(float(times[-1] - times[0]), 1.0)
    t = (times - times[0]) / span
    amp = 1 + c.amp_scatter * rng.standard_normal(nant)
    amp = amp[:, None] * (1 + c.amp_drift * t[None, :] * rng.standard_normal(nant)[:, None])
    phase = np.radians(c.phase_rms_deg) * rng.standard_normal(nant)[:, None]
    step = np.median(np.diff(times)) if times.size > 1 else 60.0
    steps = np.radians(c.phase_walk_deg) * np.sqrt(step / 60.0) * rng.standard_normal((nant, times.size))
    phase = phase + np.cumsum(steps, axis=1)
    gains = np.abs(amp) * np.exp(1j * phase)
    gains[0] = np.abs(gains[0])  # a reference antenna with zero phase keeps solutions tidy
    if c.bad_antenna is not None:
        bad = c.bad_antenna
        gains[bad] = 0.3 * np.exp(1j * rng.uniform(-np.pi, np.pi, times.size))
    return gains


def _bandpass(rng: np.random.Generator, c: Corruption, nant: int, nchan: int) -> np.ndarray:
    x = np.linspace(-1, 1, nchan)
    period = rng.uniform(0.6, 1.5, nant)[:, None]
    shift = rng.uniform(0, 2 * np.pi, nant)[:, None]
    amplitude = 1 + c.ripple * np.sin(2 * np.pi * x[None, :] / period + shift)
    slope = np.radians(rng.uniform(-30, 30, nant))[:, None] * x[None, :]
    return amplitude * np.exp(1j * slope)


def _add_rfi(rng: np.random.Generator, data: np.ndarray, c: Corruption, time: np.ndarray,
             sigma: float) -> None:
    times = np.unique(time)
    for channel in c.rfi_channels:
        start = rng.integers(0, max(times.size - 6, 1))
        burst = np.isin(time, times[start:start + int(rng.integers(3, 10))])
        level = 60 * sigma * (1 + rng.random())
        data[:, channel, burst] += level * np.exp(1j * rng.uniform(-np.pi, np.pi, burst.sum()))


def write_truth(path: Path, truth: dict[str, Any]) -> None:
    """The simulator's truth, for scoring only (never an input of a planner)."""
    import json

    path.write_text(json.dumps(truth, indent=1, sort_keys=True))
