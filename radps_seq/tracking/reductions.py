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
from pathlib import Path
from typing import Any

from .records import log_files, log_json, log_values
from .store import client, experiment_id

#: Experiment that real reductions (``radps-seq run``) are logged to.
REDUCTIONS_EXPERIMENT = "radps-seq-reductions"
#: What a reduction's outcome is in MLflow's terms.
RUN_STATUS = {"succeeded": "FINISHED", "partial": "FAILED", "failed": "FAILED", "killed": "KILLED"}


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
    parameters, ``job_graph`` is the graph as DOT text for the artifact; the run log in ``workdir`` gives the reduction's start,
    end and per-job rows for the timeline. The metric names are those of the offline
    experiments (``makespan_s``, ``skipped``, ``refusals``) so both compare side by side.
    """
    jobs = list(summary.get("jobs") or [])
    status = Counter(str(j.get("status")) for j in jobs)
    refused = summary.get("refused") or []
    refusals = len(refused) if isinstance(refused, list | tuple) else int(bool(refused))
    planner = summary.get("planner") or plan.get("planner")
    metrics = {
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
        "refusals": refusals,
    }
    record, rows = _from_run_log(workdir, summary.get("reduction"))
    workflow = (graph.graph.get("workflow") if graph is not None else None) or (record or {}).get("workflow")
    mlflow_client = client(tracking_uri)
    started = (record or {}).get("started_ts")
    run = mlflow_client.create_run(
        experiment_id(mlflow_client, REDUCTIONS_EXPERIMENT,
                      "Real reductions run with radps-seq run: one run per reduction."),
        run_name=run_name(workflow, graph, str(planner), summary.get("reduction")),
        start_time=int(started * 1000) if started else None,
    )  # fmt: skip
    run_id = run.info.run_id
    log_values(
        mlflow_client, run_id,
        params=reduction_params(request, summary, workflow),
        metrics=metrics,
        tags={"radps_seq.kind": "reduction", "radps_seq.status": summary.get("status"),
              "radps_seq.reduction": summary.get("reduction"),
              **({"radps_seq.workdir": str(workdir)} if workdir is not None else {})},
    )  # fmt: skip
    log_json(mlflow_client, run_id, dict(plan), "plan.json")
    log_json(mlflow_client, run_id, dict(summary), "summary.json")
    _log_figures(mlflow_client, run_id, rows, job_graph, summary)
    finished = (record or {}).get("finished_ts")
    mlflow_client.set_terminated(
        run_id, status=RUN_STATUS.get(str(summary.get("status")), "FAILED"),
        end_time=int(finished * 1000) if finished else None,
    )  # fmt: skip
    return run_id


def _from_run_log(workdir: str | os.PathLike | None, reduction: Any) -> tuple[dict | None, Any]:
    """The reduction's run-log record and job rows (None, None without a run log)."""
    if workdir is None or reduction is None:
        return None, None
    from radps_seq.runlog import RUNLOG_FILE, RunLog

    if not (Path(workdir) / RUNLOG_FILE).is_file():
        return None, None
    with RunLog(workdir, create=False) as log:
        return log.reduction(str(reduction)), log.runs(str(reduction))


def _log_figures(mlflow_client: Any, run_id: str, rows: Any, job_graph: str | None,
                 summary: Mapping[str, Any]) -> None:  # fmt: skip
    """Timeline image, per-task runtime table (CSV and an MLflow table) and job graph."""
    files = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        if rows is not None and len(rows):
            from radps_seq.runlog.timeline import task_runtimes, timeline_png

            title = f"reduction {summary.get('reduction')} ({summary.get('status')})"
            files.append(Path(timeline_png(rows, out / "timeline.png", title)))
            table = task_runtimes(rows)
            table.to_csv(out / "task_runtimes.csv", index=False)
            files.append(out / "task_runtimes.csv")
            mlflow_client.log_table(run_id, table, "task_runtimes.json")
        if job_graph:
            (out / "job_graph.dot").write_text(job_graph + "\n")
            files.append(out / "job_graph.dot")
        log_files(mlflow_client, run_id, files)
