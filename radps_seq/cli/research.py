"""Offline research commands: replay, train, compare, tune."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .options import (
    emit,
    format_option,
)


@click.command()
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
    from ..experiments.replay import replay_trace

    record = replay_trace(trace, planner, workers=workers, model=model, seed=seed)
    text = "\n".join(f"{k}: {v}" for k, v in record.items())
    emit(record, fmt, text)


@click.command()
@click.option("--source", "sources", multiple=True, required=True,
              help="runlog:WORKDIR_OR_URL or wfcommons:GLOB (repeatable).")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder for the model.")
@click.option("--objective", type=click.Choice(["makespan", "interactive"]), default="makespan", show_default=True)
@click.option("--register", "register_name", default=None, help="Also register the model under this name.")
@click.option("--param", "params", nargs=2, multiple=True, metavar="NAME VALUE",
              help="A hyper-parameter of the learned planner, e.g. --param skip_threshold 0.97.")
@click.option("--tracking-uri", default=None, help="MLflow tracking URI for the training run.")
@click.option("--data-note", default=None,
              help="Where the data came from (simulator, instrument, site), for the model card.")
@format_option("text", "json")
def train(sources: tuple[str, ...], out: str, objective: str, register_name: str | None,
          params: tuple[tuple[str, str], ...], tracking_uri: str | None, data_note: str | None,
          fmt: str) -> None:
    """Train the learned planner's runtime and skip models; save an MLflow model."""
    import yaml

    from ..experiments import train as train_model

    hyper = {name: yaml.safe_load(value) for name, value in params}
    report = train_model(list(sources), out, objective=objective, register_name=register_name,
                         params=hyper or None, tracking_uri=tracking_uri, data_note=data_note)
    emit(report.to_dict(), fmt, str(report))


@click.command()
@click.argument("config", type=click.Path(exists=True, dir_okay=False))
@click.option("--tracking-uri", default=None,
              help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI or sqlite:///mlflow.db here).")
@click.option("--report", type=click.Path(dir_okay=False), default=None,
              help="Also write the results file (markdown: provenance, intervals, worst cases).")
@format_option("text", "json")
def compare(config: str, tracking_uri: str | None, report: str | None, fmt: str) -> None:
    """Compare sequencers offline as an experiment YAML says; results go to MLflow."""
    from ..experiments import compare as run_compare

    result = run_compare(config, tracking_uri=tracking_uri, progress=sys.stderr.isatty())
    if report:
        from ..experiments.config import load_config
        from ..experiments.report import render

        command = " ".join(["radps-seq", *sys.argv[1:]])
        Path(report).write_text(render(result, load_config(config), command))
    emit(result.to_dict(), fmt, str(result))


@click.command()
@click.argument("config", type=click.Path(exists=True, dir_okay=False))
@click.option("--trials", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--tracking-uri", default=None, help="MLflow tracking URI.")
@click.option("--storage", default=None, help="Optuna storage URL (default: sqlite:///optuna.db in the current folder).")
@format_option("text", "json")
def tune(config: str, trials: int, tracking_uri: str | None, storage: str | None, fmt: str) -> None:
    """Tune a sequencer's hyper-parameters with Optuna on validation folds only."""
    from ..experiments import tune as run_tune

    result = run_tune(config, trials, tracking_uri=tracking_uri, storage=storage)
    emit(result.to_dict(), fmt, str(result))


