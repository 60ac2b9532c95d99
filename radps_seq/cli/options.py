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
        association_preference=options.get("association_preference", "raw_per_quality_level"),
    )



def reduction_request(options: dict[str, Any]) -> Any:
    from ..reduction import ReductionRequest

    if not options.get("workdir"):
        raise RadpsError("--workdir is required: it holds the products, the caches and the run log")
    return ReductionRequest(
        workflow=options["workflow"],
        inputs=list(options["inputs"]),
        workdir=options["workdir"],
        tasks=list(options.get("tasks") or ()),
        meta_targets=list(options.get("meta_targets") or ()),
        workflow_parameters=dict(options.get("workflow_parameters") or ()),
        parameter_set=options.get("parameter_set"),
        association_preference=options.get("association_preference", "raw_per_quality_level"),
        planner=options.get("planner") or "dfs",
        model=options.get("model"),
        objective=options.get("objective") or "makespan",
        skip_threshold=options.get("skip_threshold"),
        seed=options.get("seed") or 0,
        workers=options.get("workers") or 1,
        executor=options.get("executor") or "local",
        scheduler=options.get("scheduler"),
        dummy=bool(options.get("dummy")),
        force=bool(options.get("force")),
        force_downstream=list(options.get("force_downstream") or ()),
        retries=options.get("retries"),
        timeout_s=options.get("timeout"),
        output_dir=options.get("output"),
        runlog_url=options.get("runlog_url"),
        tracking_uri=options.get("tracking_uri"),
        track=not options.get("no_track"),
    )


planner_options = [
    click.option("--planner", default="dfs", show_default=True,
                 help="Sequencer: dfs, bfs, type, dynamic, random, critical-path, learned."),
    click.option("--model", default=None, help="Learned planner model: a folder or models:/NAME/VERSION."),
    click.option("--objective", type=click.Choice(["makespan", "interactive"]), default="makespan",
                 show_default=True, help="What the learned planner optimises."),
    click.option("--skip-threshold", type=float, default=None,
                 help="Learned planner: propose a skip only above this no-op probability."),
    click.option("--seed", type=int, default=0, show_default=True, help="Seed of random planners."),
    click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
                 help="Jobs run at the same time."),
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
