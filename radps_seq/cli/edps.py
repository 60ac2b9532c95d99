"""Commands EDPS users know: its scenario tests and its inspection options.

``test-scenarios`` runs a workflow's ``tests/json_configuration/*.json`` unchanged;
the others are the inspection options of ``edps`` (see the README's table).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from .options import (
    derivation_options,
    derive_from_options,
    emit,
    format_option,
    inputs_option,
    recipe_parameter_cli_options,
    with_options,
    workdir_option,
    workflow_option,
)


@click.command(name="test-scenarios")
@workflow_option
@click.argument("suites", nargs=-1, required=True, type=click.Path())
@format_option("text", "json")
def test_scenarios(workflow: str, suites: tuple[str, ...], fmt: str) -> None:
    """Run EDPS scenario tests (JSON files or folders of them) against a workflow.

    Writes each scenario's FITS files from its templates, derives the jobs (no recipe
    runs) and compares them with the expected ones by recipe and input prefixes.
    Exit 0 only when every scenario passes (skipped ones do not count).
    """
    from ..derive.request import load
    from ..testing.scenarios import run_suites, suite_files

    loaded = load(workflow)
    files = suite_files(suites)
    show = (lambda text: click.echo(f"scenario {text}", err=True)) if sys.stderr.isatty() else None
    results = run_suites(loaded, files, progress=show)
    counts = {s: sum(r.status == s for r in results) for s in ("passed", "failed", "error", "skipped")}
    record = {"workflow": loaded.name, **counts, "scenarios": [r.to_dict() for r in results]}
    lines = [
        f"{loaded.name}: {len(results)} scenarios: {counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['error']} errors, {counts['skipped']} skipped"
    ]
    for r in results:
        lines.append(f"{r.status.upper():8s} {r.file} #{r.index + 1}: {r.description}")
        lines.extend(f"         {p}" for p in r.problems)
    emit(record, fmt, "\n".join(lines))
    if counts["failed"] or counts["error"]:
        sys.exit(1)


@click.command()
@derivation_options
@with_options(recipe_parameter_cli_options)
@format_option("markdown", "json")
def associations(fmt: str, **options: Any) -> None:
    """The association map (edps -a): a Markdown table per task, a row per job, a column
    per input saying what filled it, its quality level and completeness."""
    from ..derive.association_map import association_markdown, association_record

    record = association_record(derive_from_options(options))
    emit(record, fmt, association_markdown(record))


@click.command()
@workflow_option
@inputs_option
@workdir_option
@format_option("text", "json")
def organise(workflow: str, inputs: tuple[str, ...], workdir: str | None, fmt: str) -> None:
    """Classify and group only (edps -od; -f is --format json): each task's groups of files."""
    from ..derive.association_map import organisation_record, organisation_text

    derivation = derive_from_options({"workflow": workflow, "inputs": inputs, "workdir": workdir,
                                      "tasks": ["all"]})
    record = organisation_record(derivation)
    emit(record, fmt, organisation_text(record))


@click.command()
@workflow_option
@click.option("--detailed", is_flag=True, help="Data sources and the categories on every edge (edps -g2).")
def graph(workflow: str, detailed: bool) -> None:
    """The task graph in DOT (edps -g; --detailed is edps -g2)."""
    from ..cascade.describe import task_graph_dot
    from ..derive.request import load

    click.echo(task_graph_dot(load(workflow), detailed=detailed))


@click.command()
@format_option("text", "json")
def workflows(fmt: str) -> None:
    """Workflows found on the search path (edps -lw)."""
    from ..cascade.loader import list_workflows

    found = list_workflows()
    emit({"workflows": found}, fmt, "\n".join(f"{w['id']}  {w['file']}" for w in found) or "none found")


@click.command(name="meta-targets")
@workflow_option
@click.option("-m", "--meta-target", "meta_targets", multiple=True,
              help="Also list every task these meta-targets need, upstream ones included.")
@format_option("text", "json")
def meta_targets(workflow: str, meta_targets: tuple[str, ...], fmt: str) -> None:
    """Expand meta-targets into tasks (edps -x)."""
    from ..cascade.describe import expand_meta_targets, needed_tasks
    from ..derive.request import load

    loaded = load(workflow)
    record: dict[str, Any] = {"workflow": loaded.name, "meta_targets": expand_meta_targets(loaded)}
    lines = [f"{meta}: {', '.join(tasks)}" for meta, tasks in record["meta_targets"].items()]
    if meta_targets:
        record["needed"] = needed_tasks(loaded, loaded.resolve_targets(meta_targets=meta_targets))
        lines.append(f"{' + '.join(meta_targets)} needs: {', '.join(record['needed'])}")
    emit(record, fmt, "\n".join(lines))


@click.command()
@workflow_option
@click.argument("task")
@format_option("text", "json")
def describe(workflow: str, task: str, fmt: str) -> None:
    """Describe one task (edps -d TASK): inputs, conditions, filters, hooks, consumers."""
    from ..cascade.describe import describe_task, describe_text
    from ..derive.request import load

    record = describe_task(load(workflow), task)
    emit(record, fmt, describe_text(record))


@click.command()
@workflow_option
@click.argument("task", required=False)
@click.option("-s", "--set", "set_name", default=None, help="Parameter set (default: the default set).")
@format_option("text", "json")
def parameters(workflow: str, task: str | None, set_name: str | None, fmt: str) -> None:
    """Parameter sets (edps -ps), or the recipe parameters of TASK in a set (edps -p TASK [SET])."""
    from ..cascade.describe import parameter_sets_record
    from ..derive.request import load

    loaded = load(workflow)
    if task is None:
        record = parameter_sets_record(loaded)
        lines = [f"{s['name']}{' (default)' if s['default'] else ''}  tags: {', '.join(s['tags']) or '-'}"
                 f"  {s['description']}".rstrip() for s in record["parameter_sets"]]
        emit(record, fmt, "\n".join(lines) or "no parameter sets")
        return
    loaded.task(task)
    from ..derive.request import parameter_set

    chosen = parameter_set(loaded, set_name, None)
    values = chosen.for_task(task)
    record = {"workflow": loaded.name, "task": task, "set": chosen.name, "recipe_parameters": values}
    emit(record, fmt, "\n".join(f"{k} = {v!r}" for k, v in values.items()) or
         f"no recipe parameters for {task} in set {chosen.name}")
