"""Calling a workflow's own functions during derivation, as EDPS calls them.

Conditions receive :class:`JobParameters`, dynamic parameters the job's main input as
``List[ClassifiedFitsFile]``, job-processing hooks an EDPS :class:`Job` whose
``parameters.recipe_parameters``, ``input_files`` and ``associated_files`` they may
change; what a hook changed is read back into the derived job. Anything such a
function raises is reported with the workflow's ``file:line``, the task and the file
being evaluated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..cascade.edps_types import ClassifiedFitsFile, JobParameters
from ..cascade.edps_types import Job as EdpsJob
from ..cascade.where import traceback_location
from ..errors import RadpsError, WorkflowError
from .job import Job, JobInput


def call_workflow_function(
    function: Callable[[Any], Any],
    argument: Any,
    what: str,
    evaluating: str | None,
    task: str | None = None,
) -> Any:
    """``function(argument)``; a failure names the workflow line, task and file."""
    try:
        return function(argument)
    except RadpsError:
        raise
    except Exception as exc:  # the workflow's own code failed: say where
        name = getattr(function, "__name__", repr(function))
        where = traceback_location(exc.__traceback__, function)
        on = f" on {evaluating}" if evaluating else ""
        of = f"task {task!r}: " if task else ""
        raise WorkflowError(
            f"{where}: {of}{what} {name}() failed{on}: {type(exc).__name__}: {exc}"
        ) from exc


def classified(headers: Sequence[Any], categories: Mapping[str, str]) -> list[ClassifiedFitsFile]:
    """The EDPS view of headers, each with the category it has in the job."""
    return [ClassifiedFitsFile(h, categories.get(h.path)) for h in headers]


def process_job(
    job: Job,
    hooks: Sequence[Callable[[Any], Any]],
    headers: Mapping[str, Any],
    evaluating: str | None,
) -> None:
    """Run the task's job-processing hooks on an EDPS view of ``job``; read back what
    they changed (recipe parameters, main and associated input files)."""
    categories = {i.file: i.category for i in job.inputs if i.file}
    main = [headers[i.file] for i in job.inputs if i.slot == "main" and i.file in headers]
    other = [headers[i.file] for i in job.inputs if i.slot != "main" and i.file in headers]
    view = EdpsJob(
        task_name=job.task,
        command=job.recipe,
        input_files=classified(main, categories),
        associated_files=classified(other, categories),
        parameters=JobParameters(
            job.workflow_parameters, job.parameters, dynamic_parameters=job.dynamic_parameters
        ),
        setup=dict(job.setup),
    )
    for hook in hooks:
        call_workflow_function(hook, view, "job processing", evaluating, job.task)
    job.parameters = dict(view.parameters.recipe_parameters)
    job.inputs = _read_back(job.inputs, view.input_files, main=True)
    job.inputs = _read_back(job.inputs, view.associated_files, main=False)


def _read_back(inputs: list[JobInput], files: Sequence[Any], main: bool) -> list[JobInput]:
    kept = [getattr(f, "file_path", None) for f in files]
    wanted = set(kept)
    out = [i for i in inputs if not i.file or (i.slot == "main") != main or i.file in wanted]
    present = {i.file for i in out if i.file}
    for f, path in zip(files, kept, strict=True):
        if path and path not in present:
            category = getattr(f, "classification", None) or "UNKNOWN"
            out.append(JobInput(category, "main" if main else category, file=path))
            present.add(path)
    return out
