"""The ``radps-seq`` command.

Every command that reports has ``--format json``; every error a user can cause ends in
one line naming the file, task or parameter and a non-zero exit. Heavy libraries are
imported inside the commands that need them so ``radps-seq --help`` stays fast. Each
module of this package holds a group of commands; they are registered here.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from ..errors import RadpsError
from . import cards, daily, edps, inspect, radio, reduce, research, serve, simulate
from .options import spread_multi_values

__all__ = ["cli", "main", "spread_multi_values"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="radps_seq")
def cli() -> None:
    """radps-seq: derive, run and sequence astronomical data-reduction cascades."""



for command in (
    inspect.tasks,
    inspect.classify,
    inspect.derive,
    reduce.run,
    reduce.runs,
    reduce.exec_job,
    simulate.simulate,
    reduce.plan,
    reduce.check_plan,
    research.replay,
    research.train,
    research.compare,
    research.tune,
    cards.card,
    radio.recipes,
    edps.test_scenarios,
    edps.associations,
    edps.organise,
    edps.graph,
    edps.workflows,
    edps.meta_targets,
    edps.describe,
    edps.parameters,
    *daily.COMMANDS,
    serve.serve,
):
    cli.add_command(command)


def main(argv: Sequence[str] | None = None) -> None:
    args = spread_multi_values(list(sys.argv[1:] if argv is None else argv))
    try:
        cli.main(args=args, prog_name="radps-seq", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except RadpsError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # the last line of defence: never a bare traceback
        from ..sqlite_wal import storage_problem

        where = getattr(exc, "filename", None) or _workdir_of(args)
        problem = storage_problem(exc, str(where))
        if problem is not None:
            click.echo(f"error: {problem}", err=True)
            sys.exit(2)
        click.echo(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in radps-seq; please report it with the command you ran.",
            err=True,
        )
        sys.exit(3)
    sys.exit(0)


def _workdir_of(args: Sequence[str]) -> str:
    """The ``--workdir`` of the command line, to name it in a storage failure."""
    for flag, value in zip(args, args[1:], strict=False):
        if flag == "--workdir":
            return f"work directory {value}"
    return "the work directory"
