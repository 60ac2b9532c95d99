"""The ``radps-seq`` command.

Every command that reports has ``--format json``; every error a user can cause ends in
one line naming the file, task or parameter and a non-zero exit. Heavy libraries are
imported inside the commands that need them so ``radps-seq --help`` stays fast.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
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


def _reduction_request(options: dict[str, Any]) -> Any:
    from .reduction import ReductionRequest

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


@cli.command()
@derivation_options
@with_options(planner_options)
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Local processes or a Dask cluster.")
@click.option("--scheduler", default=None, help="Dask scheduler address (default: a LocalCluster).")
@click.option("--dummy", is_flag=True, help="Call no recipe: each job writes placeholder products.")
@click.option("-n", "--dry-run", is_flag=True, help="Say what would run or be reused, and why.")
@click.option("--force", is_flag=True, help="Recompute every job.")
@click.option("--force-downstream", multiple=True, metavar="TASK|JOB",
              help="Recompute this task or job and everything downstream (repeatable).")
@click.option("--retries", type=click.IntRange(min=0), default=None, help="Retries per failed job.")
@click.option("--timeout", type=float, default=None, help="Per-job timeout in seconds.")
@click.option("-o", "--output", default=None, type=click.Path(file_okay=False),
              help="Copy the target products here.")
@click.option("--runlog-url", default=None, help="SQLAlchemy URL of the run log (default: the work directory).")
@click.option("--tracking-uri", default=None,
              help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI or sqlite:///mlflow.db here).")
@click.option("--no-track", is_flag=True, help="Do not log the reduction to MLflow.")
@format_option("text", "json")
def run(fmt: str, dry_run: bool, **options: Any) -> None:
    """Derive and run a reduction: propose a plan, check it, execute it, log every job."""
    from .reduction import dry_run_reduction, run_reduction
    from .render import decisions_text, reduction_text

    request = _reduction_request(options)
    if request.tracking_uri:
        # one store for this command: the reduction's run and models:/NAME/VERSION look-ups
        os.environ["MLFLOW_TRACKING_URI"] = request.tracking_uri
    if dry_run:
        _, plan, decisions = dry_run_reduction(request)
        record = {"planner": plan.planner, "decisions": [d.__dict__ for d in decisions]}
        emit(record, fmt, decisions_text(record))
        return
    _, _, result = run_reduction(request, progress=sys.stderr.isatty())
    summary = result.to_dict()
    emit(summary, fmt, reduction_text(summary, result, request))
    if result.missing_targets or result.status != "succeeded":
        sys.exit(1)


@cli.command()
@click.option("--workdir", required=False, default=None, type=click.Path(file_okay=False),
              help="Work directory whose run log to export.")
@click.option("--runlog-url", default=None, help="SQLAlchemy URL of the run log instead.")
@click.option("--reduction", default=None, help="Only this reduction id.")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False), help="Write here (default: stdout).")
@format_option("json", "csv", "parquet")
def runs(workdir: str | None, runlog_url: str | None, reduction: str | None, output: str | None, fmt: str) -> None:
    """Export the run log: one row per job execution attempt."""
    from .runlog import export_runs

    where = runlog_url or workdir
    if where is None:
        raise RadpsError("give --workdir W or --runlog-url URL")
    if runlog_url is None and not (Path(workdir) / "runlog.sqlite").exists():
        raise RadpsError(f"{workdir}: no run log here (runlog.sqlite); run a reduction with --workdir {workdir} first")
    if fmt == "parquet" and output is None:
        raise RadpsError("parquet is binary: give -o FILE")
    export_runs(where, format=fmt, out=output, reduction_id=reduction)


@cli.command(name="exec-job")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
def exec_job(folder: str) -> None:
    """Re-run one job from its folder (what each job's command.sh does)."""
    from .execute import run_job_folder

    sys.exit(run_job_folder(folder))


@cli.command()
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
    from .sim import SIMULATORS

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


@cli.command()
@derivation_options
@with_options(planner_options)
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False), help="Write the plan here.")
@format_option("text", "json")
def plan(fmt: str, output: str | None, **options: Any) -> None:
    """Propose a plan (order, skips, predictions) without running it."""
    from .plan import check
    from .reduction import derive_for, propose

    request = _reduction_request({**options, "workdir": options.get("workdir") or _scratch_workdir()})
    _, derivation = derive_for(request)
    proposal = propose(request, derivation)
    if output:
        Path(output).write_text(proposal.to_json())
    violations = check(proposal, derivation.graph)
    record = proposal.to_dict()
    text = [f"planner {proposal.planner}: {len(proposal.order)} jobs, {len(proposal.skip)} skipped"]
    graph = derivation.graph
    skip = set(proposal.skip)
    for n, job in enumerate(proposal.order, 1):
        mark = "  (skip)" if job in skip else ""
        prediction = proposal.predictions.get(job, {})
        extra = f"  ~{prediction['runtime_s']:.2f}s" if "runtime_s" in prediction else ""
        text.append(f"{n:4d}. {graph.nodes[job]['task']} [{job}]{extra}{mark}")
    if violations:
        text.append(f"the guard refuses this plan: {len(violations)} violation(s)")
    emit(record, fmt, "\n".join(text))


def _scratch_workdir() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="radps-seq-")


@cli.command(name="check-plan")
@derivation_options
@click.argument("plan_file", required=False, type=click.Path(dir_okay=False))
@format_option("text", "json")
def check_plan(plan_file: str | None, fmt: str, **options: Any) -> None:
    """Check a plan against the rule-derived job graph; exit 0 when valid, 1 when not."""
    from .plan import Plan, check

    inputs = list(options["inputs"])
    if plan_file is None:
        # `-i a b PLAN.json`: the plan was read as one more input
        if not inputs or not inputs[-1].endswith(".json"):
            raise RadpsError("give the plan file: radps-seq check-plan -w WF -i IN... PLAN.json")
        plan_file = inputs.pop()
        options["inputs"] = tuple(inputs)
    proposal = Plan.load(plan_file)
    derivation = derive_from_options(options)
    violations = check(proposal, derivation.graph)
    record = {"valid": not violations, "violations": [v.to_dict() for v in violations]}
    text = "valid" if not violations else "\n".join(["invalid:"] + [f"  {v}" for v in violations])
    emit(record, fmt, text)
    sys.exit(0 if not violations else 1)


@cli.command()
@click.option("--trace", required=True, type=click.Path(exists=True, dir_okay=False),
              help="A WfCommons instance (JSON) or an exported run log (CSV/Parquet/JSON).")
@click.option("--planner", default="bfs", show_default=True)
@click.option("--model", default=None, help="Learned planner model: a folder or models:/NAME/VERSION.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Workers (default: ceil(total work / critical path)).")
@click.option("--seed", type=int, default=0, show_default=True)
@format_option("text", "json")
def replay(trace: str, planner: str, model: str | None, workers: int | None, seed: int, fmt: str) -> None:
    """Simulate a planner on a logged run or a real workflow trace (no recipe runs)."""
    from .experiments.replay import replay_trace

    record = replay_trace(trace, planner, workers=workers, model=model, seed=seed)
    text = "\n".join(f"{k}: {v}" for k, v in record.items())
    emit(record, fmt, text)


@cli.command()
@click.option("--source", "sources", multiple=True, required=True,
              help="runlog:WORKDIR_OR_URL or wfcommons:GLOB (repeatable).")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder for the model.")
@click.option("--objective", type=click.Choice(["makespan", "interactive"]), default="makespan", show_default=True)
@click.option("--register", "register_name", default=None, help="Also register the model under this name.")
@click.option("--param", "params", nargs=2, multiple=True, metavar="NAME VALUE",
              help="A hyper-parameter of the learned planner, e.g. --param skip_threshold 0.97.")
@click.option("--tracking-uri", default=None, help="MLflow tracking URI for the training run.")
@format_option("text", "json")
def train(sources: tuple[str, ...], out: str, objective: str, register_name: str | None,
          params: tuple[tuple[str, str], ...], tracking_uri: str | None, fmt: str) -> None:
    """Train the learned planner's runtime and skip models; save an MLflow model."""
    import yaml

    from .experiments import train as train_model

    hyper = {name: yaml.safe_load(value) for name, value in params}
    report = train_model(list(sources), out, objective=objective, register_name=register_name,
                         params=hyper or None, tracking_uri=tracking_uri)
    emit(report.to_dict(), fmt, str(report))


@cli.command()
@click.argument("config", type=click.Path(exists=True, dir_okay=False))
@click.option("--tracking-uri", default=None,
              help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI or sqlite:///mlflow.db here).")
@format_option("text", "json")
def compare(config: str, tracking_uri: str | None, fmt: str) -> None:
    """Compare sequencers offline as an experiment YAML says; results go to MLflow."""
    from .experiments import compare as run_compare

    result = run_compare(config, tracking_uri=tracking_uri, progress=sys.stderr.isatty())
    emit(result.to_dict(), fmt, str(result))


@cli.command()
@click.argument("config", type=click.Path(exists=True, dir_okay=False))
@click.option("--trials", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--tracking-uri", default=None, help="MLflow tracking URI.")
@click.option("--storage", default=None, help="Optuna storage URL (default: sqlite:///optuna.db in the current folder).")
@format_option("text", "json")
def tune(config: str, trials: int, tracking_uri: str | None, storage: str | None, fmt: str) -> None:
    """Tune a sequencer's hyper-parameters with Optuna on validation folds only."""
    from .experiments import tune as run_tune

    result = run_tune(config, trials, tracking_uri=tracking_uri, storage=storage)
    emit(result.to_dict(), fmt, str(result))


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
