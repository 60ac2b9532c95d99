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
@click.argument("instrument", type=click.Choice(["imaging", "radio"]))
@click.option("--nights", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--datasets", type=click.IntRange(min=1), default=1, show_default=True,
              help="radio: execution blocks (measurement sets) to write.")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder to write raw data to.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--size", type=int, default=256, show_default=True, help="Detector size in pixels (binning 1).")
@click.option("--start-mjd", type=int, default=None, help="MJD of the first evening.")
@click.option("--with-masters", is_flag=True, help="Also write on-disk master calibrations.")
@click.option("--headers-only", is_flag=True, help="Write header-only frames (no pixels).")
@format_option("text", "json")
def simulate(instrument: str, nights: int, datasets: int, out: str, seed: int, size: int,
             start_mjd: int | None, with_masters: bool, headers_only: bool, fmt: str) -> None:
    """Write realistic raw data of a synthetic observatory: FITS frames of an imager, or
    measurement sets of a radio interferometer (radio: needs the casa extra)."""
    from ..sim import SIMULATORS

    _refuse_options_of_the_other_instrument(instrument, click.get_current_context())
    if instrument == "radio":
        summary = SIMULATORS["radio"](Path(out), datasets=datasets, seed=seed,
                                      progress=sys.stderr.isatty())
        lines = [f"{len(summary.datasets)} measurement sets ({summary.bytes / 1e6:.1f} MB) in {out}"]
        lines += [f"  {d.id}: band {d.band}, pwv {d.pwv} mm, elevation {d.elevation} deg"
                  for d in summary.datasets]
        emit(summary.to_dict(), fmt, "\n".join(lines))
        return

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


def _refuse_options_of_the_other_instrument(instrument: str, ctx: click.Context) -> None:
    """An option the chosen instrument does not use is a mistake, not a no-op."""
    from click.core import ParameterSource

    foreign = {"radio": ("nights", "size", "start_mjd", "with_masters", "headers_only"),
               "imaging": ("datasets",)}[instrument]
    given = [f"--{name.replace('_', '-')}" for name in foreign
             if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE]
    if given:
        raise click.UsageError(f"simulate {instrument} does not take {', '.join(given)}")
