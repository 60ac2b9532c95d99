"""Commands that run reductions and look at their record: run, runs, exec-job, plan, check-plan."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..errors import RadpsError
from .options import (
    default_help,
    derivation_options,
    derive_from_options,
    emit,
    format_option,
    planner_options,
    recipe_parameter_cli_options,
    reduction_request,
    scratch_workdir,
    verbose_option,
    with_options,
)


@click.command()
@derivation_options
@with_options(recipe_parameter_cli_options)
@with_options(planner_options)
@click.option("--executor", type=click.Choice(["local", "dask"]), default=None,
              help=f"Local processes or a Dask cluster. {default_help('executor')}")
@click.option("--scheduler", default=None, help="Dask scheduler address (default: a LocalCluster).")
@click.option("--plan", default=None, type=click.Path(dir_okay=False), metavar="FILE",
              help="Run this plan (JSON: order, skip) instead of a planner's; the guard checks it.")
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
@verbose_option
@format_option("text", "json")
def run(fmt: str, dry_run: bool, verbose: bool, **options: Any) -> None:
    """Derive and run a reduction: propose a plan, check it, execute it, log every job.

    Progress goes to stderr (a bar on a terminal, a line every few seconds otherwise);
    the summary (root failures with their reason and log) to stdout."""
    from ..labels import graph_labels
    from ..loops import run_with_loops
    from ..reduction import dry_run_reduction
    from ..summaries import decisions_summary, reduction_text

    request = reduction_request(options)
    if dry_run:
        derivation, plan, decisions = dry_run_reduction(request)
        labels = graph_labels(derivation.graph)
        record = {"planner": plan.planner,
                  "decisions": [d.__dict__ | {"label": labels.get(d.job, d.task)} for d in decisions]}
        emit(record, fmt, decisions_summary(record, labels, verbose))
        return
    derivation, _, result, rounds = run_with_loops(request, progress=True)
    summary = result.to_dict()
    if rounds:  # a loop unrolled at run time: one reduction per round
        summary["loop"] = [r.__dict__ for r in rounds]
        for r in rounds:
            click.echo(f"loop round {r.round}{' (done)' if r.done else ''}: reduction {r.reduction} "
                       f"{r.status}, {len(r.new_jobs)} new job(s), guard violations {len(r.violations)}"
                       + (f", converged {r.decision.get('converged')}" if r.decision else ""), err=True)
    emit(summary, fmt, reduction_text(summary, result, request, derivation, verbose))
    if result.missing_targets or result.status != "succeeded":
        sys.exit(1)


@click.command()
@click.option("--workdir", required=False, default=None, type=click.Path(file_okay=False),
              help="Work directory whose run log to export.")
@click.option("--runlog-url", default=None, help="SQLAlchemy URL of the run log instead.")
@click.option("--reduction", default=None, help="Only this reduction id.")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False), help="Write here (default: stdout).")
@format_option("json", "csv", "parquet")
def runs(workdir: str | None, runlog_url: str | None, reduction: str | None, output: str | None, fmt: str) -> None:
    """Export the run log: one row per job execution attempt."""
    from ..runlog import RUNLOG_FILE, export_runs

    where = runlog_url or workdir
    if where is None:
        raise RadpsError("give --workdir W or --runlog-url URL")
    if runlog_url is None and not (Path(workdir) / RUNLOG_FILE).exists():
        raise RadpsError(f"{workdir}: no run log here ({RUNLOG_FILE}); run a reduction with --workdir {workdir} first")
    if fmt == "parquet" and output is None:
        raise RadpsError("parquet is binary: give -o FILE")
    export_runs(where, format=fmt, out=output, reduction_id=reduction)


@click.command(name="exec-job")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
def exec_job(folder: str) -> None:
    """Re-run one job from its folder (what each job's command.sh does)."""
    from ..execute import run_job_folder

    sys.exit(run_job_folder(folder))



@click.command()
@derivation_options
@with_options(planner_options)
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False), help="Write the plan here.")
@format_option("text", "json")
def plan(fmt: str, output: str | None, **options: Any) -> None:
    """Propose a plan (order, skips, predictions) without running it."""
    from ..labels import graph_labels
    from ..plan import check
    from ..reduction import derive_for, propose

    request = reduction_request({**options, "workdir": options.get("workdir") or scratch_workdir()})
    _, derivation = derive_for(request)
    proposal = propose(request, derivation)
    if output:
        Path(output).write_text(proposal.to_json())
    violations = check(proposal, derivation.graph)
    record = proposal.to_dict()
    text = [f"planner {proposal.planner}: {len(proposal.order)} jobs, {len(proposal.skip)} skipped"]
    graph = derivation.graph
    labels = graph_labels(graph)
    skip = set(proposal.skip)
    for n, job in enumerate(proposal.order, 1):
        mark = "  (skip)" if job in skip else ""
        prediction = proposal.predictions.get(job, {})
        extra = f"  ~{prediction['runtime_s']:.2f}s" if "runtime_s" in prediction else ""
        text.append(f"{n:4d}. {labels.get(job, job)} [{job}]{extra}{mark}")
    if violations:
        text.append(f"the guard refuses this plan: {len(violations)} violation(s)")
    emit(record, fmt, "\n".join(text))



@click.command(name="check-plan")
@derivation_options
@click.argument("plan_file", required=False, type=click.Path(dir_okay=False))
@verbose_option
@format_option("text", "json")
def check_plan(plan_file: str | None, fmt: str, verbose: bool, **options: Any) -> None:
    """Check a plan against the rule-derived job graph; exit 0 when valid, 1 when not."""
    from ..plan import Plan, check
    from ..summaries import violations_text

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
    emit(record, fmt, violations_text(violations, derivation.graph, verbose))
    sys.exit(0 if not violations else 1)


