"""The sequencer registry: ``--planner NAME`` resolves here.

Entries are ``"module:Class"`` strings imported on first use, so listing planners (and
``radps-seq --help``) never imports a heavy learned model. A new sequencer is one module
in this package plus one line in ``_REGISTRY`` (or a :func:`register_sequencer` call from
outside); the shared contract test runs over every name listed here.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from radps_seq.errors import RadpsError
from radps_seq.plan.base import Sequencer

_REGISTRY: dict[str, str | type] = {
    "dfs": "radps_seq.plan.sequencers.dfs:DepthFirstSequencer",
    "bfs": "radps_seq.plan.sequencers.bfs:BreadthFirstSequencer",
    "type": "radps_seq.plan.sequencers.by_type:TaskTypeSequencer",
    "dynamic": "radps_seq.plan.sequencers.dynamic:DynamicSequencer",
    "random": "radps_seq.plan.sequencers.random_order:RandomSequencer",
    "critical-path": "radps_seq.plan.sequencers.critical_path:CriticalPathSequencer",
    "oracle": "radps_seq.plan.sequencers.oracle:OracleSequencer",
    "learned": "radps_seq.plan.sequencers.learned:ReplanningLearnedSequencer",
    "learned-static": "radps_seq.plan.sequencers.learned:LearnedSequencer",
    "qlearning": "radps_seq.plan.sequencers.qlearning:QLearningSequencer",
}


def register_sequencer(name: str, target: str | type) -> None:
    """Make ``target`` (a class or a ``"module:Class"`` path) available as ``name``."""
    _REGISTRY[name] = target


def available_sequencers() -> list[str]:
    return sorted(_REGISTRY)


def sequencer_class(name: str) -> type:
    """The class registered as ``name``; unknown names list the known ones."""
    try:
        target = _REGISTRY[name]
    except KeyError:
        raise RadpsError(
            f"unknown planner {name!r}; available: {', '.join(available_sequencers())}"
        ) from None
    if isinstance(target, str):
        module, _, attr = target.partition(":")
        target = getattr(import_module(module), attr)
    return target


def get_sequencer(name: str, **params: Any) -> Sequencer:
    """A new, unfitted sequencer ``name`` built with hyper-parameters ``params``."""
    cls = sequencer_class(name)
    try:
        return cls(**params)
    except TypeError as exc:
        raise RadpsError(f"planner {name!r}: bad parameters {params!r} ({exc})") from exc
