"""Commands EDPS users know: its scenario tests and its inspection options.

``test-scenarios`` runs a workflow's ``tests/json_configuration/*.json`` unchanged.
"""

from __future__ import annotations

import sys

import click

from .options import emit, format_option, workflow_option


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
