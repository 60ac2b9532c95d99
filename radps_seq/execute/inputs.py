"""A job's recipe inputs (its SOF) from the outcomes of the jobs it reads.

- On-disk files come as derived, with the content hash computed up front.
- An upstream job that ran or was reused gives its products (after its task's output
  filter) of the categories the consumer asked for. The consumer's input map renames
  categories, so a request for ``MASTER_FLAT`` mapped from ``MASTER_FLAT_LAMP`` takes
  the producer's ``MASTER_FLAT_LAMP`` products and hands them on as ``MASTER_FLAT``.
  A request for the producing task's default category (its name upper-cased, what
  derivation records when a consumer names a task rather than categories) that matches
  no product takes all its products.
- A skipped upstream job hands on its own main input unchanged (pass-through).
- The consumer's input filter applies to what upstream jobs provide.
"""

from __future__ import annotations

from collections.abc import Mapping

from .result import SKIPPED, FileRef, JobOutcome
from .spec import JobSpec


def resolve_inputs(
    spec: JobSpec, parents: Mapping[str, JobOutcome], main_only: bool = False
) -> tuple[list[FileRef], list[str]]:
    """``(inputs, problems)``: the recipe inputs in SOF order, and unreadable files."""
    refs: list[FileRef] = []
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    handed_on: set[tuple[str, str]] = set()

    def add(ref: FileRef) -> None:
        if (ref.path, ref.category) not in seen:
            seen.add((ref.path, ref.category))
            refs.append(ref)

    for item in spec.inputs:
        if main_only and item.slot != "main":
            continue
        if item.file is not None:
            if item.sha256 is None:
                problems.append(item.error or f"input file missing: {item.file}")
            else:
                add(FileRef(item.file, item.category, item.sha256))
            continue
        parent = parents[item.job]
        if parent.status == SKIPPED:
            if (item.job, item.slot) not in handed_on:
                handed_on.add((item.job, item.slot))
                for ref in parent.passthrough:
                    add(ref)
            continue
        for ref in _requested(spec, parent, item.category):
            add(ref)
    return refs, problems


def _requested(spec: JobSpec, parent: JobOutcome, category: str) -> list[FileRef]:
    originals = {category} | {old for old, new in spec.input_map.items() if new == category}
    chosen = [r for r in parent.outputs if r.category in originals]
    if not chosen and category == parent.task.upper():
        chosen = list(parent.outputs)
    if spec.input_filter is not None:
        chosen = [r for r in chosen if spec.input_filter.keeps(r.category)]
    return [FileRef(r.path, spec.input_map.get(r.category, r.category), r.sha256) for r in chosen]
