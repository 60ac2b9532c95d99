"""Derivation: from classified frames and the cascade to the jobs a target needs.

Jobs are derived per task on demand (a task's jobs are only derived when a target
needs them), associations are resolved against the jobs of upstream tasks and the
on-disk master files, and every job gets a content-hash id: the same inputs and
parameters give the same id on every run and machine.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..cascade import AssociatedInput, DataSource, MatchRule, Task, Workflow
from ..cascade.task import Alternatives
from ..cascade.time_range import night_of
from ..errors import RadpsError, WorkflowError
from .associate import FILE, JOB, MASTER, Associator, Candidate
from .classify import Classification
from .group import MJD, Grouping, frame_order, group_frames, hashable, resolve_keywords
from .hooks import call_workflow_function, classified, process_job
from .job import Job, JobInput
from .job_parameters import JobParameters
from .products import handed_on, product_categories

RAW_PER_QUALITY_LEVEL = "raw_per_quality_level"
ASSOCIATION_PREFERENCES = ("raw", "master", RAW_PER_QUALITY_LEVEL, "master_per_quality_level")
_ANY = (MatchRule(),)


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
class Resolution:
    chosen: list[Candidate]
    level: float
    satisfied: bool


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
        if association_preference not in ASSOCIATION_PREFERENCES:
            raise RadpsError(
                f"unknown association preference {association_preference!r}; "
                f"use one of: {', '.join(ASSOCIATION_PREFERENCES)}"
            )
        self.workflow = workflow
        self.classification = classification
        self.parameters = parameters
        self.preference = association_preference
        self.workflow_parameters = dict(parameters.workflow_parameters)
        self.associator = Associator(self.workflow_parameters)
        self.quality_threshold = _threshold(self.workflow_parameters.get("quality_threshold"))
        self.small_groups: list[SmallGroup] = []
        self._drafts: dict[str, list[Draft]] = {}
        self._job_candidates: dict[str, list[Candidate]] = {}
        self._file_candidates: dict[int, list[Candidate]] = {}
        self._master_candidates: dict[tuple[str, ...], list[Candidate]] = {}
        self._steps: dict[int, tuple[list[tuple[float, str, list[MatchRule]]], str]] = {}
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
        resolution = self.resolve(item, draft.trigger, draft.task)
        self._record(draft, item.label, item, resolution)

    def _associate_alternatives(
        self, draft: Draft, alternatives: Alternatives, params: JobParameters
    ) -> None:
        options: list[tuple[AssociatedInput, Resolution]] = []
        for item in alternatives.inputs:
            if self._wanted(item, params, draft.task):
                resolution = self.resolve(item, draft.trigger, draft.task)
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

    # -- association ------------------------------------------------------------
    def resolve(self, item: AssociatedInput, trigger: Any, consumer: Task) -> Resolution:
        cached = self._steps.get(id(item))
        if cached is None:
            rules = self.rules_for(item)
            levels = sorted({rule.level for rule in rules})
            by_level = {level: [r for r in rules if r.level == level] for level in levels}
            steps = [
                (level, kind, by_level[level])
                for level, kind in self._search_order(item, levels)
                if self.quality_threshold is None or level <= self.quality_threshold
            ]
            cached = self._steps[id(item)] = (steps, f"task {consumer.name!r}, input {item.label!r}")
        steps, where = cached
        need = max(item.min_ret, 1)
        partial: Resolution | None = None
        for level, kind, level_rules in steps:
            candidates = self._candidates(item, kind)
            if not candidates:
                continue
            found = self.associator.at_level(trigger, candidates, level_rules, item.max_ret, where)
            if len(found) >= need:
                return Resolution([c for _, c in found], level, True)
            if found and partial is None:
                partial = Resolution([c for _, c in found], level, len(found) >= item.min_ret)
        if partial is not None:
            return partial
        return Resolution([], steps[0][0] if steps else 0, item.min_ret == 0)

    def rules_for(self, item: AssociatedInput) -> Sequence[MatchRule]:
        """The input's own rules, else those of its source, inherited through tasks."""
        if item.match_rules:
            return item.match_rules.rules
        source: Any = item.source
        while isinstance(source, Task):
            source = source.main_input
        return source.match_rules.rules if source.match_rules else _ANY

    def _search_order(self, item: AssociatedInput, levels: list[float]) -> list[tuple[float, str]]:
        if isinstance(item.source, DataSource):
            return [(level, FILE) for level in levels]
        preference = self.preference
        kinds = [MASTER, JOB] if preference.startswith("master") else [JOB, MASTER]
        if preference.endswith("per_quality_level"):
            return [(level, kind) for level in levels for kind in kinds]
        return [(level, kind) for kind in kinds for level in levels]

    def _candidates(self, item: AssociatedInput, kind: str) -> list[Candidate]:
        source = item.source
        if kind == FILE:
            cached = self._file_candidates.get(id(source))
            if cached is None:
                cached = [Candidate(FILE, f, f, f.identity) for f in sorted(self.frames_of(source), key=frame_order)]
                self._file_candidates[id(source)] = cached
            return cached
        if kind == JOB:
            cached = self._job_candidates.get(source.name)
            if cached is None:
                cached = [Candidate(JOB, d.trigger, d, d.job.id) for d in self.drafts(source) if d.complete]
                self._job_candidates[source.name] = cached
            return cached
        categories = tuple(item.categories or product_categories(self.workflow, source))
        cached = self._master_candidates.get(categories)
        if cached is None:
            masters = {
                h.identity: h for c in categories for h in self.classification.masters.get(c, ())
            }
            cached = [Candidate(MASTER, h, h, h.identity) for h in sorted(masters.values(), key=frame_order)]
            self._master_candidates[categories] = cached
        return cached

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
        job.id = job_id(job, self.identities)
        return job

    def _call(self, fn: Any, argument: Any, task: Task, what: str, trigger: Any) -> Any:
        return call_workflow_function(fn, argument, what, getattr(trigger, "path", None), task.name)


def job_id(job: Job, identities: dict[str, str]) -> str:
    """Content hash of what defines the job's result; never paths or run order."""
    lines = sorted(
        f"{i.slot}|{i.category}|" + (f"job:{i.job}" if i.job else f"file:{identities.get(i.file, i.file)}")
        for i in job.inputs
    )
    record = {
        "task": job.task,
        "recipe": job.recipe,
        "inputs": lines,
        "parameters": job.parameters,
        "dynamic": job.dynamic_parameters,
    }
    blob = json.dumps(record, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _threshold(value: Any) -> float | None:
    """The ``quality_threshold`` workflow parameter: the worst level searched."""
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise WorkflowError(
            f"workflow parameter quality_threshold must be a number (a quality level), got {value!r}"
        ) from None


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

