"""The ``edps`` module names that EDPS workflow packages import, lent while one loads.

An ESO workflow package starts with ``from edps import task, data_source, ...`` and
``from edps.generator.time_range import *``. To load such packages unchanged without
shipping (or shadowing) a real ``edps`` package, :func:`edps_modules` puts plain module
objects under those names into ``sys.modules`` for the duration of the import and then
puts back exactly what was there before, a real ``edps`` included.

The types EDPS functions are annotated with (``ClassifiedFitsFile``, ``RecipeInputs``,
...) only need to exist for the annotations to evaluate; they are protocols describing
what radps_seq passes, except ``JobParameters``, which is the engine's own class.
"""

from __future__ import annotations

import enum
import importlib.machinery
import sys
import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from ..derive.job_parameters import JobParameters
from . import time_range
from .data_source import DataSource, data_source
from .rules import classification_rule, match, match_rules
from .subworkflow import subworkflow
from .targets import CALCHECKER, IDP, QC0, QC1_CALIB, SCIENCE
from .task import FilterMode, Task, alternative_associated_inputs, task


class File(Protocol):
    """A file the engine hands to a rule or function: at least its path."""

    name: str


class FitsFile(File, Protocol):
    """A file with its normalised primary-header keywords (``f["dpr.catg"]``)."""

    def __getitem__(self, keyword: str) -> Any: ...

    def get(self, keyword: str, default: Any = None) -> Any: ...


class ClassifiedFitsFile(FitsFile, Protocol):
    """A FITS file with the classification tag it received."""

    classification: str


class Job(Protocol):
    """What a ``with_job_processing`` function receives."""


class RecipeInputs(Protocol):
    """Inputs of a Python task function (``with_function``)."""


class RecipeInvocationArguments(Protocol):
    """Arguments of a Python task function (``with_function``)."""


class RecipeInvocationResult(Protocol):
    """What a Python task function returns."""


class InvokerProvider(Protocol):
    """Gives a Python task function a way to call recipes."""


class ProductRenamer(Protocol):
    """Names the products of a Python task function."""


class ReportInput(enum.Enum):
    """What a report (``with_report``) is made from."""

    RECIPE_INPUTS = "recipe_inputs"
    RECIPE_INPUTS_OUTPUTS = "recipe_inputs_outputs"


def get_parameter(params: JobParameters, name: str, default: Any = None) -> Any:
    """EDPS helper: a workflow parameter of the job."""
    return params.get_workflow_param(name, default)


_TIME_RANGES = {name: getattr(time_range, name) for name in time_range.__all__}
_FILES = {"File": File, "FitsFile": FitsFile, "ClassifiedFitsFile": ClassifiedFitsFile}
_RECIPE_CALLS = {
    "RecipeInputs": RecipeInputs,
    "RecipeInvocationArguments": RecipeInvocationArguments,
    "RecipeInvocationResult": RecipeInvocationResult,
    "InvokerProvider": InvokerProvider,
    "ProductRenamer": ProductRenamer,
}
_BUILDERS = {
    "task": task,
    "data_source": data_source,
    "classification_rule": classification_rule,
    "match_rules": match_rules,
    "match": match,
    "subworkflow": subworkflow,
    "alternative_associated_inputs": alternative_associated_inputs,
    "FilterMode": FilterMode,
    "ReportInput": ReportInput,
    "Task": Task,
    "DataSource": DataSource,
    "SCIENCE": SCIENCE,
    "QC1_CALIB": QC1_CALIB,
    "QC0": QC0,
    "CALCHECKER": CALCHECKER,
    "IDP": IDP,
}

#: Module name -> the names it provides. Parents come before their submodules.
EDPS_MODULES: dict[str, dict[str, Any]] = {
    "edps": {
        **_BUILDERS,
        **_TIME_RANGES,
        **_FILES,
        **_RECIPE_CALLS,
        "Job": Job,
        "JobParameters": JobParameters,
        "get_parameter": get_parameter,
        "List": list,  # EDPS task functions annotate with List[...]
    },
    "edps.generator": {**_BUILDERS, **_TIME_RANGES},
    "edps.generator.time_range": _TIME_RANGES,
    "edps.generator.fits": _FILES,
    "edps.executor": {**_RECIPE_CALLS, "JobParameters": JobParameters},
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
    return module


@contextmanager
def edps_modules() -> Iterator[None]:
    """Provide the ``edps`` modules in ``sys.modules`` only inside the ``with`` block.

    Fresh module objects are made each time, so one workflow cannot leave state in
    them for the next. Whatever ``edps*`` entries existed before are restored
    untouched afterwards, and any the workflow created are removed. Holding a lock
    keeps two threads loading workflows from seeing each other's modules.
    """
    with _LOCK:
        saved = {name: module for name, module in sys.modules.items() if _is_edps(name)}
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
            for name in [n for n in sys.modules if _is_edps(n)]:
                del sys.modules[name]
            sys.modules.update(saved)


def provided_names(module: str = "edps") -> list[str]:
    """The names one of the lent modules provides (for error messages and docs)."""
    return sorted(EDPS_MODULES[module])
