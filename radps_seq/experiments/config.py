"""Experiment definitions: the YAML that ``radps-seq compare`` and ``tune`` read.

```yaml
name: wfcommons                # MLflow experiment name
root: ..                       # relative paths below are relative to this folder
                               # (itself relative to the YAML file; default: its folder)
data:                          # sources, see radps_seq.experiments.data
  - wfcommons:data/wfcommons/*.json
  - runlog:work
  - imaging: {nights: 6, size: 64, workdir: work/sim}   # simulated, reduced, logged
splits:                        # hold out whole groups, never random jobs
  - {name: larger-instances, largest_per: family}
  - {name: unseen-families, leave_one_out: family}
  - {name: night-3, test: {night: ["2024-01-03"]}}
sequencers:                    # registry names, or {name, label, params}
  - bfs
  - critical-path
  - {name: learned, label: learned-interactive, params: {objective: interactive}}
  # chosen per outer fold on validation folds of its training part (selection.py):
  - {name: learned, label: learned-tuned,
     params: {learning_rate: tuned, unseen_tasks: {validation: [mean, model]},
              skip_threshold: validation}}
  - oracle
workers: [auto, 4]             # k; auto = ceil(total work / critical path)
seeds: [0, 1, 2, 3, 4]
objective: makespan            # the planning context's objective
baseline: critical-path        # "never worse than" reference (a sequencer label)
thresholds: [0.5, 0.8, 0.9, 0.95, 0.99]   # skip-threshold sweep (cost vs safety plot)
bound: {time_limit_s: 5, workers: [auto]}  # CP-SAT best-known schedule per instance and k
register: true                 # register the learned models in the MLflow registry
tune:                          # radps-seq tune: search space and objective
  sequencer: learned
  split: larger-instances      # each outer fold's training part is cut into validation folds
  metric: ratio_lb             # or ratio_oracle, first_target_s
  max_changed: 0.01            # allowed share of target products changed by skips
  trials: 10                   # Optuna trials per outer fold for `tuned` parameters
  space:
    learning_rate: {low: 0.02, high: 0.3, log: true}
    max_iter: {low: 50, high: 400, int: true}
    skip_threshold: {low: 0.5, high: 0.999}
```

Parsing checks every field and names the file and the field that is wrong, so a typo
fails in the first second of an experiment instead of after an hour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from radps_seq.errors import InputError
from radps_seq.plan.base import OBJECTIVES

SPLIT_KINDS = ("leave_one_out", "largest_per", "test")
TUNE_METRICS = ("ratio_lb", "ratio_oracle", "first_target_s")

#: The learned sequencer's default search space for ``radps-seq tune``.
DEFAULT_SPACE: dict[str, dict[str, Any]] = {
    "learning_rate": {"low": 0.02, "high": 0.3, "log": True},
    "max_iter": {"low": 50, "high": 400, "int": True},
    "max_leaf_nodes": {"low": 7, "high": 63, "int": True},
    "min_samples_leaf": {"low": 2, "high": 40, "int": True},
    "l2_regularization": {"low": 1e-4, "high": 10.0, "log": True},
    "resolution": {"low": 0.0, "high": 0.5},
    "skip_threshold": {"low": 0.5, "high": 0.999},
    "skip_max_depth": {"low": 1, "high": 6, "int": True},
    "skip_min_samples_leaf": {"low": 3, "high": 40, "int": True},
}


class ConfigError(InputError):
    """An experiment file that cannot be used; the message names the file and field."""


@dataclass(frozen=True)
class SequencerSpec:
    """A sequencer to compare: registry ``name``, a ``label`` unique in the experiment
    (the MLflow parameter ``sequencer``), and its hyper-parameters."""

    name: str
    label: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SplitSpec:
    """How to cut instances into train and test: ``kind`` in :data:`SPLIT_KINDS`."""

    name: str
    kind: str
    key: str
    values: tuple[Any, ...] = ()


@dataclass(frozen=True)
class TuneSpec:
    sequencer: str
    split: str
    metric: str = "ratio_lb"
    max_changed: float = 0.01
    space: dict[str, dict[str, Any]] = field(default_factory=dict)
    trials: int = 10


@dataclass(frozen=True)
class BoundSpec:
    """Which k get a CP-SAT yardstick (workers labels as in ``workers``) and its time
    limit per instance."""

    time_limit_s: float = 5.0
    workers: tuple[str, ...] = ("auto",)


@dataclass
class ExperimentConfig:
    name: str
    path: Path
    root: Path
    data: list[str | dict[str, Any]]
    splits: list[SplitSpec]
    sequencers: list[SequencerSpec]
    workers: list[int | str] = field(default_factory=lambda: ["auto"])
    seeds: list[int] = field(default_factory=lambda: [0])
    objective: str = "makespan"
    baseline: str | None = None
    thresholds: list[float] = field(default_factory=list)
    register: bool = True
    tune: TuneSpec | None = None
    bound: BoundSpec | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    def resolve(self, path: str) -> str:
        """A data path as written in the file, resolved against ``root``."""
        p = Path(path)
        return str(p if p.is_absolute() else self.root / p)


def load_config(path: str | Path) -> ExperimentConfig:
    import yaml

    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read experiment file ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from exc
    return parse_config(doc, path)


def parse_config(doc: Any, path: Path) -> ExperimentConfig:
    where = str(path)

    def fail(field_name: str, message: str) -> ConfigError:
        return ConfigError(f"{where}: field {field_name!r}: {message}")

    if not isinstance(doc, dict):
        raise ConfigError(f"{where}: an experiment file is a YAML mapping")
    known = {
        "name", "description", "root", "data", "splits", "sequencers", "workers", "seeds",
        "objective", "baseline", "thresholds", "register", "tune", "bound",
    }  # fmt: skip
    unknown = sorted(set(doc) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {', '.join(map(repr, unknown))}")
    for required in ("name", "data", "splits", "sequencers"):
        if not doc.get(required):
            raise fail(required, "is required")
    name = doc["name"]
    if not isinstance(name, str):
        raise fail("name", "must be a string")
    root = (path.parent / str(doc.get("root", "."))).resolve()
    data = _list(doc["data"], "data", fail)
    for i, item in enumerate(data):
        if not isinstance(item, str | dict):
            raise fail(f"data[{i}]", "must be KIND:WHERE or a mapping such as {imaging: {...}}")
    sequencers = [
        _sequencer(s, i, fail) for i, s in enumerate(_list(doc["sequencers"], "sequencers", fail))
    ]
    labels = [s.label for s in sequencers]
    duplicates = sorted({x for x in labels if labels.count(x) > 1})
    if duplicates:
        raise fail("sequencers", f"label(s) {', '.join(duplicates)} used twice; add `label:`")
    splits = [_split(s, i, fail) for i, s in enumerate(_list(doc["splits"], "splits", fail))]
    workers = _list(doc.get("workers", ["auto"]), "workers", fail)
    for k in workers:
        if k != "auto" and not (isinstance(k, int) and not isinstance(k, bool) and k >= 1):
            raise fail("workers", f"each value is 'auto' or an integer >= 1, got {k!r}")
    seeds = _list(doc.get("seeds", [0]), "seeds", fail)
    if not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds):
        raise fail("seeds", "must be a list of integers")
    objective = doc.get("objective", "makespan")
    if objective not in OBJECTIVES:
        raise fail("objective", f"must be one of {', '.join(OBJECTIVES)}")
    baseline = doc.get("baseline")
    if baseline is not None and baseline not in labels:
        raise fail("baseline", f"{baseline!r} is not one of the sequencers ({', '.join(labels)})")
    thresholds = [float(t) for t in _list(doc.get("thresholds", []), "thresholds", fail)]
    tune = _tune(doc.get("tune"), labels, [s.name for s in splits], fail)
    if tune is not None:
        _check_space(tune, next(s.name for s in sequencers if s.label == tune.sequencer), fail)
    for i, spec in enumerate(sequencers):
        _check_choices(spec, tune, f"sequencers[{i}].params", fail)
    return ExperimentConfig(
        name=name,
        path=path,
        root=root,
        data=data,
        splits=splits,
        sequencers=sequencers,
        workers=workers,
        seeds=seeds,
        objective=objective,
        baseline=baseline,
        thresholds=thresholds,
        register=bool(doc.get("register", True)),
        tune=tune,
        bound=_bound(doc.get("bound"), workers, fail),
        raw=doc,
    )


def _list(value: Any, name: str, fail: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if value is None or isinstance(value, dict):
        raise fail(name, "must be a list")
    return [value]


def _sequencer(item: Any, i: int, fail: Any) -> SequencerSpec:
    from radps_seq.plan.sequencers import available_sequencers

    if isinstance(item, str):
        item = {"name": item}
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        raise fail(f"sequencers[{i}]", "must be a registry name or {name, label, params}")
    unknown = sorted(set(item) - {"name", "label", "params"})
    if unknown:
        raise fail(f"sequencers[{i}]", f"unknown key(s) {', '.join(unknown)}")
    if item["name"] not in available_sequencers():
        raise fail(
            f"sequencers[{i}]",
            f"unknown planner {item['name']!r}; available: {', '.join(available_sequencers())}",
        )
    params = item.get("params") or {}
    if not isinstance(params, dict):
        raise fail(f"sequencers[{i}].params", "must be a mapping")
    return SequencerSpec(item["name"], str(item.get("label") or item["name"]), dict(params))


def _split(item: Any, i: int, fail: Any) -> SplitSpec:
    where = f"splits[{i}]"
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        raise fail(where, f"must be a mapping with a name and one of {', '.join(SPLIT_KINDS)}")
    kinds = [k for k in SPLIT_KINDS if k in item]
    unknown = sorted(set(item) - {"name", *SPLIT_KINDS})
    if len(kinds) != 1 or unknown:
        raise fail(where, f"give exactly one of {', '.join(SPLIT_KINDS)} (besides name)")
    kind = kinds[0]
    if kind == "test":
        spec = item["test"]
        if not isinstance(spec, dict) or len(spec) != 1:
            raise fail(f"{where}.test", "must map one group key to the held-out values")
        ((key, values),) = spec.items()
        values = values if isinstance(values, list) else [values]
        return SplitSpec(item["name"], kind, str(key), tuple(values))
    if not isinstance(item[kind], str):
        raise fail(f"{where}.{kind}", "must name a group key such as family or night")
    return SplitSpec(item["name"], kind, item[kind])


def _tune(item: Any, labels: list[str], splits: list[str], fail: Any) -> TuneSpec | None:
    if item is None:
        return None
    if not isinstance(item, dict):
        raise fail("tune", "must be a mapping")
    unknown = sorted(set(item) - {"sequencer", "split", "metric", "max_changed", "space", "trials"})
    if unknown:
        raise fail("tune", f"unknown key(s) {', '.join(unknown)}")
    sequencer = item.get("sequencer", "learned")
    if sequencer not in labels:
        raise fail("tune.sequencer", f"{sequencer!r} is not one of the sequencers")
    split = item.get("split", splits[0])
    if split not in splits:
        raise fail("tune.split", f"{split!r} is not one of the splits ({', '.join(splits)})")
    metric = item.get("metric", "ratio_lb")
    if metric not in TUNE_METRICS:
        raise fail("tune.metric", f"must be one of {', '.join(TUNE_METRICS)}")
    space = item.get("space") or DEFAULT_SPACE
    if not isinstance(space, dict):
        raise fail("tune.space", "must map parameter names to {low, high[, log, int]}")
    for param, bounds in space.items():
        if (
            not isinstance(bounds, dict)
            or not {"low", "high"} <= set(bounds)
            or not set(bounds) <= {"low", "high", "log", "int"}
        ):
            raise fail(f"tune.space.{param}", "must be {low, high} with optional log/int")
    trials = item.get("trials", 10)
    if not isinstance(trials, int) or isinstance(trials, bool) or trials < 1:
        raise fail("tune.trials", f"must be an integer >= 1, got {trials!r}")
    return TuneSpec(
        sequencer, split, metric, float(item.get("max_changed", 0.01)), dict(space), trials
    )


def _bound(item: Any, workers: list[Any], fail: Any) -> BoundSpec | None:
    if item is None:
        return None
    if not isinstance(item, dict) or set(item) - {"time_limit_s", "workers"}:
        raise fail("bound", "must be {time_limit_s: SECONDS, workers: [k, ...]}")
    limit = item.get("time_limit_s", 5.0)
    if isinstance(limit, bool) or not isinstance(limit, int | float) or limit <= 0:
        raise fail("bound.time_limit_s", f"must be a positive number of seconds, got {limit!r}")
    ks = [str(k) for k in _list(item.get("workers", ["auto"]), "bound.workers", fail)]
    unknown = sorted(set(ks) - {str(k) for k in workers})
    if unknown:
        raise fail("bound.workers", f"{', '.join(unknown)} not among the experiment's workers")
    return BoundSpec(float(limit), tuple(ks))


def _check_choices(spec: SequencerSpec, tune: TuneSpec | None, where: str, fail: Any) -> None:
    """A parameter chosen on validation folds (``tuned``, ``{validation: [...]}``) must
    have a range to search or candidates to try."""
    ranges = tune.space if tune is not None else {}
    for name, value in spec.params.items():
        if value == "tuned" and name not in ranges and name not in DEFAULT_SPACE:
            raise fail(f"{where}.{name}", "is `tuned` but has no range: add it to tune.space")
        if isinstance(value, dict) and "validation" in value:
            choices = value["validation"]
            if set(value) != {"validation"} or not isinstance(choices, list) or not choices:
                raise fail(f"{where}.{name}", "candidates are written {validation: [a, b, ...]}")


def _check_space(tune: TuneSpec, sequencer: str, fail: Any) -> None:
    """Every searched name must be a hyper-parameter of the tuned sequencer: a typo
    would otherwise fail every trial inside Optuna (and be saved in the study)."""
    import inspect

    from radps_seq.plan.sequencers import sequencer_class

    accepted = set(inspect.signature(sequencer_class(sequencer).__init__).parameters) - {"self"}
    for param in tune.space:
        if param not in accepted:
            raise fail(
                f"tune.space.{param}",
                f"is not a hyper-parameter of {sequencer!r}; choose from {', '.join(sorted(accepted))}",
            )
