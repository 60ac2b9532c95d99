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


def derive_from_options(options: dict[str, Any], progress: bool = True) -> Any:
    from ..derive import derive_request

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


def recipe_parameter_options(options: dict[str, Any]) -> dict[str, Any]:
    """``-rp``/``-rps`` as derive arguments (only for commands that declare them)."""
    found: dict[str, Any] = {}
    if options.get("recipe_parameters"):
        per_task: dict[str, dict[str, str]] = {}
        for task_name, name, value in options["recipe_parameters"]:
            per_task.setdefault(task_name, {})[name] = value
        found["recipe_parameters"] = per_task
    if options.get("recipe_parameter_set"):
        found["recipe_parameter_set_name"] = options["recipe_parameter_set"]
    return found


#: Command-line option name -> ReductionRequest field, where the two differ.
_REQUEST_FIELDS = {"timeout": "timeout_s", "output": "output_dir"}
#: Options of the run commands that are no request field.
_NOT_REQUEST = {"fmt", "dry_run", "no_track"}


def _unset(value: Any) -> bool:
    return value is None or value is False or (isinstance(value, tuple | list) and not value)


def reduction_request(options: dict[str, Any]) -> Any:
    """The :class:`~radps_seq.reduction.ReductionRequest` of the given options; options
    not given (None, empty) keep the request's defaults, stated there only."""
    from ..reduction import ReductionRequest

    if not options.get("workdir"):
        raise RadpsError("--workdir is required: it holds the products, the caches and the run log")
    given = {
        _REQUEST_FIELDS.get(name, name): value
        for name, value in options.items()
        if name not in _NOT_REQUEST and not _unset(value)
    }
    given["inputs"] = list(options["inputs"])
    if "workflow_parameters" in given:
        given["workflow_parameters"] = dict(given["workflow_parameters"])
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
