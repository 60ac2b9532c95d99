"""The ``edps`` module names that EDPS workflow packages import, lent while one loads.

An ESO workflow package starts with ``from edps import task, data_source, ...`` and
``from edps.generator.time_range import *``. To load such packages unchanged without
shipping (or shadowing) a real ``edps`` package, :func:`edps_modules` puts plain module
objects under those names into ``sys.modules`` for the duration of the import and then
puts back exactly what was there before, a real ``edps`` included.

The types EDPS functions are annotated with (``ClassifiedFitsFile``, ``Job``, ...) are
the real classes of :mod:`.edps_types`. A name EDPS has and radps_seq does not is
reported as ``not supported yet: edps.NAME (file:line)``.
"""

from __future__ import annotations

import importlib.machinery
import sys
import threading
import types
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from . import edps_types, time_range
from .data_source import DataSource, data_source
from .rules import classification_rule, match, match_rules
from .subworkflow import subworkflow
from .targets import META_TARGET_NAMES
from .task import (
    FilterMode,
    Task,
    alternative_associated_inputs,
    alternative_association,
    associated_input,
    task,
)
from .where import NotSupportedYet, caller_location

_TIME_RANGES = {name: getattr(time_range, name) for name in time_range.__all__}
_FILES = {
    "File": edps_types.File,
    "FitsFile": edps_types.FitsFile,
    "ClassifiedFitsFile": edps_types.ClassifiedFitsFile,
}
_RECIPE_CALLS = {
    name: getattr(edps_types, name)
    for name in (
        "RecipeInputs", "RecipeInvocationArguments", "RecipeInvocationResult",
        "InvokerProvider", "ProductRenamer",
    )
}
_BUILDERS = {
    "task": task,
    "data_source": data_source,
    "classification_rule": classification_rule,
    "match_rules": match_rules,
    "match": match,
    "subworkflow": subworkflow,
    "alternative_associated_inputs": alternative_associated_inputs,
    "alternative_association": alternative_association,
    "associated_input": associated_input,
    "FilterMode": FilterMode,
    "ReportInput": edps_types.ReportInput,
    **META_TARGET_NAMES,
}
_PARAMETERS = {
    "JobParameters": edps_types.JobParameters,
    "get_parameter": edps_types.get_parameter,
    "Job": edps_types.Job,
}
_INSPECTION = {"Task": Task, "DataSource": DataSource, "TaskType": edps_types.TaskType}

#: Module name -> the names it provides. Parents come before their submodules.
EDPS_MODULES: dict[str, dict[str, Any]] = {
    "edps": {
        **_BUILDERS,
        **_TIME_RANGES,
        **_FILES,
        **_RECIPE_CALLS,
        **_PARAMETERS,
        **_INSPECTION,
        "List": typing.List,  # noqa: UP006 - EDPS task functions annotate with List[...]
    },
    "edps.generator": {**_BUILDERS, **_TIME_RANGES},
    "edps.generator.time_range": _TIME_RANGES,
    "edps.generator.task": _INSPECTION,
    "edps.generator.fits": _FILES,
    "edps.client": {**_FILES, **_PARAMETERS},
    "edps.executor": {**_RECIPE_CALLS, **_PARAMETERS},
    "edps.executor.recipe": _RECIPE_CALLS,
}

_LOCK = threading.RLock()


def _is_edps(name: str) -> bool:
    return name == "edps" or name.startswith("edps.")


def _new_module(name: str, names: dict[str, Any]) -> types.ModuleType:
    module = types.ModuleType(name, "EDPS names provided by radps_seq while a workflow loads.")
    module.__spec__ = importlib.machinery.ModuleSpec(name, None, is_package=True)
    module.__path__ = []  # a package, so an unknown submodule is a plain ModuleNotFoundError
    module.__dict__.update(names)
    module.__all__ = sorted(names)

    def __getattr__(attribute: str) -> Any:  # noqa: N807 - the module hook
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        raise NotSupportedYet(f"{name}.{attribute}", caller_location())

    module.__getattr__ = __getattr__  # type: ignore[attr-defined]
    return module


@contextmanager
def edps_modules() -> Iterator[None]:
    """Provide the ``edps`` modules in ``sys.modules`` only inside the ``with`` block.

    Fresh module objects are made each time, so one workflow cannot leave state in
    them for the next. Whatever ``edps*`` entries existed before are restored
    untouched afterwards, and any the workflow created are removed. Holding a lock
    keeps two threads loading workflows from seeing each other's modules; imports in
    other threads go on meanwhile, so ``sys.modules`` is walked as a copy (a dict that
    grows while a loop walks it raises RuntimeError).
    """
    with _LOCK:
        saved = {name: module for name, module in sys.modules.copy().items() if _is_edps(name)}
        for name in saved:
            del sys.modules[name]
        for name, names in EDPS_MODULES.items():
            module = _new_module(name, names)
            sys.modules[name] = module
            parent, _, child = name.rpartition(".")
            if parent:
                setattr(sys.modules[parent], child, module)
        try:
            yield
        finally:
            for name in [n for n in sys.modules.copy() if _is_edps(n)]:
                del sys.modules[name]
            sys.modules.update(saved)


def provided_names(module: str = "edps") -> list[str]:
    """The names one of the lent modules provides (for error messages and docs)."""
    return sorted(EDPS_MODULES[module])
