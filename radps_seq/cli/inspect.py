"""Commands that look at a cascade and its inputs without running anything: tasks, classify, derive."""

from __future__ import annotations

import sys
from typing import Any

import click

from .options import (
    check_inputs,
    derivation_options,
    derive_from_options,
    emit,
    format_option,
    inputs_option,
    recipe_parameter_cli_options,
    verbose_option,
    with_options,
    workdir_option,
    workflow_option,
)


@click.command()
@workflow_option
@format_option("text", "json")
def tasks(workflow: str, fmt: str) -> None:
    """List the tasks of a cascade with their inputs and meta-targets."""
    from ..derive.request import load
    from ..render import tasks_record, tasks_text

    loaded = load(workflow)
    record = tasks_record(loaded)
    emit(record, fmt, tasks_text(record))


@click.command()
@workflow_option
@inputs_option
@workdir_option
@format_option("text", "json")
def classify(workflow: str, inputs: tuple[str, ...], workdir: str | None, fmt: str) -> None:
    """Classify input files with the cascade's classification rules."""
    from ..derive import classify as classify_headers
    from ..derive.request import load
    from ..headers import scan
    from ..render import classify_text

    loaded = load(workflow)
    scanned = scan(check_inputs(inputs), workdir, progress=sys.stderr.isatty())
    result = classify_headers(scanned.headers, loaded)
    errors = [{"file": e.file, "error": e.error} for e in scanned.errors]
    errors += result.duplicate_errors()
    record = {
        "files": result.files(),
        "unclassified": sorted(result.unclassified),
        "errors": sorted(errors, key=lambda e: e["file"]),
    }
    emit(record, fmt, classify_text(record))


@click.command()
@derivation_options
@with_options(recipe_parameter_cli_options)
@verbose_option
@format_option("text", "json", "dot", "mermaid")
def derive(fmt: str, verbose: bool, **options: Any) -> None:
    """Derive the job graph for the targets (no recipe runs). Default target: -m science.

    Text shows a summary per task; --verbose the job tree down to the raw files."""
    from ..labels import graph_labels
    from ..render import derivation_dot, derivation_mermaid, derivation_text
    from ..summaries import derivation_summary

    derivation = derive_from_options(options)
    if fmt == "json":
        record = derivation.to_dict()
        labels = graph_labels(derivation.graph)
        for job in record.get("jobs", []):
            job["label"] = labels.get(job["id"], job["task"])
        emit(record, "json")
    elif fmt == "dot":
        click.echo(derivation_dot(derivation))
    elif fmt == "mermaid":
        click.echo(derivation_mermaid(derivation))
    else:
        click.echo(derivation_text(derivation) if verbose else derivation_summary(derivation))

