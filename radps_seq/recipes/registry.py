"""The recipe registry: domain functions registered by name, found without the engine.

A recipe is a plain callable ``fn(inputs, params, scratch) -> RecipeResult``. It is
registered with ``@recipe("name")`` when its module is imported. :func:`get_recipe`
finds a name among the recipes of the cascade's own ``<name>_recipes.py`` files, else
among installed code: modules imported by name (radps_seq's own recipe families, any
importable package) and the ``radps_seq.recipes`` entry-point group, so a recipe
package installed next to radps_seq is found without configuration.

As in EDPS, where a workflow runs the recipes of its own package or of the installed
pipelines, a cascade sees only the recipes it or an installed distribution provides.
The recipes of a cascade file are kept apart, per file: a recipe another cascade's
file registered earlier in the same process never stands in for a name this cascade
does not provide (the look-up reports it as not found), and two cascades may each
define a recipe of the same name.

Nothing here imports the engine: recipes stay usable (and testable) on their own.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.util
import inspect
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from radps_seq.source_import import edited_since_import, source_loader

ENTRY_POINT_GROUP = "radps_seq.recipes"


class RecipeError(Exception):
    """A recipe could not be found or loaded, or was given data it cannot process."""


class RecipeNotFound(RecipeError, KeyError):
    """No recipe is registered under the requested name."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0]) if self.args else "recipe not found"


@dataclass(frozen=True)
class RecipeInput:
    """One input file of a recipe call and the category it plays (e.g. ``MASTER_BIAS``)."""

    path: str
    category: str


@dataclass(frozen=True)
class Product:
    """One file a recipe wrote (inside its scratch folder) and its product category."""

    path: str
    category: str


@dataclass
class RecipeResult:
    """What a recipe returns.

    ``effect`` is set by stages that refine data in place: the measured change the stage
    made to its product, compared by the engine with the task's skip tolerance.
    """

    products: list[Product]
    qc: dict[str, float] = field(default_factory=dict)
    effect: float | None = None


Recipe = Callable[[list[RecipeInput], dict[str, Any], Path], RecipeResult]

#: Recipes of installed code (modules imported by name): name -> function.
_REGISTRY: dict[str, Recipe] = {}
#: Recipes of cascade files, per file: private module name -> name -> function.
_CASCADE_FILES: dict[str, dict[str, Recipe]] = {}
#: The package under which cascade ``*_recipes.py`` files are imported.
_CASCADE_PACKAGE = "radps_seq_cascade_recipes"


def recipe(name: str, version: str = "1") -> Callable[[Recipe], Recipe]:
    """Register ``fn`` under ``name``; a second, different function may not take the name
    (among installed code, or within one cascade file)."""

    def register(fn: Recipe) -> Recipe:
        table = _table_of(getattr(fn, "__module__", None))
        existing = table.get(name)
        if existing is not None and not _same_code(existing, fn, version):
            raise RecipeError(
                f"recipe {name!r} is already registered by {_qualified(existing)}; "
                f"{_qualified(fn)} cannot take the same name"
            )
        fn.recipe_name = name  # type: ignore[attr-defined]
        fn.recipe_version = str(version)  # type: ignore[attr-defined]
        table[name] = fn
        return fn

    return register


def registered_recipes() -> dict[str, Recipe]:
    """A copy of the recipes of installed code: name -> function (a cascade file's
    recipes are found through :func:`get_recipe` given that file)."""
    return dict(_REGISTRY)


def _table_of(module: str | None) -> dict[str, Recipe]:
    """Where a function of ``module`` registers: its cascade file's own table, or the
    registry of installed code."""
    if module and module.startswith(_CASCADE_PACKAGE + "."):
        return _CASCADE_FILES.setdefault(module, {})
    return _REGISTRY


def get_recipe(name: str, search_modules: Sequence[str | os.PathLike] = ()) -> Recipe:
    """The recipe called ``name``.

    Imports each of ``search_modules`` (module names or ``*_recipes.py`` paths of a
    cascade package; a file edited since its import is executed again), looks in those
    cascade files' recipes, then in the recipes of installed code, then loads the entry
    points of the ``radps_seq.recipes`` group. The cascade's own files come first; the
    recipes of cascade files not in ``search_modules`` are never considered.
    """
    cascade_files = [_import(module) for module in search_modules]
    for module_name in filter(None, cascade_files):
        if name in _CASCADE_FILES.get(module_name, {}):
            return _CASCADE_FILES[module_name][name]
    if name in _REGISTRY:
        return _REGISTRY[name]
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            entry_point.load()
        except Exception as exc:  # a broken plug-in must say which one it is
            raise RecipeError(
                f"entry point {entry_point.name!r} ({entry_point.value}) of group "
                f"{ENTRY_POINT_GROUP!r} failed to load: {type(exc).__name__}: {exc}"
            ) from exc
        if name in _REGISTRY:
            return _REGISTRY[name]
    known = ", ".join(sorted(_REGISTRY)) or "none"
    looked = ", ".join(str(m) for m in search_modules) or "no cascade modules"
    raise RecipeNotFound(
        f"no recipe named {name!r}; looked in the registry ({known}), {looked}, "
        f"and the {ENTRY_POINT_GROUP!r} entry points"
    )


def recipe_version(fn: Callable[..., Any]) -> str:
    """Declared version plus a hash of the source, so editing a recipe invalidates caches."""
    return f"{getattr(fn, 'recipe_version', '1')}+{_source_digest(fn)}"


def _source_digest(fn: Callable[..., Any]) -> str:
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError):
        source = _qualified(fn)
    return hashlib.sha256(source.encode()).hexdigest()[:12]


def _import(module: str | os.PathLike) -> str | None:
    """Import a module by dotted name (``None``), or a ``.py`` file under a private
    module name (returned: the key of the file's recipes)."""
    text = os.fspath(module)
    if not text.endswith(".py"):
        try:
            importlib.import_module(text)
        except ImportError as exc:
            raise RecipeError(f"recipe module {text!r} cannot be imported: {exc}") from exc
        return None
    path = Path(text).resolve()
    if not path.is_file():
        raise RecipeError(f"recipe module {text}: no such file")
    digest = hashlib.sha1(str(path).encode(), usedforsecurity=False).hexdigest()[:10]
    module_name = f"{_CASCADE_PACKAGE}._{digest}_{path.stem}"
    if module_name in sys.modules and not edited_since_import(sys.modules[module_name]):
        return module_name
    # compiled from the bytes on disk, never a stale .pyc: the code that runs is the
    # code whose source was hashed into the cache key
    spec = importlib.util.spec_from_file_location(
        module_name, path, loader=source_loader(module_name, path)
    )
    if spec is None or spec.loader is None:
        raise RecipeError(f"recipe module {text}: not a Python module")
    loaded = importlib.util.module_from_spec(spec)
    previous = sys.modules.get(module_name)
    previous_recipes = _CASCADE_FILES.pop(module_name, None)
    sys.modules[module_name] = loaded  # an edited file registers its recipes anew
    try:
        spec.loader.exec_module(loaded)
    except Exception as exc:
        if previous is None:
            del sys.modules[module_name]
            _CASCADE_FILES.pop(module_name, None)
        else:  # still edited: the next look-up tries again and reports again
            sys.modules[module_name] = previous
            _CASCADE_FILES[module_name] = previous_recipes or {}
        raise RecipeError(
            f"recipe module {text} failed to import: {type(exc).__name__}: {exc}"
        ) from exc
    return module_name


def _same_code(existing: Recipe, fn: Recipe, version: str) -> bool:
    """The same recipe imported again (e.g. its module loaded under another name)."""
    return (
        getattr(existing, "__qualname__", None) == getattr(fn, "__qualname__", None)
        and recipe_version(existing) == f"{version}+{_source_digest(fn)}"
    )


def _qualified(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"
