"""Options and helpers shared by the ``radps-seq`` commands."""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Sequence
from typing import Any

import click

from ..errors import RadpsError

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


verbose_option = click.option(
    "-v", "--verbose", is_flag=True, help="Every job, not just the summary."
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
        default=None,
        type=click.Choice(["raw", "master", "raw_per_quality_level", "master_per_quality_level"]),
        help="Prefer processing raw calibrations or on-disk masters [default: the cascade's: "
        "raw calibrations per quality level].",
    ),
]


def derivation_options(function: Any) -> Any:
    for option in reversed([workflow_option, inputs_option, *targets_options, workdir_option]):
        function = option(function)
    return function


def check_inputs(inputs: Sequence[str]) -> list[str]:
    """Every ``-i`` path must exist: a mistyped folder would otherwise derive nothing."""
    import os

    missing = [path for path in inputs if not os.path.lexists(path)]
    if missing:
        raise RadpsError(
            f"input not found: {', '.join(missing)} (give existing files or folders after -i)"
        )
    return list(inputs)


def derive_from_options(options: dict[str, Any], progress: bool = True) -> Any:
    from ..derive import derive_request

    check_inputs(options["inputs"])

    return derive_request(
        options["workflow"],
        list(options["inputs"]),
        workdir=options.get("workdir"),
        progress=progress and sys.stderr.isatty(),
        tasks=list(options.get("tasks") or ()),
        meta_targets=list(options.get("meta_targets") or ()),
        workflow_parameters=dict(options.get("workflow_parameters") or ()),
        parameter_set_name=options.get("parameter_set"),
        **{k: options[k] for k in ("association_preference",) if options.get(k)},
        **recipe_parameter_options(options),
    )


recipe_parameter_cli_options = [
    click.option("-rp", "--recipe-parameter", "recipe_parameters", nargs=3, multiple=True,
                 metavar="TASK NAME VALUE", help="Set a recipe parameter of a task (repeatable)."),
    click.option("-rps", "--recipe-parameter-set", "recipe_parameter_set", default=None,
                 help="Named parameter set to take the recipe parameters from."),
]


def per_task(triples: Sequence[tuple[str, str, str]]) -> dict[str, dict[str, str]]:
    """``-rp TASK NAME VALUE`` triples as ``{task: {name: value}}`` (the last one wins)."""
    found: dict[str, dict[str, str]] = {}
    for task_name, name, value in triples:
        found.setdefault(task_name, {})[name] = value
    return found


def recipe_parameter_options(options: dict[str, Any]) -> dict[str, Any]:
    """``-rp``/``-rps`` as derive arguments (only for commands that declare them)."""
    found: dict[str, Any] = {}
    if options.get("recipe_parameters"):
        found["recipe_parameters"] = per_task(options["recipe_parameters"])
    if options.get("recipe_parameter_set"):
        found["recipe_parameter_set_name"] = options["recipe_parameter_set"]
    return found


#: Command-line option name -> ReductionRequest field, where the two differ.
_REQUEST_FIELDS = {"timeout": "timeout_s", "output": "output_dir"}
#: Options of the run commands that are no request field.
_NOT_REQUEST = {"fmt", "dry_run", "no_track"}


def _unset(value: Any) -> bool:
    return value is None or value is False or (isinstance(value, tuple | list) and not value)


def check_scheduler(address: str | None, executor: str | None, timeout_s: float = 5.0) -> None:
    """A Dask scheduler address must be reachable before anything is derived: Dask
    itself would wait 30 s and then fail with an internal error."""
    import socket
    from urllib.parse import urlsplit

    if address is None:
        return
    if executor != "dask":
        raise RadpsError("--scheduler is for the Dask executor: add --executor dask")
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
    if parts.scheme not in ("tcp", "tls") or not host or not port:
        raise RadpsError(
            f"--scheduler {address}: not a Dask scheduler address; give tcp://HOST:PORT "
            "(e.g. tcp://127.0.0.1:8786), or leave it out for a local cluster"
        )
    try:
        socket.create_connection((host, port), timeout=timeout_s).close()
    except OSError as exc:
        raise RadpsError(
            f"--scheduler {address}: no Dask scheduler answers there ({exc.strerror or exc}); "
            "start one with 'dask scheduler', or leave --scheduler out for a local cluster"
        ) from None


def reduction_request(options: dict[str, Any]) -> Any:
    """The :class:`~radps_seq.reduction.ReductionRequest` of the given options; options
    not given (None, empty) keep the request's defaults, stated there only."""
    from ..reduction import ReductionRequest

    if not options.get("workdir"):
        raise RadpsError("--workdir is required: it holds the products, the caches and the run log")
    check_scheduler(options.get("scheduler"), options.get("executor"))
    given = {
        _REQUEST_FIELDS.get(name, name): value
        for name, value in options.items()
        if name not in _NOT_REQUEST and not _unset(value)
    }
    given["inputs"] = check_inputs(options["inputs"])
    if "workflow_parameters" in given:
        given["workflow_parameters"] = dict(given["workflow_parameters"])
    if "recipe_parameters" in given:
        given["recipe_parameters"] = per_task(given["recipe_parameters"])
    if "plan" in given:
        from ..plan import Plan

        if options.get("planner") or options.get("model"):
            raise RadpsError("give --planner (and --model) or --plan FILE, not both")
        given["plan"] = Plan.load(given["plan"]).to_dict()
    if options.get("no_track"):
        given["track"] = False
    return ReductionRequest.from_options(given)


def default_help(name: str) -> str:
    """A request default for an option's help text (ReductionRequest states it)."""
    from ..reduction import ReductionRequest

    return f"[default: {ReductionRequest.__dataclass_fields__[name].default}]"


planner_options = [
    click.option("--planner", default=None,
                 help=f"Sequencer: dfs, bfs, type, dynamic, random, critical-path, learned. {default_help('planner')}"),
    click.option("--model", default=None, help="Learned planner model: a folder or models:/NAME/VERSION."),
    click.option("--objective", type=click.Choice(["makespan", "interactive"]), default=None,
                 help=f"What the learned planner optimises. {default_help('objective')}"),
    click.option("--skip-threshold", type=float, default=None,
                 help="Learned planner: propose a skip only above this no-op probability."),
    click.option("--seed", type=int, default=None, help=f"Seed of random planners. {default_help('seed')}"),
    click.option("--workers", type=click.IntRange(min=1), default=None,
                 help=f"Jobs run at the same time. {default_help('workers')}"),
]


def with_options(options: list[Any]) -> Any:
    def decorate(function: Any) -> Any:
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


def scratch_workdir() -> str:
    """A fresh work directory for commands that derive without keeping anything."""
    return tempfile.mkdtemp(prefix="radps-seq-")
