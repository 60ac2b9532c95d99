"""Real reductions as MLflow runs, next to the offline experiments.

A reduction is a first-class run: a name a person reads (workflow, night or target,
planner), the request as parameters (workflow, inputs, workers, executor, planner,
model, parameter set), start and end times of the reduction itself, the MLflow status
of its outcome (``partial`` is not ``FINISHED``), and as artifacts its timeline, its
per-task runtime table, its job graph, the plan and the summary.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

from .direct import RunRecord, log_run
from .records import log_files, log_json, log_values
from .store import DESCRIPTION, EXPERIMENT_KIND, client, experiment_id
from .store import tracking_uri as store_uri

#: Experiment that real reductions (``radps-seq run``) are logged to.
REDUCTIONS_EXPERIMENT = "radps-seq-reductions"
#: What a reduction's outcome is in MLflow's terms.
RUN_STATUS = {"succeeded": "FINISHED", "partial": "FAILED", "failed": "FAILED", "killed": "KILLED"}
#: What the reductions experiment says about itself in the UI.
ABOUT = "Real reductions run with radps-seq run: one run per reduction."


def run_name(workflow: str | None, graph: Any, planner: str, reduction: Any = None) -> str:
    """``imaging 2024-01-01 · dfs``: workflow, the night(s) (or target) and the planner."""
    nights = sorted({str(n) for _, n in graph.nodes(data="night") if n}) if graph is not None else []
    if not nights and graph is not None:
        jobs = [d.get("job") for _, d in graph.nodes(data=True)]
        nights = sorted({str(j.night) for j in jobs if j is not None and getattr(j, "night", None)})
    where = nights[0] if len(nights) == 1 else f"{nights[0]}..{nights[-1]}" if nights else ""
    return " ".join(p for p in (workflow or f"reduction {reduction}", where, f"· {planner}") if p)


def reduction_params(request: Any, summary: Mapping[str, Any], workflow: str | None) -> dict[str, Any]:
    """The request as MLflow parameters (the same names for every reduction)."""
    params: dict[str, Any] = {"reduction": summary.get("reduction"), "sequencer": summary.get("planner"),
                              "planner": summary.get("planner")}  # fmt: skip
    if request is not None:
        params |= {
            "workflow": workflow or os.fspath(request.workflow),
            "workflow_path": os.fspath(request.workflow),
            "inputs": [os.fspath(i) for i in request.inputs],
            "workers": request.workers,
            "executor": request.executor,
            "model": request.model or "-",
            "parameter_set": request.parameter_set or "default",
            "workflow_parameters": dict(request.workflow_parameters) or "-",
            "targets": list(request.tasks) + list(request.meta_targets) or ["science"],
            "dummy": request.dummy,
        }
    return params


def log_reduction_run(
    summary: Mapping[str, Any],
    plan: Mapping[str, Any],
    tracking_uri: str | None = None,
    workdir: str | os.PathLike | None = None,
    request: Any = None,
    graph: Any = None,
    job_graph: str | None = None,
) -> str:
    """Record one real reduction as an MLflow run; returns the run id.

    ``summary`` is the ``radps-seq run --format json`` summary, ``plan`` the plan that
    ran; ``request`` and the job ``graph`` (when given) name the run and fill its
    parameters, ``job_graph`` is the graph as DOT text; the run log in ``workdir``
    gives the reduction's start, end and job rows for the timeline. Metric names are
    those of the offline experiments (``makespan_s``, ``skipped``, ``refusals``). An
    embedded store that already holds the experiment is written without importing
    MLflow (:mod:`radps_seq.tracking.direct`); anything else goes through its client.
    """
    ran = any(j.get("status") in ("succeeded", "failed") for j in summary.get("jobs") or [])
    reduction, rows = _from_run_log(workdir, summary.get("reduction"), with_rows=ran)
    workflow = (graph.graph.get("workflow") if graph is not None else None) or (reduction or {}).get("workflow")
    planner = str(summary.get("planner") or plan.get("planner"))
    with tempfile.TemporaryDirectory() as tmp:
        record = RunRecord(
            name=run_name(workflow, graph, planner, summary.get("reduction")),
            params=reduction_params(request, summary, workflow),
            metrics=_metrics(summary, plan),
            tags={"radps_seq.kind": "reduction", "radps_seq.status": summary.get("status"),
                  "radps_seq.reduction": summary.get("reduction"),
                  **({"radps_seq.workdir": str(workdir)} if workdir is not None else {})},
            artifacts={"plan.json": dict(plan), "summary.json": dict(summary)},
            status=RUN_STATUS.get(str(summary.get("status")), "FAILED"),
            start_ms=_ms((reduction or {}).get("started_ts")),
            end_ms=_ms((reduction or {}).get("finished_ts")),
            files=tuple(_figures(Path(tmp), rows, job_graph, summary)),
            experiment_tags={EXPERIMENT_KIND[0]: EXPERIMENT_KIND[1], DESCRIPTION: ABOUT},
        )  # fmt: skip
        uri = store_uri(tracking_uri)
        run_id = log_run(uri, REDUCTIONS_EXPERIMENT, record)
        return run_id if run_id is not None else _with_client(uri, record)


def _with_client(uri: str, record: RunRecord) -> str:
    """The same run through the MLflow client (new stores and experiments, servers)."""
    mlflow_client = client(uri)
    run_id = mlflow_client.create_run(
        experiment_id(mlflow_client, REDUCTIONS_EXPERIMENT, ABOUT), run_name=record.name,
        start_time=record.start_ms,
    ).info.run_id  # fmt: skip
    log_values(mlflow_client, run_id, params=record.params, metrics=record.metrics, tags=record.tags)
    for file_name, data in record.artifacts.items():
        log_json(mlflow_client, run_id, data, file_name)
    log_files(mlflow_client, run_id, record.files)
    mlflow_client.set_terminated(run_id, status=record.status, end_time=record.end_ms)
    return run_id


def _ms(ts: float | None) -> int | None:
    return int(ts * 1000) if ts else None


def _metrics(summary: Mapping[str, Any], plan: Mapping[str, Any]) -> dict[str, float | None]:
    jobs = list(summary.get("jobs") or [])
    status = Counter(str(j.get("status")) for j in jobs)
    refused = summary.get("refused") or []
    return {
        "makespan_s": summary.get("makespan_s"),
        "jobs": len(jobs),
        "compute_s": sum(float(j.get("wall_s") or 0.0) for j in jobs if j.get("status") == "succeeded"),
        "skipped": status.get("skipped", 0),
        "skips_planned": len(plan.get("skip") or []),
        "cache_hits": status.get("cached", 0),
        "failed": sum(1 for j in jobs if j.get("status") == "failed" and not j.get("blocked_by")),
        "blocked": sum(1 for j in jobs if j.get("blocked_by")),
        "incomplete": status.get("incomplete", 0),
        "succeeded": status.get("succeeded", 0),
        "refusals": len(refused) if isinstance(refused, list | tuple) else int(bool(refused)),
    }


def _from_run_log(workdir: str | os.PathLike | None, reduction: Any,
                  with_rows: bool = True) -> tuple[dict | None, Any]:
    """The reduction's run-log record and job rows (None, None without a run log).

    When no job ran (every one reused or skipped) there is no timeline to draw: only the
    reduction's start, end and workflow are read, with sqlite3, so a no-op re-run
    imports neither SQLAlchemy, pandas nor matplotlib.
    """
    if workdir is None or reduction is None:
        return None, None
    from radps_seq.runlog import RUNLOG_FILE

    path = Path(workdir) / RUNLOG_FILE
    if not path.is_file():
        return None, None
    if not with_rows:
        return _reduction_times(path, str(reduction)), None
    from radps_seq.runlog import RunLog

    with RunLog(workdir, create=False) as log:
        return log.reduction(str(reduction)), log.runs(str(reduction))


def _reduction_times(path: Path, reduction: str) -> dict | None:
    """``started_ts``, ``finished_ts`` and ``workflow`` of one reduction, read-only."""
    import sqlite3

    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
        row = conn.execute("SELECT started_ts, finished_ts, workflow FROM reductions WHERE id = ?",
                           (reduction,)).fetchone()
    return None if row is None else dict(zip(("started_ts", "finished_ts", "workflow"), row, strict=True))


def _figures(out: Path, rows: Any, job_graph: str | None, summary: Mapping[str, Any]) -> list[Path]:
    """Timeline image, per-task runtime table and the job graph (DOT), written to ``out``."""
    files = []
    if rows is not None and len(rows):
        from radps_seq.runlog.timeline import task_runtimes, timeline_png

        title = f"reduction {summary.get('reduction')} ({summary.get('status')})"
        files.append(Path(timeline_png(rows, out / "timeline.png", title)))
        task_runtimes(rows).to_csv(out / "task_runtimes.csv", index=False)
        files.append(out / "task_runtimes.csv")
    if job_graph:
        (out / "job_graph.dot").write_text(job_graph + "\n")
        files.append(out / "job_graph.dot")
    return files
