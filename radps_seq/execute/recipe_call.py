"""Finding and calling what a job runs: a registered Python recipe, a task's Python
function, an external pipeline recipe (EDPS's ``esorex <recipe> input.sof``), or, in
dummy mode, nothing at all.

The parent resolves each task's recipe once (:func:`recipe_ref`) to learn its code
version for the cache key; the child process that runs the job resolves it again from
the plain :class:`RecipeRef` (:func:`load_callable`), because functions do not travel
between processes by value.
"""

from __future__ import annotations

import inspect
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Any

from radps_seq.errors import RadpsError

PYTHON, FUNCTION, EXTERNAL, DUMMY = "python", "function", "external", "dummy"
#: External pipeline front ends, in order of preference.
EXTERNAL_TOOLS = ("esorex", "pyesorex")
#: Files the engine writes into a job folder; anything else there is a product.
ENGINE_FILES = frozenset(
    {
        "input.sof",
        "parameters.json",
        "command.sh",
        "job.log",
        "manifest.json",
        "result.json",
    }
)


class RecipeCallError(RadpsError):
    """A recipe that cannot be found, called, or whose result is malformed."""


@dataclass(frozen=True)
class RecipeRef:
    """How to find a task's callable in another process, and its code version.

    ``kind`` is ``python`` (registered recipe ``name``, found through ``modules``),
    ``function`` (``with_function`` task ``task`` of the workflow at ``origin``),
    ``external`` (``name`` run by esorex/pyesorex) or ``dummy``.
    """

    kind: str
    name: str | None
    version: str
    task: str
    modules: tuple[str, ...] = ()
    origin: str | None = None
    tool: str | None = None

    @property
    def identity(self) -> str:
        """What the cache key records as "the recipe"."""
        return f"{self.kind}:{self.name}"

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RecipeRef:
        return cls(**{**data, "modules": tuple(data.get("modules") or ())})


@dataclass
class CallResult:
    """A recipe's result in plain form: products as (path, category), QC, effect."""

    products: list[tuple[str, str]] = field(default_factory=list)
    qc: dict[str, float] = field(default_factory=dict)
    effect: float | None = None


def cascade_recipe_modules(workflow: Any) -> list[str]:
    """The workflow package's ``<name>_recipes.py``, if it has one."""
    origin = getattr(workflow, "origin", "") or ""
    if not origin:
        return []
    candidate = Path(origin).with_name(f"{workflow.name}_recipes.py")
    return [str(candidate)] if candidate.is_file() else []


def recipe_ref(task: str, recipe: str | None, workflow: Any, dummy: bool) -> RecipeRef:
    """Resolve what ``task`` runs (in the parent, once per task)."""
    if dummy:
        return RecipeRef(DUMMY, recipe, "dummy", task)
    spec = workflow.tasks.get(task) if workflow is not None else None
    function = getattr(spec, "function", None)
    if function is not None:
        from radps_seq.recipes.registry import recipe_version

        origin = getattr(workflow, "origin", None) or None
        return RecipeRef(FUNCTION, recipe, recipe_version(function), task, origin=origin)
    if not recipe:
        raise RecipeCallError(f"task {task!r} has neither a recipe nor a function to run")
    from radps_seq.recipes.registry import RecipeError, RecipeNotFound, get_recipe, recipe_version

    modules = cascade_recipe_modules(workflow)
    try:
        fn = get_recipe(recipe, modules)
    except RecipeNotFound:
        tool = external_tool()
        return RecipeRef(EXTERNAL, recipe, _tool_version(tool), task, tool=tool)
    except RecipeError as exc:
        raise RecipeCallError(f"task {task!r}: {exc}") from exc
    return RecipeRef(PYTHON, recipe, recipe_version(fn), task, tuple(_locations(fn) + modules))


def _locations(fn: Callable[..., Any]) -> list[str]:
    """Where another process can import ``fn``'s module from: its name, then its file."""
    found = []
    module = getattr(fn, "__module__", None)
    if module and module != "__main__" and not module.startswith("radps_seq_cascade_recipes"):
        found.append(module)
    try:
        source = inspect.getsourcefile(fn)
    except TypeError:
        source = None
    if source:
        found.append(os.path.abspath(source))
    return found


def external_tool() -> str | None:
    for name in EXTERNAL_TOOLS:
        path = shutil.which(name)
        if path:
            return path
    return None


@cache
def _tool_version(tool: str | None) -> str:
    """The external front end's ``--version`` line: a new pipeline release re-runs jobs."""
    if tool is None:
        return "unavailable"
    try:
        done = subprocess.run(
            [tool, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return f"{tool}:unknown"
    first = (done.stdout or done.stderr).strip().splitlines()[:1]
    return f"{os.path.basename(tool)}:{first[0] if first else 'unknown'}"


# -- in the child process -------------------------------------------------------------
def load_callable(ref: RecipeRef) -> Callable[..., Any]:
    """The Python callable of a ``python`` or ``function`` reference, its module compiled
    from the source file (never from stale bytecode)."""
    from radps_seq.source_import import from_source

    with from_source(*[m for m in ref.modules if m.endswith(".py")]):
        return _load(ref)


def check_version(fn: Callable[..., Any], ref: RecipeRef) -> None:
    """Refuse to run code other than the code whose version went into the cache key."""
    from radps_seq.recipes.registry import recipe_version

    found = recipe_version(fn)
    if found != ref.version:
        raise RecipeCallError(
            f"task {ref.task!r}: the code of {ref.identity} changed after the run was "
            f"planned (version {ref.version}, now {found}); run again to use the new code"
        )


def _load(ref: RecipeRef) -> Callable[..., Any]:
    if ref.kind == FUNCTION:
        if not ref.origin:
            raise RecipeCallError(
                f"task {ref.task!r} runs a Python function, but its workflow file is unknown"
            )
        from radps_seq.cascade.loader import load_workflow

        return load_workflow(ref.origin).tasks[ref.task].function
    from radps_seq.recipes.registry import RecipeError, get_recipe

    problems = []
    for module in ref.modules or ("",):
        try:
            return get_recipe(ref.name, [module] if module else [])
        except RecipeError as exc:
            problems.append(str(exc))
    raise RecipeCallError(f"task {ref.task!r}: recipe {ref.name!r} not found: {problems[-1]}")


def call(
    ref: RecipeRef, inputs: Sequence[tuple[str, str]], params: dict[str, Any], scratch: Path
) -> CallResult:
    """Run the job's recipe with ``scratch`` as its product folder (in the child)."""
    if ref.kind == EXTERNAL:
        return call_external(ref, params, scratch)
    from radps_seq.recipes.registry import RecipeInput

    fn = load_callable(ref)
    check_version(fn, ref)
    result = fn([RecipeInput(path, category) for path, category in inputs], dict(params), scratch)
    return _plain(result, ref)


def _plain(result: Any, ref: RecipeRef) -> CallResult:
    what = f"recipe {ref.name!r} (task {ref.task!r})"
    products = getattr(result, "products", None)
    if products is None:
        raise RecipeCallError(f"{what} returned {type(result).__name__}, not a RecipeResult")
    plain = []
    for product in products:
        path, category = getattr(product, "path", None), getattr(product, "category", None)
        if not path or not category:
            raise RecipeCallError(
                f"{what} returned a product without path or category: {product!r}"
            )
        plain.append((os.fspath(path), str(category)))
    qc = {}
    for name, value in (getattr(result, "qc", None) or {}).items():
        try:
            qc[str(name)] = float(value)
        except (TypeError, ValueError):
            raise RecipeCallError(f"{what}: QC value {name!r}={value!r} is not a number") from None
    effect = getattr(result, "effect", None)
    return CallResult(plain, qc, None if effect is None else float(effect))


def external_command(ref: RecipeRef, params: dict[str, Any], folder: Path) -> list[str]:
    """``esorex --output-dir=FOLDER <recipe> --p=v ... FOLDER/input.sof``."""
    if ref.tool is None:
        raise RecipeCallError(
            f"task {ref.task!r}: recipe {ref.name!r} has no Python registration and neither "
            f"{' nor '.join(EXTERNAL_TOOLS)} is installed (not found on PATH)"
        )
    options = [f"--{k}={_option(v)}" for k, v in sorted(params.items())]
    return [ref.tool, f"--output-dir={folder}", str(ref.name), *options, str(folder / "input.sof")]


def _option(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


def call_external(ref: RecipeRef, params: dict[str, Any], scratch: Path) -> CallResult:
    command = external_command(ref, params, scratch)
    done = subprocess.run(command, cwd=scratch, check=False)
    if done.returncode != 0:
        raise RecipeCallError(
            f"{os.path.basename(command[0])} {ref.name} exited with code {done.returncode}"
        )
    products = []
    for entry in sorted(os.scandir(scratch), key=lambda e: e.name):
        if entry.is_file() and entry.name not in ENGINE_FILES:
            products.append((entry.name, _product_category(Path(entry.path))))
    return CallResult(products)


def _product_category(path: Path) -> str:
    """EDPS reads the category of an external product from ``HIERARCH ESO PRO CATG``."""
    if path.suffix.lower() in (".fits", ".fit", ".fz"):
        from astropy.io import fits

        try:
            category = fits.getheader(path).get("HIERARCH ESO PRO CATG")
        except (OSError, ValueError):
            category = None
        if category:
            return str(category)
    return path.stem.upper()
