"""Find and load workflow packages, ESO EDPS ones unchanged.

A workflow package is a folder of modules that import each other relatively
(``from .crires_datasources import *``), its entry being ``<name>_wkf.py``. It is
imported as a real package under a private, never-reused module name, so relative
imports work, two workflows with equal module names never collide, and loading the
same package twice gives independent objects. The modules leave ``sys.modules`` once
loading is done (the objects they built keep their globals alive), and the ``edps``
names EDPS packages import exist only during the import (see :mod:`.edps_compat`).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import itertools
import os
import sys
import threading
import traceback
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import radps_seq

from ..errors import WorkflowError
from ..source_import import from_source, source_loader
from .edps_compat import edps_modules
from .parameters import ParameterSets
from .where import LocatedError
from .workflow import Workflow, collect_workflow

#: Extra folders to look for workflow ids in, separated by ``os.pathsep``.
SEARCH_PATH_ENV = "RADPS_SEQ_WORKFLOW_PATH"
_PRIVATE_ROOT = "radps_seq_workflows"
_LOADS = itertools.count()
_LOCK = threading.RLock()


def load_workflow(
    spec: str | os.PathLike, search_path: Sequence[str | os.PathLike] | None = None
) -> Workflow:
    """Load a cascade from a ``*_wkf.py`` file, a package folder, or a workflow id.

    A workflow id is dotted (``demo0``, ``eso.crires``, or EDPS's ``crires.crires_wkf``)
    and is looked up in :func:`workflow_search_path`. The workflow is named after its
    ``<name>_wkf.py`` file; ``<name>_parameters.yaml`` next to it, if present, gives its
    parameter sets.
    """
    wkf = find_workflow_file(spec, search_path)
    name = wkf.stem.removesuffix("_wkf") or wkf.stem
    namespace = _import_workflow_module(wkf)
    workflow = collect_workflow(name, namespace.values(), origin=str(wkf))
    parameters_file = wkf.with_name(f"{name}_parameters.yaml")
    workflow.parameters = (
        ParameterSets.load(parameters_file) if parameters_file.is_file() else ParameterSets.empty()
    )
    return workflow


def workflow_search_path(search_path: Sequence[str | os.PathLike] | None = None) -> list[Path]:
    """Where workflow ids are looked up, in order: the argument, the
    ``RADPS_SEQ_WORKFLOW_PATH`` folders, then the project's own ``cascades/`` folder."""
    roots = [Path(p) for p in search_path or ()]
    roots += [Path(p) for p in os.environ.get(SEARCH_PATH_ENV, "").split(os.pathsep) if p]
    project_cascades = Path(radps_seq.__file__).resolve().parent.parent / "cascades"
    if project_cascades.is_dir():
        roots.append(project_cascades)
    return roots


def find_workflow_file(
    spec: str | os.PathLike, search_path: Sequence[str | os.PathLike] | None = None
) -> Path:
    """The ``*_wkf.py`` file a workflow spec names (absolute), or a WorkflowError."""
    if isinstance(spec, os.PathLike) or _looks_like_path(spec):
        path = Path(spec).expanduser()
        if not path.exists():
            raise WorkflowError(
                f"workflow {str(spec)!r}: no such file or directory: {_display(path)}"
            )
        return _entry_file(path)
    parts = spec.split(".")
    if not all(part.isidentifier() for part in parts):
        raise WorkflowError(
            f"workflow {spec!r} is neither an existing path nor a workflow id such as "
            "'demo0' or 'eso.crires'"
        )
    looked: list[str] = []
    for root in workflow_search_path(search_path):
        base = root.joinpath(*parts)
        looked.append(str(base))
        if base.is_dir():
            return _entry_file(base)
        if base.with_name(base.name + ".py").is_file():
            return _entry_file(base.with_name(base.name + ".py"))
    if Path(spec).is_dir():
        return _entry_file(Path(spec))
    raise WorkflowError(
        f"workflow {spec!r} not found; looked for {', '.join(looked) or 'nothing'} "
        f"and ./{spec} (add folders with {SEARCH_PATH_ENV} or pass a path)"
    )


def _looks_like_path(spec: str) -> bool:
    separators = [os.sep, "/"] + ([os.altsep] if os.altsep else [])
    return (
        any(s in spec for s in separators)
        or spec.endswith(".py")
        or spec in (".", "..")
        or spec.startswith("~")
    )


def _entry_file(path: Path) -> Path:
    """A ``.py`` file as is; for a folder ``X``, ``X/X_wkf.py`` or its single ``*_wkf.py``."""
    path = path.resolve()
    if path.is_file():
        if path.suffix != ".py":
            raise WorkflowError(f"{_display(path)}: a workflow file must be a Python (.py) file")
        return path
    named = path / f"{path.name}_wkf.py"
    if named.is_file():
        return named
    found = sorted(path.glob("*_wkf.py"))
    if len(found) == 1:
        return found[0]
    if not found:
        raise WorkflowError(f"{_display(path)}: no workflow file (*_wkf.py) in this folder")
    raise WorkflowError(
        f"{_display(path)}: several workflow files ({', '.join(f.name for f in found)}); "
        "name the one to load"
    )


def _import_workflow_module(wkf: Path) -> dict[str, Any]:
    """Import ``wkf`` as a module of its folder's package; return its namespace."""
    package_dir = wkf.parent
    digest = hashlib.sha1(str(package_dir).encode(), usedforsecurity=False).hexdigest()[:10]
    prefix = f"{_PRIVATE_ROOT}._{digest}_{next(_LOADS)}"
    package_name = f"{prefix}.{_identifier(package_dir.name)}"
    # compiled from source, never a stale .pyc: task functions run as the code hashed
    with _LOCK, edps_modules(), from_source(package_dir):
        root_created = _PRIVATE_ROOT not in sys.modules
        try:
            for name in (_PRIVATE_ROOT, prefix):
                sys.modules.setdefault(name, _namespace_package(name, []))
            init = package_dir / "__init__.py"
            if init.is_file():
                spec = importlib.util.spec_from_file_location(
                    package_name,
                    init,
                    loader=source_loader(package_name, init),
                    submodule_search_locations=[str(package_dir)],
                )
                sys.modules[package_name] = package = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(package)
            else:
                sys.modules[package_name] = _namespace_package(package_name, [str(package_dir)])
            module = importlib.import_module(f"{package_name}.{wkf.stem}")
            return dict(vars(module))
        except Exception as exc:
            error = _import_error(exc, package_dir, wkf)
            if error is exc:
                raise
            raise error from exc
        finally:
            # a copy: another thread's import may add a module while this walks the names
            for name in [n for n in sys.modules.copy() if n == prefix or n.startswith(prefix + ".")]:
                del sys.modules[name]
            if root_created:
                sys.modules.pop(_PRIVATE_ROOT, None)
            sys.path_importer_cache.pop(str(package_dir), None)


def _namespace_package(name: str, path: list[str]) -> types.ModuleType:
    spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
    spec.submodule_search_locations = path
    return importlib.util.module_from_spec(spec)


def _identifier(folder_name: str) -> str:
    name = "".join(c if c.isalnum() or c == "_" else "_" for c in folder_name)
    return name if name.isidentifier() else f"_{name}"


def _import_error(exc: Exception, package_dir: Path, wkf: Path) -> WorkflowError:
    """Say where in the package the import failed: file, line, and the original error."""
    if isinstance(exc, LocatedError):
        return exc  # its message already names the workflow's line
    file, line = None, None
    if isinstance(exc, SyntaxError) and exc.filename and _inside(exc.filename, package_dir):
        file, line = exc.filename, exc.lineno
    else:
        for frame in traceback.extract_tb(exc.__traceback__):
            if _inside(frame.filename, package_dir):
                file, line = frame.filename, frame.lineno
    message = exc.msg if isinstance(exc, SyntaxError) else str(exc)
    where = f"{_display(Path(file))} line {line}" if file else _display(wkf)
    hint = ""
    if isinstance(exc, ImportError) and (exc.name or "").split(".")[0] == "edps":
        hint = (
            " (radps_seq provides only part of the edps API while loading; "
            "see radps_seq.cascade.edps_compat.EDPS_MODULES)"
        )
    return WorkflowError(f"{where}: {type(exc).__name__}: {message}{hint}")


def _inside(filename: str, folder: Path) -> bool:
    return os.path.isabs(filename) and Path(filename).resolve().is_relative_to(folder)


def _display(path: Path) -> str:
    """A path relative to the working directory when it lies below it, else absolute."""
    absolute = path.resolve()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def list_workflows(search_path: Sequence[str | os.PathLike] | None = None) -> list[dict[str, str]]:
    """Workflow ids (EDPS style, ``<package>.<module>``) found on the search path."""
    found: dict[str, str] = {}
    for root in workflow_search_path(search_path):
        if not root.is_dir():
            continue
        for wkf in sorted(root.glob("*/*_wkf.py")) + sorted(root.glob("*/*/*_wkf.py")):
            package = ".".join(wkf.parent.relative_to(root).parts)
            found.setdefault(f"{package}.{wkf.stem}", _display(wkf))
    return [{"id": name, "file": file} for name, file in found.items()]
