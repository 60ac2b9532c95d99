"""After ``kill -9``: reductions whose process is gone are marked ``killed``, and the jobs
they finished without logging are recovered from their manifests.

A run writes its run-log rows in batches (a database write per job would dominate the
engine's overhead), so a killed run loses the rows of its last seconds although the
products of those jobs were published. Their manifests hold what the rows would have
(cache key, runtimes, QC, effect), so the next run on the work directory writes the
rows then: the runtimes of those jobs still reach training, and the next run's own rows
record them as reused.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from radps_seq.runlog import RunLog, job_run_row, static_fields

from .cache import read_manifest
from .result import SUCCEEDED
from .store import ProductStore

RECOVERED = "recovered from its manifest: the reduction that ran it was killed"


def recover_killed(runlog: RunLog, graph: nx.DiGraph, store: ProductStore) -> list[str]:
    """Mark dead reductions ``killed`` and log the jobs of ``graph`` they finished;
    returns the ids of the killed reductions."""
    dead = runlog.mark_dead()
    rows = []
    for reduction in dead:
        for job_id in reduction["unfinished"]:
            if job_id in graph:
                row = _recovered_row(reduction, graph, store, job_id)
                if row is not None:
                    rows.append(row)
    runlog.add_runs(rows)
    return [reduction["id"] for reduction in dead]


def _recovered_row(
    reduction: dict[str, Any], graph: nx.DiGraph, store: ProductStore, job_id: str
) -> dict[str, Any] | None:
    manifest = read_manifest(store.folder(graph.nodes[job_id]["task"], job_id))
    created = manifest.get("created") if manifest else None
    if created is None or created < (reduction["started_ts"] or 0):
        return None  # no result, or one from before that reduction
    return job_run_row(
        static_fields(graph, job_id),
        reduction_id=reduction["id"],
        workflow=reduction["workflow"],
        planner=reduction["planner"] or "",
        attempt=1,
        status=SUCCEEDED,
        start_ts=created - float(manifest.get("wall_s") or 0.0),
        end_ts=created,
        cpu_s=manifest.get("cpu_s"),
        qc=manifest.get("qc") or {},
        effect=manifest.get("effect"),
        cache_reason=RECOVERED,
    )
