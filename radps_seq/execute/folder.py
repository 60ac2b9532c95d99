"""``radps-seq exec-job W/products/<task>/<job id>``: re-run one job from its folder.

Every job folder's ``command.sh`` calls this, so a job can be reproduced (or debugged)
from what is on disk alone: its manifest says what to run, ``input.sof`` with what,
``parameters.json`` how. The new result replaces the folder atomically and is then
reused by the next run of the reduction, because its cache key is computed the same way.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from radps_seq.errors import InputError
from radps_seq.sqlite_wal import writable

from .cache import cache_key, components
from .hashing import hash_files
from .recipe_call import DUMMY, EXTERNAL, RecipeRef, load_callable
from .result import FileRef
from .runner import RunContext, produced_outcome, run_attempt, worker_name
from .spec import CategoryRule, JobSpec
from .store import ProductStore
from .workdb import WorkDB


def _read_sof(path: Path) -> list[tuple[str, str]]:
    lines = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        file, _, category = line.rpartition(" ")
        if not file or not category:
            raise InputError(f"{path}, line {number}: expected 'path CATEGORY', got {line!r}")
        lines.append((file, category))
    return lines


def _current(ref: RecipeRef) -> RecipeRef:
    """The reference with the recipe's *current* code version (it may have been edited)."""
    if ref.kind in (DUMMY, EXTERNAL):
        return ref
    from radps_seq.recipes.registry import recipe_version

    return RecipeRef(**{**ref.to_dict(), "version": recipe_version(load_callable(ref))})


def run_job_folder(path: str | os.PathLike) -> int:
    """Re-run the job of folder ``path``; 0 on success, 1 (with a message) on failure."""
    folder = Path(path).resolve()
    try:
        description = json.loads((folder / "manifest.json").read_text())
        parameters = json.loads((folder / "parameters.json").read_text())
        sof = _read_sof(folder / "input.sof")
    except (OSError, ValueError) as exc:
        print(f"error: {folder} is not a job folder: {exc}", file=sys.stderr)
        return 1
    workdir = folder.parents[2]
    if not writable(folder.parent):
        print(f"error: cannot re-run job {folder.name}: {folder.parent} is read-only (a job "
              "writes its products into its folder); copy the work directory somewhere "
              "writable", file=sys.stderr)
        return 2
    db = WorkDB(workdir)
    hashes, errors, fresh = hash_files([p for p, _ in sof], db.memo())
    db.save_memo(fresh)
    if errors:
        print("error: " + "; ".join(errors.values()), file=sys.stderr)
        return 1
    output_filter = description.get("output_filter")
    spec = JobSpec(
        id=description["id"],
        task=description["task"],
        recipe=_current(RecipeRef.from_dict(description["recipe"])),
        parameters=parameters,
        inputs=[],
        parents={},
        logical_key=description["logical_key"],
        output_filter=CategoryRule(**output_filter) if output_filter else None,
        products=list(description.get("categories") or []),
        timeout_s=description.get("timeout_s"),
    )
    inputs = [FileRef(p, c, hashes[p]) for p, c in sof]
    parts = components(spec.recipe.identity, spec.recipe.version, parameters, inputs)
    ctx = RunContext(str(workdir), dummy=spec.recipe.kind == DUMMY)
    store = ProductStore(workdir)
    with store.lock(spec.id):
        attempt, manifest = run_attempt(
            spec, ctx, store, inputs, parts, cache_key(parts), 1, worker_name(ctx)
        )
    if manifest is None:
        print(f"error: job {spec.id} (task {spec.task}) failed: {attempt.error}", file=sys.stderr)
        return 1
    outcome = produced_outcome(spec, folder, manifest, parts, "succeeded", "forced")
    db.save_results([outcome.index_entry])
    for product in outcome.products:
        print(product)
    return 0
