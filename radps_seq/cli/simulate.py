"""The simulate command: raw data of synthetic observatories."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .options import (
    emit,
    format_option,
)


@click.command()
@click.argument("instrument", type=click.Choice(["imaging"]))
@click.option("--nights", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder to write raw data to.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--size", type=int, default=256, show_default=True, help="Detector size in pixels (binning 1).")
@click.option("--start-mjd", type=int, default=None, help="MJD of the first evening.")
@click.option("--with-masters", is_flag=True, help="Also write on-disk master calibrations.")
@click.option("--headers-only", is_flag=True, help="Write header-only frames (no pixels).")
@format_option("text", "json")
def simulate(instrument: str, nights: int, out: str, seed: int, size: int, start_mjd: int | None,
             with_masters: bool, headers_only: bool, fmt: str) -> None:
    """Write realistic raw FITS of a synthetic observatory."""
    from ..sim import SIMULATORS

    extra = {"start_mjd": start_mjd} if start_mjd is not None else {}
    summary = SIMULATORS[instrument](Path(out), nights=nights, seed=seed, size=size,
                                     with_masters=with_masters, progress=sys.stderr.isatty(),
                                     headers_only=headers_only, **extra)
    record = summary.to_dict() if hasattr(summary, "to_dict") else json.loads(json.dumps(summary.__dict__, default=str))
    lines = [f"{summary.files} files ({summary.bytes / 1e6:.1f} MB) in {out}"]
    for night in summary.nights:
        missing = f"; missing: {', '.join(night.missing)}" if night.missing else ""
        lines.append(f"  {night.night} ({night.weather}): {night.files} files{missing}")
    emit(record, fmt, "\n".join(lines))


