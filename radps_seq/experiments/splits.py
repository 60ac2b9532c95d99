"""Train/test folds that hold out whole groups — nights, instrument modes, trace
families, the largest instances — never random jobs of a run the model trained on
(DESIGN.md 6): jobs of one reduction share a sky, a setup and a machine, so a random job
split measures memory, not prediction.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from radps_seq.experiments.config import SplitSpec
from radps_seq.experiments.data import Instance


@dataclass
class Fold:
    """One train/test cut of a split; ``name`` says what is held out."""

    split: str
    name: str
    train: list[Instance]
    test: list[Instance]


def group_value(instance: Instance, key: str) -> Any:
    """``key`` of an instance: its meta (``family``, ``night``, ``size``, ``name``, ...),
    else the most common value of that feature over its target jobs (an instrument mode
    such as ``ins.mode`` or ``filter``), else None."""
    if instance.meta.get(key) is not None:
        return instance.meta[key]
    graph = instance.graph
    values = Counter(
        attrs.get("features", {}).get(key)
        for _, attrs in graph.nodes(data=True)
        if attrs.get("target", False) and attrs.get("features", {}).get(key) is not None
    )
    return values.most_common(1)[0][0] if values else None


def folds(spec: SplitSpec, instances: list[Instance]) -> list[Fold]:
    """The folds of ``spec`` over ``instances`` (folds with an empty side are dropped).

    - ``leave_one_out: KEY``: one fold per value of KEY, that value held out;
    - ``largest_per: KEY``: one fold holding out the largest instance of every KEY group
      (ties: all of them), trained on the smaller rest — "larger than any trained on";
    - ``test: {KEY: [values]}``: one fold holding out those values.
    """
    key = spec.key
    value = {id(inst): group_value(inst, key) for inst in instances}
    cuts: list[tuple[str, set[int]]] = []
    if spec.kind == "leave_one_out":
        for v in sorted({value[id(i)] for i in instances}, key=str):
            cuts.append((f"{key}={v}", {id(i) for i in instances if value[id(i)] == v}))
    elif spec.kind == "largest_per":
        largest: dict[Any, int] = {}
        for inst in instances:
            g = value[id(inst)]
            largest[g] = max(largest.get(g, 0), _size(inst))
        held = {id(i) for i in instances if _size(i) == largest[value[id(i)]]}
        cuts.append((f"largest per {key}", held))
    else:
        wanted = {str(v) for v in spec.values}
        cuts.append(
            (
                f"{key} in {sorted(wanted)}",
                {id(i) for i in instances if str(value[id(i)]) in wanted},
            )
        )
    out = []
    for name, held in cuts:
        test = [i for i in instances if id(i) in held]
        train = [i for i in instances if id(i) not in held]
        if test and train:
            out.append(Fold(spec.name, name, train, test))
    return out


def for_seed(fold: Fold, seed: int) -> Fold | None:
    """The fold as seen by one experiment seed: instances generated for another seed
    (``meta['seed']``, e.g. simulated nights) are left out; shared data (no seed) stays.
    None when a side becomes empty."""

    def keep(inst: Instance) -> bool:
        return inst.meta.get("seed") in (None, seed)

    train = [i for i in fold.train if keep(i)]
    test = [i for i in fold.test if keep(i)]
    return Fold(fold.split, fold.name, train, test) if train and test else None


def validation_folds(spec: SplitSpec, train: list[Instance]) -> list[Fold]:
    """Folds *inside* a training set, for tuning: the split's own rule applied to the
    training instances, or leave-one-instance-out when that rule has nothing to cut
    (e.g. a single family left). The test instances are never looked at."""
    inner = folds(spec, train)
    if inner:
        return inner
    return folds(SplitSpec(spec.name, "leave_one_out", "name"), train)


def _size(instance: Instance) -> int:
    return int(instance.meta.get("size") or instance.graph.number_of_nodes())
