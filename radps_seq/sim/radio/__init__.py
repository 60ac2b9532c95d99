"""Synthetic radio interferometer: small CASA measurement sets with controlled corruptions.

``simulate(out, datasets, seed)`` writes, per execution block, ``<id>.ms`` (a real
measurement set made with ``casatools.simulator``), ``<id>.fits`` (its descriptor, the
file the engine classifies) and adds the corruptions' truth to ``truth.json`` (for
scoring experiments; no stage or planner reads it).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from radps_seq.recipes.radio.descriptor import tables_hash, write_descriptor

from ..base import SimulationError, summary_record
from . import corrupt
from .observe import FLUX_CAL, PHASE_CAL, TARGET, Layout, make_ms

BANDS = {"L": 1.5, "C": 5.0, "X": 10.0}


@dataclass
class DatasetSummary:
    """One simulated execution block and the conditions its descriptor records."""

    id: str
    band: str
    pwv: float
    elevation: float
    bad_antenna: bool
    rfi: bool
    bytes: int = 0


@dataclass
class RadioSummary:
    instrument: str
    out: Path
    seed: int
    datasets: list[DatasetSummary] = field(default_factory=list)
    files: int = 0
    bytes: int = 0

    def to_dict(self) -> dict[str, Any]:
        return summary_record(self)


def simulate(out: Path, datasets: int = 1, seed: int = 0, start_mjd: float = 60300.0,
             progress: bool = False, **_: Any) -> RadioSummary:
    """Write ``datasets`` execution blocks below ``out``."""
    if datasets < 1:
        raise SimulationError("--datasets must be at least 1")
    from ...recipes.radio.casa import casa

    loaded = casa()
    loaded.tasks.casalog.showconsole(False)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    summary = RadioSummary("radio", out, seed)
    truth: dict[str, Any] = {}
    for n in range(datasets):
        rng = np.random.default_rng([seed, n])
        eb = f"uid___sim_{seed}_{n:03d}"
        record, conditions = _one(loaded, out, eb, rng, start_mjd + n)
        truth[eb] = conditions
        summary.datasets.append(record)
        summary.bytes += record.bytes
        summary.files += 2
        if progress:
            print(f"[{n + 1}/{datasets}] {eb} band {record.band}", file=sys.stderr)
    corrupt.write_truth(out / "truth.json", truth)
    return summary


def _one(loaded: Any, out: Path, eb: str, rng: np.random.Generator, mjd: float
         ) -> tuple[DatasetSummary, dict[str, Any]]:
    band = str(rng.choice(list(BANDS)))
    pwv = float(np.round(rng.uniform(1.0, 8.0), 2))
    elevation = float(np.round(rng.uniform(30.0, 80.0), 1))
    sources = [(float(rng.uniform(-40, 40)), float(rng.uniform(-40, 40)), float(rng.uniform(0.05, 0.6)))
               for _ in range(int(rng.integers(1, 4)))]
    layout = Layout(freq_ghz=BANDS[band], sources=sources)
    ms = out / f"{eb}.ms"
    make_ms(loaded, ms, layout, rng, mjd + 0.3, elevation)
    corruption = corrupt.draw(rng, layout.nant, layout.nchan, pwv, elevation, band)
    corrupt.apply(loaded, ms, corruption, rng)
    expected = sum(s[2] for s in sources) * float(np.exp(rng.normal(0, 0.3)))
    write_descriptor(out / f"{eb}.fits", {
        "ms.descr": "MEASUREMENT_SET", "ms.name": ms.name, "ms.sha256": tables_hash(ms),
        "telescop": "SIMVLA", "obs.id": eb, "obs.array": "SIM", "obs.state": "RAW",
        "obs.intents": "TARGET,PHASE,BANDPASS,AMPLITUDE", "obs.lines": False,
        "obs.fluxcal": FLUX_CAL, "obs.phasecal": PHASE_CAL, "obs.target": TARGET,
        "obs.fluxjy": layout.flux_cal_jy, "obs.band": band, "obs.freq": BANDS[band],
        "obs.nant": layout.nant, "obs.nchan": layout.nchan, "obs.tint": layout.tint_s,
        "obs.nscan": 2 + 2 * layout.target_scans, "obs.pwv": pwv, "obs.elev": elevation,
        "obs.expflux": round(expected, 3), "mjd-obs": mjd + 0.3,
    })
    size = sum(p.stat().st_size for p in ms.rglob("*") if p.is_file())
    record = DatasetSummary(eb, band, pwv, elevation, corruption.bad_antenna is not None,
                            bool(corruption.rfi_channels), size)
    return record, {"corruption": corruption.to_dict(), "sources": sources,
                    "phase_cal_jy": layout.phase_cal_jy}
