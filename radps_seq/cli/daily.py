"""Commands of daily use on a work directory: verify, show, reductions, clean, timeline
(the task-level graph, Snakemake's --rulegraph, is ``radps-seq graph -w WF``)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from ..errors import RadpsError
from .options import emit, format_option


def _existing_workdir(workdir: str) -> Path:
    path = Path(workdir)
    if not path.is_dir():
        raise RadpsError(f"{workdir}: no such work directory (give the --workdir of a reduction)")
    return path


@click.command()
@click.option("--workdir", required=True, type=click.Path(file_okay=False), help="Work directory to check.")
@click.option("--invalidate", is_flag=True,
              help="Set damaged results aside so the next run recomputes them (nothing is deleted).")
@format_option("text", "json")
def verify(workdir: str, invalidate: bool, fmt: str) -> None:
    """Hash every product of the store against its manifest; exit 1 when one is damaged."""
    from ..execute.verify import verify_store

    report = verify_store(_existing_workdir(workdir), invalidate_damaged=invalidate)
    emit(report.to_dict(), fmt, str(report))
    if report.damaged or report.unreadable:
        sys.exit(1)



@click.command()
@click.argument("job")
@click.option("--workdir", required=True, type=click.Path(file_okay=False), help="Work directory of the job.")
@format_option("text", "json")
def show(job: str, workdir: str, fmt: str) -> None:
    """One job: inputs, parameters, cache key, state, why it would rerun, log tail.

    JOB is a job id or the start of one."""
    from ..execute.jobinfo import job_info

    info = job_info(_existing_workdir(workdir), job)
    lines = [f"{info['task']} [{info['job']}]  {info['folder']}",
             f"state: {info['state']}", f"rerun: {info['rerun']}",
             f"recipe: {(info['recipe'] or {}).get('name') or '-'}   cache key: {info['cache_key'] or '-'}",
             f"parameters: {info['parameters'] if info['parameters'] is not None else '-'}",
             f"inputs ({len(info['inputs'])}):"]  # fmt: skip
    lines += [f"  {i['category']}: {i['path']}" for i in info["inputs"]]
    lines.append(f"products: {', '.join(info['products']) or '-'}")
    lines.append(f"attempts ({len(info['attempts'])}):")
    for a in info["attempts"]:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(a["start_ts"])) if a["start_ts"] else "-"
        wall = f"{a['wall_s']:.2f} s" if a["wall_s"] is not None else "-"
        why = a["error"] or a["cache_reason"] or ""
        lines.append(f"  {when}  {a['status']:<10} {wall:>9}  reduction {a['reduction_id']}  {why}")
    if info["log"]:
        lines.append(f"log: {info['log']} (last lines)")
        lines += [f"  | {line}" for line in info["log_tail"]]
    emit(info, fmt, "\n".join(lines))


@click.command()
@click.option("--workdir", required=True, type=click.Path(file_okay=False), help="Work directory.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="Newest N.")
@format_option("text", "json")
def reductions(workdir: str, limit: int, fmt: str) -> None:
    """The reductions of a work directory: date, workflow, planner, status, duration."""
    from ..runlog import RunLog
    from ..sqlite_wal import writable

    path = _existing_workdir(workdir)
    if not (path / "runlog.sqlite").is_file():
        raise RadpsError(f"{workdir}: no run log here; run a reduction with --workdir {workdir} first")
    with RunLog(path, create=False) as log:
        if writable(path):
            log.mark_dead()  # a reduction whose process is gone is shown as killed
        records = log.reductions(limit)
    rows = []
    for r in records:
        end = r["finished_ts"] or (time.time() if r["status"] == "running" else None)
        duration = end - r["started_ts"] if end and r["started_ts"] else None
        jobs = len((r["summary"] or {}).get("jobs") or [])
        rows.append({"reduction": r["id"], "started": _when(r["started_ts"]), "workflow": r["workflow"],
                     "planner": r["planner"], "status": r["status"], "duration_s": duration,
                     "jobs": jobs, "workers": r["workers"], "executor": r["executor"]})  # fmt: skip
    text = [f"{len(rows)} reduction(s), newest first:"]
    text += [f"  {r['started']}  {r['reduction']}  {r['workflow'] or '-'}  {r['planner']:<13} "
             f"{r['status']:<9} {_duration(r['duration_s']):>8}  {r['jobs']} jobs" for r in rows]  # fmt: skip
    emit(rows, fmt, "\n".join(text))


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts)) if ts else "-"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


@click.command()
@click.option("--workdir", required=True, type=click.Path(file_okay=False), help="Work directory to clean.")
@click.option("--yes", is_flag=True, help="Remove them (default: only list what would go).")
@format_option("text", "json")
def clean(workdir: str, yes: bool, fmt: str) -> None:
    """Stale results, temporary folders, failed logs and unheld locks; a dry run by default."""
    from ..execute.clean import clean as clean_workdir

    report = clean_workdir(_existing_workdir(workdir), remove=yes)
    emit(report.to_dict(), fmt, str(report))


@click.command()
@click.option("--workdir", required=True, type=click.Path(file_okay=False), help="Work directory.")
@click.option("--reduction", default=None, help="Reduction id (default: the newest).")
@click.option("-o", "--output", default="timeline.png", show_default=True, type=click.Path(dir_okay=False),
              help="PNG file to write.")
@format_option("text", "json")
def timeline(workdir: str, reduction: str | None, output: str, fmt: str) -> None:
    """A reduction's timeline (Gantt chart of its jobs per worker) as a PNG, and its
    per-task runtimes."""
    from ..runlog import RunLog
    from ..runlog.timeline import task_runtimes, timeline_png

    path = _existing_workdir(workdir)
    with RunLog(path, create=False) as log:
        if reduction is None:
            newest = log.reductions(1)
            if not newest:
                raise RadpsError(f"{workdir}: no reduction in its run log")
            reduction = newest[0]["id"]
        record: dict[str, Any] | None = log.reduction(reduction)
        if record is None:
            raise RadpsError(f"{workdir}: no reduction {reduction!r} (list them: radps-seq reductions)")
        rows = log.runs(reduction)
    title = f"{record['workflow']} — {record['planner']} — reduction {reduction} ({record['status']})"
    timeline_png(rows, output, title)
    table = task_runtimes(rows)
    emit({"reduction": reduction, "image": output, "tasks": table.to_dict("records")}, fmt,
         f"timeline of reduction {reduction} written to {output}\n" + table.to_string(index=False))


#: The commands of this module, registered by the ``radps-seq`` group.
COMMANDS = [verify, show, reductions, clean, timeline]
