"""Radio commands: ``recipes compare`` checks that one cascade reproduces the pipeline
recipes it replaces."""

from __future__ import annotations

import sys
from typing import Any

import click

from .options import emit, format_option, workflow_option


@click.group()
def recipes() -> None:
    """Hand-written pipeline recipes against the cascade that replaces them."""


@recipes.command()
@workflow_option
@click.option("--recipes", "recipes_file", required=True, type=click.Path(dir_okay=False),
              help="Recipes file: {\"recipes\": {NAME: {\"title\", \"stages\": [...]}}}.")
@format_option("text", "json")
def compare(workflow: str, recipes_file: str, fmt: str) -> None:
    """Derive the cascade for each recipe's use case; stages reproduced, missing and extra.

    A stage counts by role (task plus intent, spectral mode, data type, ...), repeats
    included; ORDER says whether the recipe's order is a valid order of the derived
    graph; CRIT is the longest chain of jobs (how far parallel running can shorten it).
    """
    from ..derive.request import load
    from ..experiments.recipes_compare import compare_all, load_recipes, specification_size

    loaded = load(workflow)
    listed = load_recipes(recipes_file)

    def progress(message: str) -> None:
        if sys.stderr.isatty():
            click.echo(message, err=True)

    report = compare_all(loaded, listed, progress=progress)
    report["specification"] = specification_size(loaded, listed)
    emit(report, fmt, _text(report))


def _text(report: dict[str, Any]) -> str:
    size = report["specification"]
    lines = [
        f"{report['reproduced']} of {report['total']} recipes reproduced",
        f"specification: {size['cascade_lines']} lines ({size['cascade_tasks']} tasks, "
        f"{size['parameter_sets']} parameter sets) for {size['recipe_stages']} recipe stages "
        f"with {size['recipe_parameters']} parameters",
        "",
        f"{'recipe':34} {'ok':3} {'stages':>6} {'crit':>5} {'order':>6}  missing / extra",
    ]
    for r in report["recipes"]:
        diff = ", ".join([f"-{m}" for m in r["missing"]] + [f"+{e}" for e in r["extra"]]
                         + [f"incomplete {i}" for i in r["incomplete"]])
        lines.append(f"{r['name']:34} {'yes' if r['reproduced'] else 'NO':3} {r['stages']:>6} "
                     f"{r['critical_path']:>5} {'yes' if r['order_consistent'] else 'NO':>6}  {diff}")
    return "\n".join(lines)
