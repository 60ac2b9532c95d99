"""Trace loaders: real workflow executions turned into (job graph, truth, meta).

Two sources feed replay. WfCommons instances (WfFormat, recorded by Pegasus and other
workflow systems) give real DAGs with real runtimes; exported run logs of our own
reductions add the effects that make skipping measurable. Both become a job graph with
the same node/edge attributes as a derived one (contracts.md), so every sequencer and
the guard treat a trace exactly like a live reduction, plus the ``truth`` only replay
and the oracle may read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from radps_seq.errors import InputError
from radps_seq.plan.graphs import depths
from radps_seq.runlog.columns import RUN_COLUMNS
from radps_seq.runlog.graph import Trace, reduction_graph

if TYPE_CHECKING:
    import pandas as pd


def load_trace(path: str | Path) -> Trace:
    """Load a WfCommons instance or an exported run log, recognised by content."""
    path = Path(path)
    if path.suffix.lower() in (".csv", ".parquet", ".pq"):
        return load_runlog_trace(path)
    doc = _read_json(path)
    if isinstance(doc, dict) and "workflow" in doc:
        return _wfcommons_trace(doc, path)
    if isinstance(doc, list):
        import pandas as pd

        return reduction_graph(pd.DataFrame.from_records(doc), str(path), None)
    raise InputError(
        f"{path}: neither a WfCommons instance (an object with 'workflow') "
        "nor an exported run log (a list of job records)"
    )


# --- WfCommons -----------------------------------------------------------------------


def load_wfcommons(path: str | Path) -> Trace:
    """A WfCommons instance (WfFormat 1.5, or the older single ``workflow.tasks`` list).

    Nodes are task ids; ``task`` is the task type (``category``, else the executed
    program, else the name without its ``_ID0000001``-style suffix). Every job is
    complete, not skippable, and a target when it is a sink. Its single slot ``"main"``
    holds the input files no parent produces (``files``) and needs all of them plus one
    product from every parent (``min_ret = files + parents``): in a trace every input is
    mandatory. Truth is the recorded runtime; ``changed`` is None (traces have no
    effects) and ``output_bytes`` the recorded size of its outputs. Features are what is
    known before anything runs: ``input_bytes`` sums only the files no task produces —
    the sizes of parents' products are outcomes, and a planner may use only predictions
    of them. Meta: family (from ``<wms>_<family>_<instance>.json`` file names, else the
    workflow name), size, name, recorded makespan.
    """
    path = Path(path)
    return _wfcommons_trace(_read_json(path), path)


def _read_json(path: Path) -> Any:
    try:
        with path.open() as fh:
            return json.load(fh)
    except OSError as exc:
        raise InputError(f"{path}: cannot read trace ({exc.strerror})") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from exc


def _wfcommons_trace(doc: Any, path: Path) -> Trace:
    if not isinstance(doc, dict) or not isinstance(doc.get("workflow"), dict):
        raise InputError(f"{path}: not a WfCommons instance (no 'workflow' object)")
    tasks, sizes = _wfcommons_tasks(doc["workflow"], path)
    graph = nx.DiGraph()
    truth: dict[str, dict[str, Any]] = {}
    for t in tasks:
        graph.add_node(t["id"])
        truth[t["id"]] = {
            "runtime_s": t["runtime"],
            "changed": None,
            "output_bytes": float(sum(sizes.get(f, 0) for f in t["outputs"])),
        }
    producer = {f: t["id"] for t in tasks for f in t["outputs"]}
    for t in tasks:
        for other, as_parent in [(p, True) for p in t["parents"]] + [
            (c, False) for c in t["children"]
        ]:
            if other not in truth:
                raise InputError(f"{path}: task {t['id']!r} refers to unknown task {other!r}")
            u, v = (other, t["id"]) if as_parent else (t["id"], other)
            graph.add_edge(u, v, slot="main", passthrough=False)
    if not nx.is_directed_acyclic_graph(graph):
        raise InputError(f"{path}: the task dependencies contain a cycle")
    depth = depths(graph)
    for t in tasks:
        job = t["id"]
        parents = set(graph.pred[job])
        files = sum(1 for f in t["inputs"] if producer.get(f) not in parents)
        raw = [f for f in t["inputs"] if f not in producer]  # on disk before anything runs
        graph.nodes[job].update(
            task=t["type"],
            recipe=t["program"],
            complete=True,
            target=graph.out_degree(job) == 0,
            skippable=False,
            slots={"main": {"min_ret": files + len(parents), "files": files}},
            features={
                "task": t["type"],
                "n_inputs": len(t["inputs"]),
                "input_bytes": sum(sizes.get(f, 0) for f in raw),
                "n_outputs": len(t["outputs"]),
                "depth": depth[job],
                "n_parents": len(parents),
                "n_children": graph.out_degree(job),
            },
        )
    name = str(doc.get("name") or path.stem)
    execution = doc["workflow"].get("execution") or doc["workflow"]
    meta = {
        "format": "wfcommons",
        "source": str(path),
        "name": name,
        "family": _family(path, name),
        "size": graph.number_of_nodes(),
        "makespan_s": execution.get("makespanInSeconds", execution.get("makespan")),
    }
    return graph, truth, meta


def _wfcommons_tasks(workflow: dict[str, Any], path: Path) -> tuple[list[dict], dict[str, int]]:
    """Normalise both WfFormat layouts to task records and a file-size table."""
    if "specification" in workflow:  # WfFormat 1.5: structure and execution separated
        spec = workflow["specification"]
        runs = {e.get("id"): e for e in (workflow.get("execution") or {}).get("tasks", [])}
        sizes = {f.get("id"): f.get("sizeInBytes", 0) for f in spec.get("files", [])}
        raw = spec.get("tasks")
        where = "workflow.specification.tasks"
    else:  # WfFormat <= 1.4: one list, files inline with a link direction
        raw = workflow.get("tasks", workflow.get("jobs"))
        runs, sizes = {}, {}
        where = "workflow.tasks"
    if not isinstance(raw, list) or not raw:
        raise InputError(f"{path}: {where} is missing or empty")
    tasks, seen = [], set()
    for i, t in enumerate(raw):
        if not isinstance(t, dict) or not (t.get("id") or t.get("name")):
            raise InputError(f"{path}: {where}[{i}] has no id")
        tid = str(t.get("id") or t["name"])
        if tid in seen:
            raise InputError(f"{path}: task id {tid!r} appears twice")
        seen.add(tid)
        run = runs.get(tid, t)
        runtime = run.get("runtimeInSeconds", run.get("runtime"))
        if not isinstance(runtime, int | float) or isinstance(runtime, bool) or runtime < 0:
            raise InputError(f"{path}: task {tid!r} has no valid runtimeInSeconds ({runtime!r})")
        if "files" in t:
            inline = [(f.get("id") or f.get("name"), f) for f in t["files"]]
            sizes.update({fid: f.get("sizeInBytes", f.get("size", 0)) for fid, f in inline})
            inputs = [fid for fid, f in inline if f.get("link") == "input"]
            outputs = [fid for fid, f in inline if f.get("link") == "output"]
        else:
            inputs, outputs = t.get("inputFiles", []), t.get("outputFiles", [])
        program = (run.get("command") or t.get("command") or {}).get("program")
        tasks.append(
            {
                "id": tid,
                "type": str(
                    t.get("category") or program or _strip_suffix(str(t.get("name") or tid))
                ),
                "program": program,
                "parents": [str(p) for p in t.get("parents", [])],
                "children": [str(c) for c in t.get("children", [])],
                "inputs": list(inputs),
                "outputs": list(outputs),
                "runtime": float(runtime),
            }
        )
    return tasks, sizes


def _strip_suffix(name: str) -> str:
    """``mProject_ID0000001`` / ``mProject_00001`` -> ``mProject``."""
    return re.sub(r"(_ID)?_?\d+$", "", name) or name


def _family(path: Path, name: str) -> str:
    parts = path.stem.split("_")
    if len(parts) >= 3:  # WfInstances naming: <wms>_<family>_<instance>
        return parts[1].lower()
    return name.split("-")[0].lower() or path.stem.lower()


# --- run logs ------------------------------------------------------------------------


def load_runlog_trace(source: str | Path | pd.DataFrame, reduction_id: str | None = None) -> Trace:
    """One reduction of an exported run log (CSV, Parquet or JSON records, or a frame).

    The graph is rebuilt from the latest attempt of each job (parents, slots, features,
    target, skippable; ``complete`` unless its status is ``incomplete``); an edge is a
    pass-through when its parent is skippable and it fills the main slot. Truth is taken
    from the job's latest *succeeded* attempt anywhere in the log — job ids are content
    hashes, so a job reused (``cached``) or skipped in this reduction was measured when an
    earlier one ran it — its ``wall_s`` and ``changed``; a job never run successfully
    takes its latest attempt here (runtime 0 when unmeasured).
    Without ``reduction_id`` the most recent reduction (latest ``end_ts``, else the last
    one logged) is replayed.
    """
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        return reduction_graph(source, "run log", reduction_id)
    path = Path(source)
    try:
        if path.suffix.lower() == ".csv":
            frame = pd.read_csv(path)
        elif path.suffix.lower() in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
        else:
            doc = _read_json(path)
            if not isinstance(doc, list):
                raise InputError(f"{path}: a JSON run log must be a list of records")
            frame = pd.DataFrame.from_records(doc)
    except (OSError, ValueError, ImportError) as exc:
        raise InputError(f"{path}: cannot read run log ({exc})") from exc
    return reduction_graph(frame, str(path), reduction_id)


def trace_as_run_log(
    job_graph: nx.DiGraph, truth: Mapping[str, Mapping[str, Any]], reduction_id: str = "trace"
) -> pd.DataFrame:
    """A trace seen as a run log (one succeeded attempt per job), so sequencers can be
    fitted on traces exactly as on logged reductions; round-trips through
    :func:`load_runlog_trace`."""
    import pandas as pd

    rows = []
    for job, attrs in job_graph.nodes(data=True):
        features = attrs.get("features") or {}
        outcome = truth.get(job, {})
        row = dict.fromkeys(RUN_COLUMNS)
        row.update(
            reduction_id=reduction_id,
            job_id=job,
            task=attrs.get("task"),
            recipe=attrs.get("recipe"),
            attempt=1,
            status="succeeded" if attrs.get("complete", True) else "incomplete",
            wall_s=outcome.get("runtime_s"),
            n_inputs=features.get("n_inputs"),
            input_bytes=features.get("input_bytes"),
            target=bool(attrs.get("target", False)),
            skippable=bool(attrs.get("skippable", False)),
            parents=json.dumps({p: e.get("slot", "main") for p, e in job_graph.pred[job].items()}),
            slots=json.dumps(attrs.get("slots") or {}),
            features=json.dumps(features),
            changed=outcome.get("changed"),
            qc=json.dumps({"output_bytes": outcome["output_bytes"]})
            if outcome.get("output_bytes") is not None
            else None,
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=list(RUN_COLUMNS))
