"""What the work directory knows about one job (``radps-seq show``): its folder and
manifest (inputs, parameters, cache key), its attempts in the run log, its log tail,
and whether its result can be reused as it is."""

from __future__ import annotations

import os
from collections import deque
from pathlib import Path
from typing import Any

from radps_seq.errors import RadpsError

from .cache import product_problem, read_manifest
from .store import PRODUCTS

LOG_LINES = 15


def find_job(workdir: str | os.PathLike, job: str) -> tuple[str, str]:
    """``(task, job id)`` of the job whose id starts with ``job`` (folder or failed log)."""
    products = Path(workdir) / PRODUCTS
    found = {
        (entry.parent.name, entry.name.removesuffix(".failed.log"))
        for entry in products.glob(f"*/{job}*")
        if not entry.name.startswith(".")
    }
    if not found:
        raise RadpsError(f"no job {job!r} in {products} (ids are listed by 'radps-seq runs')")
    if len(found) > 1:
        shown = ", ".join(sorted(j for _, j in found)[:5])
        raise RadpsError(f"{job!r} matches {len(found)} jobs ({shown}...); give more of the id")
    return found.pop()


def tail(path: Path, lines: int = LOG_LINES) -> list[str]:
    try:
        with path.open(errors="replace") as handle:
            return [line.rstrip("\n") for line in deque(handle, maxlen=lines)]
    except OSError:
        return []


def job_info(workdir: str | os.PathLike, job: str) -> dict[str, Any]:
    """Everything ``show`` prints about ``job`` (an id or its prefix)."""
    task, job_id = find_job(workdir, job)
    folder = Path(workdir) / PRODUCTS / task / job_id
    manifest = read_manifest(folder) if folder.is_dir() else None
    failed_log = folder.parent / f"{job_id}.failed.log"
    log = folder / "job.log" if (folder / "job.log").is_file() else failed_log
    parts = (manifest or {}).get("components") or {}
    if manifest is None:
        state = "no reusable result" + (" (last attempt failed)" if failed_log.is_file() else "")
        if (folder / "manifest.json.damaged").exists():
            reuse = "it would run: its result was set aside as damaged"
        elif failed_log.is_file():
            reuse = "it would run: its last attempt failed (see its log below)"
        else:
            reuse = "it would run: no result yet"
    else:
        problem = product_problem(folder, manifest)
        state = "result present" if problem is None else f"result unusable: {problem}"
        reuse = (f"it would run: {problem}" if problem else
                 "reusable while its recipe code, parameters and inputs are unchanged "
                 "(what would change them: radps-seq run -n -w WF -i IN --workdir W)")  # fmt: skip
    return {
        "job": job_id,
        "task": task,
        "folder": str(folder),
        "state": state,
        "rerun": reuse,
        "cache_key": (manifest or {}).get("cache_key"),
        "recipe": (manifest or {}).get("recipe"),
        "parameters": parts.get("parameters"),
        "inputs": [{"path": p, "category": c, "sha256": s} for p, c, s in parts.get("inputs") or ()],
        "products": [p["path"] for p in (manifest or {}).get("products", ())],
        "attempts": attempts(workdir, job_id),
        "log": str(log) if log.is_file() else None,
        "log_tail": tail(log),
    }


def attempts(workdir: str | os.PathLike, job_id: str) -> list[dict[str, Any]]:
    """The job's run-log rows, oldest first (status, reduction, runtime, reason, error)."""
    from radps_seq.runlog import RUNLOG_FILE, RunLog

    if not (Path(workdir) / RUNLOG_FILE).is_file():
        return []
    with RunLog(workdir, create=False) as log:
        rows = log.runs()
    rows = rows[rows["job_id"] == job_id]
    keep = ["reduction_id", "attempt", "status", "start_ts", "wall_s", "cache_reason", "error"]
    return [{k: (None if v != v else v) for k, v in row.items()} for row in rows[keep].to_dict("records")]
