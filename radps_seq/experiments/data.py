"""Data sources for training and experiments, named the same way everywhere.

A source is ``KIND:WHERE``:

- ``runlog:WORKDIR_OR_URL`` — the run log of a work directory (or a SQLAlchemy URL), or
  exported run log files (``.csv``, ``.parquet``, ``.json``; a glob may name several);
- ``wfcommons:GLOB`` — WfCommons instances (real DAGs with real runtimes).

Training wants run-log rows (:func:`source_run_log`); experiments want instances to
replay — a job graph, the true outcomes and what the instance is (family, night, size)
so splits can hold out whole groups (:func:`source_instances`).
"""

from __future__ import annotations

import glob
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from radps_seq.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

KINDS = ("runlog", "wfcommons")
RUNLOG_FILES = (".csv", ".parquet", ".pq", ".json")


@dataclass
class Instance:
    """One replayable reduction: graph, true outcomes, and its group keys in ``meta``
    (``name``, ``family``, ``size``, ``source`` and, for run logs, ``night``). A logged
    reduction keeps its original ``rows`` (every attempt), which is what training on it
    should see."""

    graph: nx.DiGraph
    truth: dict[str, dict[str, Any]]
    meta: dict[str, Any] = field(default_factory=dict)
    rows: pd.DataFrame | None = None

    @property
    def name(self) -> str:
        return str(self.meta.get("name"))


def parse_source(spec: str) -> tuple[str, str]:
    """``"wfcommons:traces/*.json"`` -> ``("wfcommons", "traces/*.json")``."""
    kind, sep, where = str(spec).partition(":")
    if not sep or kind not in KINDS or not where:
        raise InputError(
            f"data source {spec!r}: write KIND:WHERE with KIND one of {', '.join(KINDS)} "
            "(e.g. runlog:work or wfcommons:traces/*.json)"
        )
    return kind, where


def _paths(pattern: str, spec: str) -> list[Path]:
    found = sorted(glob.glob(pattern))
    if not found:
        raise InputError(f"data source {spec!r}: no file matches {pattern!r}")
    return [Path(p) for p in found]


def read_run_log(where: str) -> pd.DataFrame:
    """Run-log rows from exported files (a glob may name several), a work directory or
    a database URL."""
    import pandas as pd

    if "://" not in where and glob.has_magic(where):
        frames = [read_run_log(str(p)) for p in _paths(where, f"runlog:{where}")]
        return pd.concat(frames, ignore_index=True)
    path = Path(where)
    if path.suffix.lower() in RUNLOG_FILES and path.is_file():
        try:
            if path.suffix.lower() == ".csv":
                return pd.read_csv(path)
            if path.suffix.lower() == ".json":
                return pd.read_json(path, orient="records", dtype=False)
            return pd.read_parquet(path)
        except (OSError, ValueError, ImportError) as exc:
            raise InputError(f"{path}: cannot read run log ({exc})") from exc
    from radps_seq.runlog import load_runs

    return load_runs(where)


def wfcommons_instances(pattern: str, spec: str | None = None) -> list[Instance]:
    from radps_seq.experiments.traces import load_wfcommons

    out = []
    for path in _paths(pattern, spec or f"wfcommons:{pattern}"):
        graph, truth, meta = load_wfcommons(path)
        meta = {**meta, "name": path.stem, "source": f"wfcommons:{path.name}"}
        out.append(Instance(graph, truth, meta))
    return out


def runlog_instances(frame: pd.DataFrame, source: str) -> list[Instance]:
    """Every reduction of a run log as an instance; ``night`` is the night most of its
    jobs were triggered by (a reduction normally covers one)."""
    from radps_seq.experiments.traces import load_runlog_trace

    if frame.empty:
        raise InputError(f"{source}: the run log has no rows")
    out = []
    for reduction, rows in frame.groupby("reduction_id", sort=False):
        graph, truth, meta = load_runlog_trace(rows, str(reduction))
        nights = Counter(n for n in rows.get("night", []) if isinstance(n, str) and n)
        meta = {
            **meta,
            "name": str(reduction),
            "source": source,
            "night": nights.most_common(1)[0][0] if nights else None,
        }
        out.append(Instance(graph, truth, meta, rows))
    return out


def source_instances(spec: str) -> list[Instance]:
    kind, where = parse_source(spec)
    if kind == "wfcommons":
        return wfcommons_instances(where, spec)
    return runlog_instances(read_run_log(where), spec)


def instances_run_log(instances: list[Instance]) -> pd.DataFrame:
    """Instances seen as a run log (one succeeded attempt per job), for ``fit``."""
    import pandas as pd

    from radps_seq.experiments.traces import trace_as_run_log

    frames = []
    for inst in instances:
        if inst.rows is not None:
            frames.append(inst.rows)
            continue
        frame = trace_as_run_log(inst.graph, inst.truth, reduction_id=inst.name)
        frame["workflow"] = inst.meta.get("family")
        frame["night"] = inst.meta.get("night")
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def source_run_log(spec: str) -> pd.DataFrame:
    """The run-log rows a source contributes to training."""
    kind, where = parse_source(spec)
    if kind == "runlog":
        frame = read_run_log(where)
        if frame.empty:
            raise InputError(f"{spec}: the run log has no rows")
        return frame
    return instances_run_log(wfcommons_instances(where, spec))


def seeded_instances(config: Any, spec: Any, where: str, defaults: dict[str, Any], kind: str,
                     folder_name: Callable[[int, dict[str, Any]], str],
                     reduce: Callable[[Path, int, dict[str, Any], Any], Path]) -> list[Instance]:
    """Instances of simulated data, one set per experiment seed: ``spec`` (keys among
    ``defaults``) is checked, each seed's data is made and reduced by ``reduce(folder,
    seed, options, config)`` below ``workdir``, and every logged reduction becomes an
    instance named ``seed<S>/<night>`` with ``meta['seed']`` set."""
    from radps_seq.experiments.config import ConfigError

    if not isinstance(spec, dict) or set(spec) - set(defaults):
        raise ConfigError(f"{config.path}: {where}: a mapping with keys among {', '.join(defaults)}")
    options = {**defaults, **spec}
    base = Path(config.resolve(str(options["workdir"])))
    instances = []
    for seed in config.seeds:
        workdir = reduce(base / folder_name(seed, options), seed, options, config)
        for inst in runlog_instances(read_run_log(str(workdir)), f"{kind}:seed{seed}"):
            inst.meta.update(seed=seed, name=f"seed{seed}/{inst.meta['night']}")
            instances.append(inst)
    return instances
