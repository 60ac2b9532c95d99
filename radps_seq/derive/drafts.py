"""Drafting jobs: from classified frames and the cascade to the jobs a target needs.

Jobs are drafted per task on demand (a task's jobs are only derived when a target
needs them): grouping makes one draft per group of main-input frames (or upstream
jobs), the association search (:mod:`.associate`) fills its inputs, the workflow's
hooks run, and the finished :class:`~.job.Job` gets its content-hash id.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..cascade import AssociatedInput, DataSource, Task, Workflow
from ..cascade.task import Alternatives
from ..cascade.time_range import night_of
from .associate import JOB, MASTER, RAW_PER_QUALITY_LEVEL, AssociationSearch, Resolution
from .classify import Classification
from .group import MJD, Grouping, frame_order, group_frames, hashable, resolve_keywords
from .hooks import call_workflow_function, classified, process_job
from .job import Job, JobInput
from .job_parameters import JobParameters
from .products import handed_on, product_categories


@dataclass
class Draft:
    """A job under construction, with direct links to the drafts it reads from."""

    task: Task
    trigger: Any
    main_frames: tuple[Any, ...] = ()
    main_parents: tuple[Draft, ...] = ()
    inputs: list[JobInput] = field(default_factory=list)
    parents: dict[str, Draft] = field(default_factory=dict)
    #: Upstream job id -> the input slot it fills (edges keep it even when an input
    #: filter leaves the job out of the SOF).
    parent_slots: dict[str, str] = field(default_factory=dict)
    #: Path -> header of every on-disk file in the job (for job-processing hooks).
    headers: dict[str, Any] = field(default_factory=dict)
    slots: dict[str, dict[str, int]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    level: float = 0
    job: Job | None = None

    @property
    def complete(self) -> bool:
        return not self.missing


@dataclass
class SmallGroup:
    task: str
    file: str
    missing: list[str]


class Deriver:
    """Derives the drafts of every task it is asked about, memoised per task."""

    def __init__(
        self,
        workflow: Workflow,
        classification: Classification,
        parameters: Any,
        association_preference: str = RAW_PER_QUALITY_LEVEL,
    ) -> None:
        self.workflow = workflow
        self.classification = classification
        self.parameters = parameters
        self.workflow_parameters = dict(parameters.workflow_parameters)
        self.search = AssociationSearch(
            workflow, classification, self.workflow_parameters, association_preference,
            drafts_of=self.drafts, frames_of=self.frames_of,
        )
        self.small_groups: list[SmallGroup] = []
        self._drafts: dict[str, list[Draft]] = {}
        self._shared_parameters: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
        self._product_lists: dict[str, list[str]] = {}
        self._setup: dict[str, list[str]] = {}
        self.identities = {
            h.path: h.identity
            for frames in (*classification.by_tag.values(), *classification.masters.values())
            for h in frames
        }

    # -- per task -----------------------------------------------------------------
    def drafts(self, task: Task) -> list[Draft]:
        cached = self._drafts.get(task.name)
        if cached is not None:
            return cached
        drafts: list[Draft] = []
        if isinstance(task.main_input, DataSource):
            source = task.main_input
            tag_of = None
            if len(source.classification_rules) > 1:
                tags = source.tags
                tag_of = lambda frame: self._category(frame, tags)  # noqa: E731
            groups, small = group_frames(
                self.frames_of(source), source, self.workflow_parameters,
                Grouping.of(source, task), tag_of,
            )
            for group in small:
                self.small_groups.append(
                    SmallGroup(
                        task.name,
                        group.trigger.path,
                        [
                            f"{source.name}: at least {Grouping.of(source, task).min_group_size} "
                            "files per group, "
                            f"found {len(group.frames)}"
                        ],
                    )
                )
            for group in groups:
                draft = self._draft(task, group.trigger, main_frames=group.frames)
                if draft is not None:
                    drafts.append(draft)
        else:
            upstream = self.drafts(task.main_input)
            for members in self._group_upstream(task, upstream):
                draft = self._draft(task, members[0].trigger, main_parents=tuple(members))
                if draft is not None:
                    drafts.append(draft)
        self._drafts[task.name] = drafts
        return drafts

    def _group_upstream(self, task: Task, upstream: list[Draft]) -> list[list[Draft]]:
        if not task.grouping_keywords:
            return [[d] for d in upstream]
        keywords = resolve_keywords(
            task.grouping_keywords, self.workflow_parameters, f"task {task.name!r}"
        )
        buckets: dict[tuple, list[Draft]] = {}
        for draft in upstream:
            key = tuple(hashable(draft.trigger.get(k)) for k in keywords)
            buckets.setdefault(key, []).append(draft)
        return [sorted(members, key=lambda d: frame_order(d.trigger)) for members in buckets.values()]

    def frames_of(self, source: DataSource) -> list[Any]:
        seen: dict[str, Any] = {}
        for tag in source.tags:
            for frame in self.classification.by_tag.get(tag, ()):
                seen.setdefault(frame.identity, frame)
        return list(seen.values())

    # -- one job ----------------------------------------------------------------
    def _draft(
        self,
        task: Task,
        trigger: Any,
        main_frames: Sequence[Any] = (),
        main_parents: tuple[Draft, ...] = (),
    ) -> Draft | None:
        # Jobs share one parameter dict per task unless something may change it per job:
        # fewer objects to build, hash and store.
        workflow_parameters, recipe_parameters = self._task_parameters(task)
        files = list(main_frames) or [p.trigger for p in main_parents]
        params = JobParameters(workflow_parameters, recipe_parameters, trigger, files)
        if task.condition is not None and not self._call(task.condition, params, task, "condition", trigger):
            return None
        dynamic: dict[str, Any] = {}
        if task.dynamic_parameters:
            tags = _main_tags(task)
            views = classified(files, {f.path: self._category(f, tags) for f in files})
            dynamic = {
                name: self._call(fn, views, task, f"dynamic parameter {name!r}", trigger)
                for name, fn in task.dynamic_parameters.items()
            }
            params = JobParameters(workflow_parameters, recipe_parameters, trigger, files, dynamic)
        draft = Draft(task=task, trigger=trigger, main_frames=tuple(main_frames), main_parents=main_parents)
        self._main_inputs(draft)
        for item in task.associated_inputs:
            self._associate(draft, item, params)
        for alternatives in task.alternatives:
            self._associate_alternatives(draft, alternatives, params)
        draft.job = self._job(draft, recipe_parameters, workflow_parameters, dynamic)
        return draft

    def _setup_keywords(
        self, task: Task, workflow_parameters: dict[str, Any], per_job: bool
    ) -> list[str]:
        """The root data source's setup and grouping keywords ($names resolved)."""
        cached = None if per_job else self._setup.get(task.name)
        if cached is None:
            source: Any = task.main_input
            while isinstance(source, Task):
                source = source.main_input
            cached = resolve_keywords(
                source.setup_keywords + source.grouping_keywords,
                workflow_parameters,
                f"data source {source.name!r}",
            )
            if not per_job:
                self._setup[task.name] = cached
        return cached

    def _products(self, task: Task) -> list[str]:
        products = self._product_lists.get(task.name)
        if products is None:
            products = self._product_lists[task.name] = product_categories(self.workflow, task)
        return products

    def _task_parameters(self, task: Task) -> tuple[dict[str, Any], dict[str, Any]]:
        if task.job_processing:
            return dict(self.workflow_parameters), dict(self.parameters.for_task(task.name))
        shared = self._shared_parameters.get(task.name)
        if shared is None:
            shared = (self.workflow_parameters, dict(self.parameters.for_task(task.name)))
            self._shared_parameters[task.name] = shared
        return shared

    def _main_inputs(self, draft: Draft) -> None:
        task = draft.task
        if isinstance(task.main_input, DataSource):
            tags = task.main_input.tags
            for frame in draft.main_frames:
                draft.inputs.append(JobInput(self._category(frame, tags), "main", file=frame.path))
                draft.headers[frame.path] = frame
            draft.slots["main"] = {"min_ret": 1, "files": len(draft.main_frames)}
            return
        upstream = task.main_input
        categories = handed_on(
            upstream, task.main_categories or product_categories(self.workflow, upstream)
        )
        for parent in draft.main_parents:
            if not parent.complete:
                draft.missing.append(
                    f"{parent.task.name}: upstream job {parent.job.id} is incomplete"
                )
            draft.parents.setdefault(parent.job.id, parent)
            draft.parent_slots.setdefault(parent.job.id, "main")
            for category in categories:
                draft.inputs.append(JobInput(category, "main", job=parent.job.id))
        draft.slots["main"] = {"min_ret": 1, "files": 0}

    def _category(self, frame: Any, tags: Sequence[str]) -> str:
        own = self.classification.tags.get(frame.path, ())
        for tag in tags:
            if tag in own:
                return tag
        return frame.get("pro.catg") or (tags[0] if tags else "UNKNOWN")

    def _associate(self, draft: Draft, item: AssociatedInput, params: JobParameters) -> None:
        if not self._wanted(item, params, draft.task):
            return
        resolution = self.search.resolve(item, draft.trigger, draft.task)
        self._record(draft, item.label, item, resolution)

    def _associate_alternatives(
        self, draft: Draft, alternatives: Alternatives, params: JobParameters
    ) -> None:
        options: list[tuple[AssociatedInput, Resolution]] = []
        for item in alternatives.inputs:
            if self._wanted(item, params, draft.task):
                resolution = self.search.resolve(item, draft.trigger, draft.task)
                if resolution.chosen and resolution.satisfied:
                    options.append((item, resolution))
        label = alternatives.label
        if not options:
            if alternatives.min_ret > 0 and any(
                self._wanted(i, params, draft.task) for i in alternatives.inputs
            ):
                names = " or ".join(i.source.name for i in alternatives.inputs)
                draft.missing.append(f"{label} (none of the alternatives matched: {names})")
            draft.slots[label] = {"min_ret": alternatives.min_ret, "files": 0}
            return
        if alternatives.sort_keys:
            keys = alternatives.sort_keys
            position = {id(item): n for n, (item, _) in enumerate(options)}
            item, resolution = min(
                options,
                key=lambda o: (_closeness(draft.trigger, o[1].chosen[0].header, keys), position[id(o[0])]),
            )
        else:
            item, resolution = options[0]
        self._record(draft, label, item, resolution)

    def _wanted(self, item: AssociatedInput, params: JobParameters, task: Task) -> bool:
        trigger = params.trigger
        if item.condition is not None and not self._call(
            item.condition, params, task, f"condition of input {item.label!r}", trigger
        ):
            return False
        upstream = item.source
        if isinstance(upstream, Task) and upstream.condition is not None:
            return bool(self._call(upstream.condition, params, upstream, "condition", trigger))
        return True

    def _record(self, draft: Draft, slot: str, item: AssociatedInput, resolution: Resolution) -> None:
        files = 0
        for candidate in resolution.chosen:
            if candidate.kind == JOB:
                parent: Draft = candidate.payload
                draft.parents.setdefault(parent.job.id, parent)
                draft.parent_slots.setdefault(parent.job.id, slot)
                categories = handed_on(
                    parent.task, item.categories or product_categories(self.workflow, parent.task)
                )
                for category in categories:
                    draft.inputs.append(JobInput(category, slot, job=parent.job.id))
            else:
                files += 1
                header = candidate.header
                tags = item.source.tags if isinstance(item.source, DataSource) else item.categories or ()
                category = (
                    header.get("pro.catg") if candidate.kind == MASTER else self._category(header, tags)
                )
                draft.inputs.append(JobInput(category, slot, file=header.path))
                draft.headers[header.path] = header
        draft.slots[slot] = {"min_ret": item.min_ret, "files": files}
        if resolution.chosen:
            draft.level = max(draft.level, resolution.level)
        if not resolution.satisfied:
            found = len(resolution.chosen)
            need = item.min_ret
            draft.missing.append(slot if found == 0 else f"{slot} (need {need}, found {found})")

    # -- identity ---------------------------------------------------------------
    def _job(
        self,
        draft: Draft,
        recipe_parameters: dict[str, Any],
        workflow_parameters: dict[str, Any],
        dynamic: dict[str, Any],
    ) -> Job:
        task = draft.task
        inputs = draft.inputs
        if task.input_filter is not None:
            inputs = [i for i in inputs if i.slot == "main" or task.input_filter.keeps(i.category)]
        if task.input_map:
            inputs = [
                JobInput(task.input_map.get(i.category, i.category), i.slot, i.file, i.job) for i in inputs
            ]
        setup_keywords = self._setup_keywords(task, workflow_parameters, bool(dynamic))
        job = Job(
            id="",
            task=task.name,
            recipe=task.recipe or (getattr(task.function, "__name__", None) if task.function else None),
            complete=draft.complete,
            level=draft.level,
            inputs=inputs,
            parents=sorted(draft.parents),
            missing=list(draft.missing),
            parameters=recipe_parameters,
            workflow_parameters=workflow_parameters,
            dynamic_parameters=dynamic,
            setup={k: draft.trigger.get(k) for k in setup_keywords},
            skippable=task.skippable is not None,
            tolerance=task.skippable.tolerance if task.skippable else None,
            meta_targets=task.meta_targets,
            products=self._products(task),
            night=_night(draft.trigger),
        )
        if task.job_processing:
            process_job(job, task.job_processing, draft.headers, draft.trigger.path)
        job.id = job.content_id(self.identities)
        return job

    def _call(self, fn: Any, argument: Any, task: Task, what: str, trigger: Any) -> Any:
        return call_workflow_function(fn, argument, what, getattr(trigger, "path", None), task.name)


def _main_tags(task: Task) -> Sequence[str]:
    return task.main_input.tags if isinstance(task.main_input, DataSource) else ()


def _closeness(trigger: Any, candidate: Any, keys: Sequence[str]) -> float:
    total = 0.0
    for key in keys:
        a, b = trigger.get(key), candidate.get(key)
        if isinstance(a, int | float) and isinstance(b, int | float):
            total += abs(a - b)
        elif a != b:
            total += float("inf")
    return total


def _night(trigger: Any) -> str | None:
    mjd = trigger.get(MJD)
    if not isinstance(mjd, int | float):
        return None
    return _evening(night_of(float(mjd)))


@lru_cache(maxsize=4096)
def _evening(night: int) -> str:
    return (_dt.date(1858, 11, 17) + _dt.timedelta(days=night)).isoformat()

