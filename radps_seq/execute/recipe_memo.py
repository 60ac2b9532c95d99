"""Recipe resolution remembered across runs: a re-run imports no recipe module.

Resolving a registered recipe imports the cascade's recipe modules (numpy, astropy, …)
only to learn the recipe's code version for the cache key — most of a no-op re-run's
time. The resolved :class:`~radps_seq.execute.recipe_call.RecipeRef` is therefore kept
in the work directory's database with the size and mtime of every file it was found
in (the cascade's ``*_recipes.py`` and the recipe's own source file, which is what the
version hashes); while those are unchanged the kept reference is used as is. Task
functions and external recipes are resolved every time (that costs no import).
"""

from __future__ import annotations

import json
import os
from typing import Any

from .recipe_call import PYTHON, RecipeRef, cascade_recipe_modules, recipe_ref
from .workdb import WorkDB


class RecipeMemo:
    """``memo(task, recipe)`` is :func:`recipe_ref` through the work directory's memo."""

    def __init__(self, db: WorkDB, workflow: Any, dummy: bool) -> None:
        self.db, self.workflow, self.dummy = db, workflow, dummy
        self.origin = getattr(workflow, "origin", None) or ""
        self.kept = db.recipe_refs() if not dummy else {}
        self.fresh: dict[str, tuple[str, str]] = {}

    def __call__(self, task: str, recipe: str | None) -> RecipeRef:
        key = json.dumps([self.origin, task, recipe])
        kept = self.kept.get(key)
        if kept is not None and _stats([p for p, *_ in json.loads(kept[0])]) == kept[0]:
            return RecipeRef.from_dict(json.loads(kept[1]))
        ref = recipe_ref(task, recipe, self.workflow, self.dummy)
        if ref.kind == PYTHON:
            files = [m for m in ref.modules if m.endswith(".py")]
            files += cascade_recipe_modules(self.workflow)
            self.fresh[key] = (_stats(sorted(set(files))), json.dumps(ref.to_dict()))
        return ref

    def save(self) -> None:
        """Keep what was resolved anew for the next run."""
        self.db.save_recipe_refs(self.fresh)


def _stats(paths: list[str]) -> str:
    """The files with their size and mtime, as stored (a path gone stores as missing)."""
    out: list[list[Any]] = []
    for path in paths:
        try:
            st = os.stat(path)
            out.append([path, st.st_size, st.st_mtime_ns])
        except OSError:
            out.append([path, None, None])
    return json.dumps(out)
