"""``radps-seq compare``: run an experiment file and record it in MLflow.

For every split of the data, every fold, every seed: each sequencer is fitted on the
fold's training instances and scored on its held-out ones at every k
(:mod:`.evaluate`); a parameter given as ``validation`` is first chosen on validation
folds cut from that fold's training instances (:mod:`.selection`), so no test instance
takes part in any choice. The records become the comparison table (:mod:`.summary`), and
MLflow gets one parent run per experiment with one nested run per sequencer × split × k
(parameter ``sequencer`` names it) holding that row's metrics; the parent keeps the
table, the per-instance records, the validation skip-threshold sweeps, the CP-SAT
yardsticks (``bound:`` in the file: makespan over the best-known schedule and the proven
lower bound per instance, :func:`.bound.best_known`), the plots and the experiment
file; the learned models (first seed, every fold) are logged and registered.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from radps_seq.errors import RadpsError
from radps_seq.experiments.config import ConfigError, ExperimentConfig, load_config
from radps_seq.experiments.data import Instance, parse_source, source_instances
from radps_seq.experiments.evaluate import References, evaluate_fold
from radps_seq.experiments.selection import Selection
from radps_seq.experiments.splits import Fold, folds, for_seed
from radps_seq.plan.sequencers import sequencer_class

if TYPE_CHECKING:
    import pandas as pd

    from radps_seq.plan.base import Sequencer


@dataclass
class ComparisonResult:
    """The comparison table (one row per sequencer × split × k), the per-instance
    records behind it, the skip-threshold sweep, and where MLflow keeps them. The CLI
    prints the table (or ``to_dict()`` as JSON) and the parent run id."""

    name: str
    table: pd.DataFrame
    results: pd.DataFrame
    sweep: pd.DataFrame
    bounds: pd.DataFrame | None = None
    wall_s: float = 0.0
    cpu_s: float = 0.0
    parent_run_id: str | None = None
    experiment_id: str | None = None
    tracking_uri: str | None = None
    registered: tuple[str, ...] = ()

    #: Columns ``str()`` shows; ``to_dict()`` and the MLflow runs have them all.
    SHOWN = (
        "sequencer", "split", "workers", "n", "ratio_best_mean", "ratio_best_worst",
        "ratio_lb_mean", "ratio_lb_worst",
        "ratio_oracle_mean", "ratio_oracle_worst", "first_target_speedup_bfs_mean",
        "saving_recovered_mean", "targets_changed_frac_mean", "refusals",
    )  # fmt: skip

    def __str__(self) -> str:
        from radps_seq.experiments.summary import to_markdown

        shown = self.table[[c for c in self.SHOWN if c in self.table.columns]]
        lines = [f"experiment {self.name}: {len(self.results)} replays", "", to_markdown(shown)]
        if self.parent_run_id:
            lines.append(f"MLflow run {self.parent_run_id} (experiment {self.experiment_id}) "
                         f"in {self.tracking_uri}")  # fmt: skip
        if self.registered:
            lines.append(f"registered models: {', '.join(self.registered)}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        table = self.table
        return {
            "experiment": self.name,
            "experiment_id": self.experiment_id,
            "parent_run_id": self.parent_run_id,
            "tracking_uri": self.tracking_uri,
            "registered_models": list(self.registered),
            "table": _records(table),
            "bounds": _records(self.bounds),
        }


def _records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (NaN becomes null)."""
    if frame is None or frame.empty:
        return []
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def load_instances(config: ExperimentConfig) -> list[Instance]:
    """Every instance the experiment's ``data`` names, paths resolved against ``root``."""
    instances: list[Instance] = []
    for i, item in enumerate(config.data):
        if isinstance(item, dict):
            instances += _generated(config, item, i)
            continue
        kind, where = parse_source(item)
        if "://" not in where:
            where = config.resolve(where)
        try:
            instances += source_instances(f"{kind}:{where}")
        except RadpsError as exc:
            raise ConfigError(f"{config.path}: data[{i}]: {exc}") from exc
    names = [inst.name for inst in instances]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigError(f"{config.path}: instance(s) {', '.join(twice[:5])} appear twice in data")
    return instances


def _generated(config: ExperimentConfig, item: dict[str, Any], i: int) -> list[Instance]:
    if set(item) == {"imaging"}:
        from radps_seq.experiments.imaging import imaging_instances

        return imaging_instances(config, item["imaging"], f"data[{i}].imaging")
    if set(item) == {"radio"}:
        from radps_seq.experiments.radio import radio_instances

        return radio_instances(config, item["radio"], f"data[{i}].radio")
    raise ConfigError(f"{config.path}: data[{i}]: unknown generated source {sorted(item)}")


def compare(
    config_path: str | Path, tracking_uri: str | None = None, progress: bool = False
) -> ComparisonResult:
    """Run the experiment in ``config_path`` and log it to MLflow (``tracking_uri``,
    else ``$MLFLOW_TRACKING_URI``, else ``sqlite:///mlflow.db`` in the current folder)."""
    import pandas as pd

    from radps_seq.experiments.summary import summarize

    say = _say if progress else None
    started, cpu = time.perf_counter(), time.process_time()
    config = load_config(config_path)
    instances = load_instances(config)
    cuts = split_folds(config, instances)
    references = References()
    records: list[dict[str, Any]] = []
    sweeps: list[dict[str, Any]] = []
    models: dict[tuple[str, str, str], Sequencer] = {}
    for split in config.splits:
        for whole in cuts[split.name]:
            for seed in config.seeds:
                fold = for_seed(whole, seed)
                if fold is None:
                    continue
                found, fitted, swept = evaluate_fold(
                    fold, config.sequencers, config.workers, seed,
                    objective=config.objective, references=references, progress=say,
                    selection=Selection.of(config, split),
                )  # fmt: skip
                records += found
                sweeps += [{**r, "split": split.name, "outer_seed": seed} for r in swept]
                if seed == config.seeds[0]:
                    for spec in config.sequencers:
                        if sequencer_class(spec.name).learns_from_runlog:
                            models[(spec.label, split.name, fold.name)] = fitted[spec.label]
    results = pd.DataFrame(records)
    bounds = pd.DataFrame()
    if config.bound is not None:
        from radps_seq.experiments.bound import best_known, bound_table

        results = best_known(
            results, {i.name: i for i in instances}, references,
            workers=config.bound.workers, time_limit_s=config.bound.time_limit_s,
            objective=config.objective, progress=say,
        )  # fmt: skip
        bounds = bound_table(results)
    table = summarize(results, config.baseline)
    result = ComparisonResult(
        config.name, table, results, pd.DataFrame(sweeps), bounds=bounds,
        wall_s=time.perf_counter() - started, cpu_s=time.process_time() - cpu,
    )  # fmt: skip
    _track(result, config, cuts, models, tracking_uri)
    return result


def split_folds(config: ExperimentConfig, instances: list[Instance]) -> dict[str, list[Fold]]:
    """The folds of every split; a split that holds nothing out is an error in the file."""
    from radps_seq.experiments.splits import group_value

    out = {}
    for spec in config.splits:
        cut = folds(spec, instances)
        if not cut:
            seen = sorted({str(group_value(i, spec.key)) for i in instances})[:10]
            raise ConfigError(
                f"{config.path}: split {spec.name!r} holds out nothing or everything "
                f"({spec.key} values in the data: {', '.join(seen)})"
            )
        out[spec.name] = cut
    return out


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _track(
    result: ComparisonResult,
    config: ExperimentConfig,
    cuts: dict[str, list[Fold]],
    models: dict[tuple[str, str, str], Sequencer],
    tracking_uri: str | None,
) -> None:
    from radps_seq import tracking

    client = tracking.client(tracking_uri)
    description = config.raw.get("description") or None
    experiment = tracking.experiment_id(client, config.name, description)
    tags = {"radps_seq.kind": "comparison", **({tracking.DESCRIPTION: description} if description else {})}
    parent = client.create_run(experiment, run_name=config.name, tags=tags).info.run_id
    tracking.log_values(
        client, parent,
        params={
            "experiment_file": config.path.name,
            "data": config.data,
            "splits": [s.name for s in config.splits],
            "sequencers": [s.label for s in config.sequencers],
            "workers": config.workers,
            "seeds": config.seeds,
            "objective": config.objective,
            "baseline": config.baseline,
        },
        metrics={"instances": len({r for r in result.results["instance"]})},
    )  # fmt: skip
    specs = {s.label: s for s in config.sequencers}
    children: list[str] = []
    child: dict[tuple[str, str], str] = {}  # where a sequencer's models go: its first k
    for row in result.table.to_dict(orient="records"):
        label, split, workers = row["sequencer"], row["split"], row["workers"]
        run = tracking.nested_run(client, experiment, parent, f"{label} | {split} | k={workers}")
        spec = specs[label]
        tracking.log_values(
            client, run,
            params={
                "sequencer": label, "name": spec.name, "split": split, "workers": workers,
                "folds": len(cuts[split]), "seeds": config.seeds, "objective": config.objective,
                **{f"param.{k}": v for k, v in spec.params.items()},
            },
            metrics={k: v for k, v in row.items() if k not in ("sequencer", "split", "workers")},
        )  # fmt: skip
        children.append(run)
        child.setdefault((label, split), run)
    registered = _register(config, cuts, models, child)
    _log_tables(client, parent, result, config, cuts)
    for run in [*children, parent]:
        client.set_terminated(run)
    result.parent_run_id = parent
    result.experiment_id = experiment
    result.tracking_uri = client.tracking_uri
    result.registered = tuple(registered)


def _register(
    config: ExperimentConfig,
    cuts: dict[str, list[Fold]],
    models: dict[tuple[str, str, str], Sequencer],
    child: dict[tuple[str, str], str],
) -> list[str]:
    """Log every learned model under its sequencer's run (registered when asked);
    returns the registered names."""
    import mlflow

    from radps_seq.plan.sequencers.learned.model_store import log_model

    registered = []
    for (label, split, fold_name), sequencer in models.items():
        model = getattr(sequencer, "model_", None)
        if model is None:
            continue
        name = _model_name(config.name, label, split, fold_name if len(cuts[split]) > 1 else "")
        model.info.update(experiment=config.name, split=split, fold=fold_name)
        with mlflow.start_run(run_id=child[(label, split)]):
            log_model(
                model, name=_artifact_name(fold_name),
                registered_model_name=name if config.register else None,
            )  # fmt: skip
        if config.register:
            registered.append(name)
    return registered


def _log_tables(
    client: Any,
    parent: str,
    result: ComparisonResult,
    config: ExperimentConfig,
    cuts: dict[str, list[Fold]],
) -> None:
    """The comparison's tables, plots and experiment file as artifacts of ``parent``."""
    from radps_seq import tracking
    from radps_seq.experiments import plots
    from radps_seq.experiments.summary import to_markdown

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        files = [out / "comparison.csv", out / "comparison.md", out / "results.csv"]
        result.table.to_csv(files[0], index=False)
        files[1].write_text(to_markdown(result.table))
        result.results.to_csv(files[2], index=False)
        files.append(plots.ratio_plot(result.table, out / "makespan_ratio.png"))
        if result.bounds is not None and not result.bounds.empty:
            result.bounds.to_csv(out / "bounds.csv", index=False)
            files.append(out / "bounds.csv")
        if not result.sweep.empty:
            result.sweep.to_csv(out / "threshold_sweep.csv", index=False)
            files.append(out / "threshold_sweep.csv")
            files.append(plots.threshold_plot(result.sweep, out / "skip_threshold.png"))
        first = min(
            (i for f in cuts[config.splits[0].name] for i in f.test),
            key=lambda i: i.graph.number_of_nodes(),
        )
        files.append(plots.job_graph_plot(first.graph, out / "job_graph.png", first.name))
        files.append(Path(config.path))
        tracking.log_files(client, parent, files)


def _model_name(*parts: str) -> str:
    import re

    return "-".join(re.sub(r"[^A-Za-z0-9_.-]+", "_", p).strip("_") for p in parts if p)


def _artifact_name(fold: str) -> str:
    return _model_name("model", fold)
