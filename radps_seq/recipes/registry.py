"""The recipe registry: domain functions registered by name, found without the engine.

A recipe is a plain callable ``fn(inputs, params, scratch) -> RecipeResult``. It is
registered with ``@recipe("name")`` when its module is imported. :func:`get_recipe`
finds a name in the registry, else by importing a cascade's ``<name>_recipes.py``
files, else through the ``radps_seq.recipes`` entry-point group, so a recipe package
installed next to radps_seq is found without configuration.

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

_REGISTRY: dict[str, Recipe] = {}
#: Cascade recipe files being executed again because they were edited since imported.
_RELOADING: set[str] = set()


def recipe(name: str, version: str = "1") -> Callable[[Recipe], Recipe]:
    """Register ``fn`` under ``name``; a second, different function may not take the name."""

    def register(fn: Recipe) -> Recipe:
        existing = _REGISTRY.get(name)
        if (
            existing is not None
            and not _same_code(existing, fn, version)
            and not _same_definition(existing, fn)
        ):
            raise RecipeError(
                f"recipe {name!r} is already registered by {_qualified(existing)}; "
                f"{_qualified(fn)} cannot take the same name"
            )
        fn.recipe_name = name  # type: ignore[attr-defined]
        fn.recipe_version = str(version)  # type: ignore[attr-defined]
        _REGISTRY[name] = fn
        return fn

    return register


def registered_recipes() -> dict[str, Recipe]:
    """A copy of the registry: name -> function."""
    return dict(_REGISTRY)


def get_recipe(name: str, search_modules: Sequence[str | os.PathLike] = ()) -> Recipe:
    """The recipe called ``name``.

    Imports each of ``search_modules`` (module names or ``*_recipes.py`` paths of a
    cascade package; a file edited since its import is executed again), looks in the
    registry, then loads the entry points of the ``radps_seq.recipes`` group. The
    cascade's own files come first, so a recipe of that name registered earlier by
    another file cannot silently stand in for the cascade's (it is a clear conflict).
    """
    for module in search_modules:
        _import(module)
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


def _import(module: str | os.PathLike) -> None:
    """Import a module by dotted name, or a ``.py`` file under a private module name."""
    text = os.fspath(module)
    if not text.endswith(".py"):
        try:
            importlib.import_module(text)
        except ImportError as exc:
            raise RecipeError(f"recipe module {text!r} cannot be imported: {exc}") from exc
        return
    path = Path(text).resolve()
    if not path.is_file():
        raise RecipeError(f"recipe module {text}: no such file")
    digest = hashlib.sha1(str(path).encode(), usedforsecurity=False).hexdigest()[:10]
    module_name = f"radps_seq_cascade_recipes._{digest}_{path.stem}"
    if module_name in sys.modules and not edited_since_import(sys.modules[module_name]):
        return
    # compiled from the bytes on disk, never a stale .pyc: the code that runs is the
    # code whose source was hashed into the cache key
    spec = importlib.util.spec_from_file_location(
        module_name, path, loader=source_loader(module_name, path)
    )
    if spec is None or spec.loader is None:
        raise RecipeError(f"recipe module {text}: not a Python module")
    loaded = importlib.util.module_from_spec(spec)
    previous = sys.modules.get(module_name)
    sys.modules[module_name] = loaded
    if previous is not None:
        _RELOADING.add(module_name)
    try:
        spec.loader.exec_module(loaded)
    except Exception as exc:
        if previous is None:
            del sys.modules[module_name]
        else:  # still edited: the next look-up tries again and reports again
            sys.modules[module_name] = previous
        raise RecipeError(
            f"recipe module {text} failed to import: {type(exc).__name__}: {exc}"
        ) from exc
    finally:
        _RELOADING.discard(module_name)


def _same_code(existing: Recipe, fn: Recipe, version: str) -> bool:
    """The same recipe imported again (e.g. its module loaded under another name)."""
    return (
        getattr(existing, "__qualname__", None) == getattr(fn, "__qualname__", None)
        and recipe_version(existing) == f"{version}+{_source_digest(fn)}"
    )


def _same_definition(existing: Recipe, fn: Recipe) -> bool:
    """``fn`` is ``existing``'s definition executed again after its file was edited."""
    return (
        getattr(fn, "__module__", None) in _RELOADING
        and getattr(existing, "__module__", None) == fn.__module__
        and getattr(existing, "__qualname__", None) == getattr(fn, "__qualname__", 0)
    )


def _qualified(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"
