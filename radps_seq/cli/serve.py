"""``radps-seq serve``: the REST service and its web view."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..errors import RadpsError

_LOOPBACK = ("127.", "::1", "localhost")


@click.command()
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1: this machine only).")
@click.option("--port", type=click.IntRange(0, 65535), default=None, help="Port (default 5000).")
@click.option("--data-root", "data_roots", multiple=True, type=click.Path(file_okay=False),
              help="Folder that inputs must resolve into (repeatable; at least one).")
@click.option("--workdir", default=None, type=click.Path(file_okay=False),
              help="Work directory: products, caches, run log and the service's records (default ./work).")
@click.option("--workflow-dir", "workflow_dirs", multiple=True, type=click.Path(file_okay=False),
              help="Folder of workflows served by name (repeatable; default: the project's cascades/).")
@click.option("--model-dir", "model_dirs", multiple=True, type=click.Path(file_okay=False),
              help="Folder of learned-planner models served by name (repeatable; default: models/).")
@click.option("--max-concurrent", type=click.IntRange(min=1), default=None,
              help="Reductions running at the same time (default 2); the rest wait in the queue.")
@click.option("--token-env", default=None, metavar="VAR",
              help="Require 'Authorization: Bearer <token>', the token read from environment variable VAR.")
@click.option("--config", "config_file", default=None, type=click.Path(dir_okay=False),
              help="YAML file of settings (token, data_roots, ...); options given here win.")
@click.option("--runlog-url", default=None, help="SQLAlchemy URL of the run log and the service's records.")
@click.option("--tracking-uri", default=None, help="MLflow tracking URI (default: sqlite:///W/mlflow.db).")
@click.option("--no-track", is_flag=True, help="Do not log reductions to MLflow.")
@click.option("--mlflow-ui", default=None, metavar="URL", help="MLflow UI address, for links from the web view.")
@click.option("--executor", type=click.Choice(["local", "dask"]), default=None, help="Where jobs run (default local).")
@click.option("--scheduler", default=None, help="Dask scheduler address (with --executor dask).")
def serve(config_file: str | None, token_env: str | None, no_track: bool, **options: Any) -> None:
    """Serve the REST API and the web view: launch reductions, follow them, read the run log."""
    import uvicorn

    from ..api import ServiceConfig, create_app
    from ..api.config import load_config_file, token_from

    settings = load_config_file(config_file)
    given = {k: v for k, v in options.items() if v not in (None, ())}
    merged = {**settings, **given}
    host = merged.pop("host", "127.0.0.1")
    port = int(merged.pop("port", 5000))
    if not host.startswith(_LOOPBACK):
        click.echo(f"warning: serving on {host}, reachable from other machines", err=True)
    config = ServiceConfig(
        data_roots=[Path(p) for p in merged.get("data_roots", ())],
        workdir=Path(merged.get("workdir", "work")),
        **{k: [Path(p) for p in merged[k]] for k in ("workflow_dirs", "model_dirs") if k in merged},
        **{k: merged[k] for k in ("max_concurrent", "runlog_url", "tracking_uri", "mlflow_ui",
                                  "executor", "scheduler") if k in merged},
        token=token_from(token_env, settings),
        track=not no_track,
    )
    if config.scheduler and config.executor != "dask":
        raise RadpsError("--scheduler is the address of a Dask scheduler: give --executor dask too")
    click.echo(f"radps-seq service on http://{host}:{port}/ (work directory {config.workdir}, "
               f"data roots {', '.join(map(str, config.data_roots))})", err=True)
    uvicorn.run(create_app(config), host=host, port=port, log_level="warning")
