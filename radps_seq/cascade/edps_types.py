"""What EDPS hands to workflow functions, as real classes with the EDPS attributes.

Rules, conditions, dynamic parameters and job-processing hooks of an EDPS workflow
are written against these types (``def which_filter(files: List[ClassifiedFitsFile])``,
``def hook(job: Job)``). They belong to the DSL, not to the engine: the engine builds
them around its own headers and jobs and reads back what a hook changed.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def _keyword(name: str) -> str:
    """EDPS spelling of a keyword: ``'HIERARCH ESO DPR CATG'`` -> ``'dpr.catg'``."""
    words = name.split()
    for prefix in ("HIERARCH", "ESO"):
        if len(words) > 1 and words[0].upper() == prefix:
            words = words[1:]
    return ".".join(words).lower()


class File:
    """A file the engine hands to a workflow function: at least its path."""

    def __init__(self, file_path: str) -> None:
        self.file_path = file_path

    @property
    def name(self) -> str:
        return os.path.basename(self.file_path)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.file_path!r})"


class FitsFile(File):
    """A FITS file and its primary-header keywords; ``f[kw]`` is None when absent."""

    def __init__(self, header: Any) -> None:
        super().__init__(getattr(header, "path", ""))
        self.header = header
        self.keywords: Mapping[str, Any] = getattr(header, "keywords", header)

    def get_keyword_value(self, keyword: str, default: Any = None) -> Any:
        value = self.keywords.get(keyword)
        if value is None and keyword not in self.keywords:
            value = self.keywords.get(_keyword(keyword), default)
        return value

    def get(self, keyword: str, default: Any = None) -> Any:
        return self.get_keyword_value(keyword, default)

    def __getitem__(self, keyword: str) -> Any:
        return self.get_keyword_value(keyword)

    def __contains__(self, keyword: str) -> bool:
        return keyword in self.keywords or _keyword(keyword) in self.keywords


class ClassifiedFitsFile(FitsFile):
    """A FITS file with the classification tag it received."""

    def __init__(self, header: Any, classification: str | None = None) -> None:
        super().__init__(header)
        self.classification = classification


class JobParameters:
    """What conditions receive: workflow, recipe and dynamic parameters of one job.

    radps_seq adds read access to the trigger's header keywords
    (``params.get_keyword(kw)``), so a condition can depend on the data.
    """

    def __init__(
        self,
        workflow_parameters: Mapping[str, Any],
        recipe_parameters: Mapping[str, Any] | None = None,
        trigger: Any = None,
        files: list[Any] | None = None,
        dynamic_parameters: Mapping[str, Any] | None = None,
    ) -> None:
        self.workflow_parameters = dict(workflow_parameters)
        self.recipe_parameters = dict(recipe_parameters or {})
        self.dynamic_parameters = dict(dynamic_parameters or {})
        self.trigger = trigger
        self.files = list(files or [])

    def get_workflow_param(self, name: str, default: Any = None) -> Any:
        if name in self.workflow_parameters:
            return self.workflow_parameters[name]
        return self.dynamic_parameters.get(name, default)

    def get_recipe_param(self, name: str, default: Any = None) -> Any:
        return self.recipe_parameters.get(name, default)

    def get_dynamic_param(self, name: str, default: Any = None) -> Any:
        return self.dynamic_parameters.get(name, default)

    def get_workflow_parameters(self) -> dict[str, Any]:
        return dict(self.workflow_parameters)

    def get_recipe_parameters(self) -> dict[str, Any]:
        return dict(self.recipe_parameters)

    def get_keyword(self, keyword: str, default: Any = None) -> Any:
        """A header keyword of the job's trigger frame (None outside a job)."""
        if self.trigger is None:
            return default
        return self.trigger.get(keyword.lower(), default)


def get_parameter(params: JobParameters, name: str, default: Any = None) -> Any:
    """EDPS helper: a dynamic parameter of the job, else a workflow parameter."""
    if isinstance(params, JobParameters) and name in params.dynamic_parameters:
        return params.dynamic_parameters[name]
    return params.get_workflow_param(name, default)


@dataclass
class Job:
    """What a ``with_job_processing`` hook receives; it may change
    ``parameters.recipe_parameters``, ``input_files`` and ``associated_files``."""

    task_name: str
    command: str | None
    input_files: list[ClassifiedFitsFile]
    associated_files: list[ClassifiedFitsFile]
    parameters: JobParameters
    setup: dict[str, Any] = field(default_factory=dict)


class ReportInput(enum.Enum):
    """What a report (``with_report``) is made from."""

    RECIPE_INPUTS = "recipe_inputs"
    RECIPE_INPUTS_OUTPUTS = "recipe_inputs_outputs"
    RECIPE_OUTPUTS = "recipe_outputs"


class TaskType(enum.Enum):
    """What a task runs (``Task.task_type``)."""

    RECIPE = "recipe"
    FUNCTION = "function"
    PLACEHOLDER = "placeholder"


@dataclass
class RecipeInputs:
    """Inputs of a Python task function: main and associated files."""

    main_upstream_inputs: list[File] = field(default_factory=list)
    associated_upstream_inputs: list[File] = field(default_factory=list)

    @property
    def combined(self) -> list[File]:
        return [*self.main_upstream_inputs, *self.associated_upstream_inputs]


@dataclass
class RecipeInvocationArguments:
    """Arguments of a Python task function (``with_function``)."""

    inputs: RecipeInputs
    parameters: dict[str, Any] = field(default_factory=dict)
    job_dir: str = ""
    input_map: dict[str, str] = field(default_factory=dict)


@dataclass
class RecipeInvocationResult:
    """What a Python task function returns: its exit code and output files."""

    return_code: int = 0
    output_files: list[File] = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""


class InvokerProvider:
    """Gives a Python task function a way to call recipes (none in radps_seq: the
    engine runs recipes itself, so a task function gets no invoker)."""

    def get_invoker(self) -> None:
        return None


class ProductRenamer:
    """Names the products of a Python task function: the identity in radps_seq."""

    def rename(self, file: File) -> File:
        return file
