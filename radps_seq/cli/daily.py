"""Commands of daily use on a work directory: verify, show, reductions, clean,
rulegraph, timeline."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import RadpsError
from .options import emit, format_option


def _existing_workdir(workdir: str) -> Path:
    path = Path(workdir)
    if not path.is_dir():
        raise RadpsError(f"{workdir}: no such work directory (give the --workdir of a reduction)")
    return path


@click.command()
@click.option("--workdir", required=True, type=click.Path(file_okay=False), help="Work directory to check.")
@click.option("--invalidate", is_flag=True,
              help="Set damaged results aside so the next run recomputes them (nothing is deleted).")
@format_option("text", "json")
def verify(workdir: str, invalidate: bool, fmt: str) -> None:
    """Hash every product of the store against its manifest; exit 1 when one is damaged."""
    from ..execute.verify import verify_store

    report = verify_store(_existing_workdir(workdir), invalidate_damaged=invalidate)
    emit(report.to_dict(), fmt, str(report))
    if report.damaged or report.unreadable:
        sys.exit(1)


#: The commands of this module, registered by the ``radps-seq`` group.
COMMANDS = [verify]
