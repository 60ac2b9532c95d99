"""Executors: the protocol in :mod:`._base`, one module per implementation.

``local`` runs jobs on a thread pool (each job's recipe in its own child process);
``dask`` submits them to a ``distributed`` cluster. Both run
:func:`~radps_seq.execute.runner.process_job`, so they give the same products and
statuses; an implementation module is imported only when it is used.
"""

from __future__ import annotations

from importlib import import_module

from radps_seq.errors import RadpsError

from ._base import BaseExecutor, OnDone, OnStart, Priorities, Replan

_IMPLEMENTATIONS = {
    "local": "radps_seq.execute.executors.local:LocalExecutor",
    "dask": "radps_seq.execute.executors.dask:DaskExecutor",
}
#: The names ``--executor`` accepts.
EXECUTORS = tuple(_IMPLEMENTATIONS)


def get_executor(name: str, workers: int = 1, scheduler: str | None = None) -> BaseExecutor:
    """The executor called ``name`` for ``workers`` workers (``scheduler``: a Dask address)."""
    if name not in _IMPLEMENTATIONS:
        raise RadpsError(f"unknown executor {name!r}; choose one of {', '.join(EXECUTORS)}")
    module, cls = _IMPLEMENTATIONS[name].split(":")
    executor = getattr(import_module(module), cls)
    return executor(workers, scheduler)


__all__ = [
    "EXECUTORS",
    "BaseExecutor",
    "OnDone",
    "OnStart",
    "Priorities",
    "Replan",
    "get_executor",
]
