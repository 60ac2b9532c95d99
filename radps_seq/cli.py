"""The ``radps-seq`` command.

Every command that reports has ``--format json``; every error a user can cause ends in
one line naming the file, task or parameter and a non-zero exit. Heavy libraries are
imported inside the commands that need them so ``radps-seq --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

import click

from .errors import RadpsError

#: Options that take one or more values after them, EDPS style (``-i a b c``).
MULTI_VALUE_OPTIONS = {"-i", "--input", "-t", "--task", "-m", "--meta-target"}


def spread_multi_values(argv: Sequence[str]) -> list[str]:
    """Rewrite ``-i a b c`` as ``-i a -i b -i c`` so click can parse it."""
    out: list[str] = []
    current: str | None = None
    for arg in argv:
        if arg == "--":
            current = None
            out.append(arg)
        elif arg.startswith("-") and len(arg) > 1 and not _is_number(arg):
            current = arg if arg in MULTI_VALUE_OPTIONS else None
            out.append(arg)
        elif current and out and out[-1] != current:
            out.extend([current, arg])
        else:
            out.append(arg)
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def emit(data: Any, fmt: str, text: str | None = None) -> None:
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        click.echo(text if text is not None else json.dumps(data, indent=2, default=str))


def format_option(*choices: str) -> Any:
    choices = choices or ("text", "json")
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=choices[0],
        show_default=True,
        help="Output format.",
    )


workflow_option = click.option(
    "-w", "--workflow", required=True, help="Workflow file, package folder or dotted id."
)
inputs_option = click.option(
    "-i",
    "--input",
    "inputs",
    multiple=True,
    required=True,
    help="Input files or folders (one or more after -i; may repeat).",
)
workdir_option = click.option(
    "--workdir",
    default=None,
    type=click.Path(file_okay=False),
    help="Work directory (header index, products, run log).",
)
targets_options = [
    click.option("-t", "--task", "tasks", multiple=True, help="Target task(s); 'all' for every task."),
    click.option(
        "-m", "--meta-target", "meta_targets", multiple=True, help="Meta-target(s), e.g. science, qc1calib."
    ),
    click.option(
        "-wp",
        "--workflow-parameter",
        "workflow_parameters",
        nargs=2,
        multiple=True,
        metavar="NAME VALUE",
        help="Set a workflow parameter (repeatable).",
    ),
    click.option("-wps", "--workflow-parameter-set", "parameter_set", default=None, help="Named parameter set."),
    click.option(
        "--association-preference",
        default="raw_per_quality_level",
        show_default=True,
        type=click.Choice(["raw", "master", "raw_per_quality_level", "master_per_quality_level"]),
        help="Prefer processing raw calibrations or on-disk masters.",
    ),
]


def derivation_options(function: Any) -> Any:
    for option in reversed([workflow_option, inputs_option, *targets_options, workdir_option]):
        function = option(function)
    return function


def derive_from_options(options: dict[str, Any], progress: bool = True) -> Any:
    from .derive import derive_request

    return derive_request(
        options["workflow"],
        list(options["inputs"]),
        workdir=options.get("workdir"),
        progress=progress and sys.stderr.isatty(),
        tasks=list(options.get("tasks") or ()),
        meta_targets=list(options.get("meta_targets") or ()),
        workflow_parameters=dict(options.get("workflow_parameters") or ()),
        parameter_set_name=options.get("parameter_set"),
        association_preference=options.get("association_preference", "raw_per_quality_level"),
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="radps_seq")
def cli() -> None:
    """radps-seq: derive, run and sequence astronomical data-reduction cascades."""


@cli.command()
@workflow_option
@format_option("text", "json")
def tasks(workflow: str, fmt: str) -> None:
    """List the tasks of a cascade with their inputs and meta-targets."""
    from .derive.request import load
    from .render import tasks_record, tasks_text

    loaded = load(workflow)
    record = tasks_record(loaded)
    emit(record, fmt, tasks_text(record))


@cli.command()
@workflow_option
@inputs_option
@workdir_option
@format_option("text", "json")
def classify(workflow: str, inputs: tuple[str, ...], workdir: str | None, fmt: str) -> None:
    """Classify input files with the cascade's classification rules."""
    from .derive import classify as classify_headers
    from .derive.request import load
    from .headers import scan
    from .render import classify_text

    loaded = load(workflow)
    scanned = scan(list(inputs), workdir, progress=sys.stderr.isatty())
    result = classify_headers(scanned.headers, loaded)
    errors = [{"file": e.file, "error": e.error} for e in scanned.errors]
    errors += [
        {"file": dup, "error": f"duplicate of {first} (identical header); ignored"}
        for dup, first in result.duplicates
    ]
    record = {
        "files": result.files(),
        "unclassified": sorted(result.unclassified),
        "errors": sorted(errors, key=lambda e: e["file"]),
    }
    emit(record, fmt, classify_text(record))


@cli.command()
@derivation_options
@format_option("text", "json", "dot", "mermaid")
def derive(fmt: str, **options: Any) -> None:
    """Derive the job graph for the targets (no recipe runs). Default target: -m science."""
    from .render import derivation_dot, derivation_mermaid, derivation_text

    derivation = derive_from_options(options)
    if fmt == "json":
        emit(derivation.to_dict(), "json")
    elif fmt == "dot":
        click.echo(derivation_dot(derivation))
    elif fmt == "mermaid":
        click.echo(derivation_mermaid(derivation))
    else:
        click.echo(derivation_text(derivation))


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
        click.echo(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in radps-seq; please report it with the command you ran.",
            err=True,
        )
        sys.exit(3)
    sys.exit(0)


if __name__ == "__main__":
    main()
