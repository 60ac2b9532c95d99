"""What a request may touch: inputs inside the data roots, workflows and models by name.

The service runs on a shared observatory machine, so a request names data and
workflows but never decides what is read or imported: every input must resolve (after
symlinks, at every level of a folder it names) inside a configured data root, and a
workflow or model is a *name* looked up in the configured folders, never a path.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from radps_seq.errors import RadpsError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


class Forbidden(RadpsError):
    """The request names something outside what this service may read (HTTP 403)."""


class NotFound(RadpsError):
    """The request names something this service does not have (HTTP 404)."""


def _inside(path: str, roots: list[Path]) -> bool:
    return any(path == str(root) or path.startswith(str(root) + os.sep) for root in roots)


def resolve_inputs(inputs: list[str], roots: list[Path]) -> list[str]:
    """The inputs as absolute resolved paths, each checked to lie inside a data root.

    A relative input is taken relative to the first data root. Folders are walked
    without following links and every symlink met must point inside a root too, so
    nothing outside is ever opened. Raises :class:`Forbidden` naming the first input
    that escapes and :class:`NotFound` for one that does not exist.
    """
    resolved = []
    for item in inputs:
        if not item or "\x00" in item:
            raise Forbidden(f"input {item!r}: not a usable path")
        given = item if os.path.isabs(item) else os.path.join(roots[0], item)
        real = os.path.realpath(given)
        if not _inside(real, roots):
            raise Forbidden(f"input {item!r} resolves outside the data roots of this service")
        if not os.path.exists(real):
            raise NotFound(f"input {item!r}: no such file or directory under the data roots")
        if os.path.isdir(real):
            _check_links(item, real, roots)
        resolved.append(real)
    return resolved


def _check_links(item: str, folder: str, roots: list[Path]) -> None:
    for parent, dirs, files in os.walk(folder, followlinks=False):
        for name in (*dirs, *files):
            path = os.path.join(parent, name)
            if os.path.islink(path) and not _inside(os.path.realpath(path), roots):
                shown = os.path.relpath(path, folder)
                raise Forbidden(
                    f"input {item!r}: {shown} is a symlink that points outside the data roots"
                )


def check_name(kind: str, name: str) -> str:
    if not _NAME.match(name or ""):
        raise NotFound(f"{kind} {name!r}: not a {kind} name (letters, digits, '_', '.', '-')")
    return name


@dataclass(frozen=True)
class WorkflowEntry:
    name: str
    file: Path

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "folder": self.file.parent.name, "file": self.file.name}


def workflows(folders: list[Path]) -> dict[str, WorkflowEntry]:
    """The workflows of the configured folders, by name, read from disk on every call
    (so a workflow added or edited is seen on the next request). A folder holds either
    ``<name>_wkf.py`` files or packages ``<pkg>/<name>_wkf.py``; the first folder wins."""
    found: dict[str, WorkflowEntry] = {}
    for folder in folders:
        candidates = sorted(folder.glob("*_wkf.py")) + sorted(folder.glob("*/*_wkf.py"))
        for file in candidates:
            name = file.name.removesuffix("_wkf.py")
            if name and _NAME.match(name) and name not in found and file.is_file():
                found[name] = WorkflowEntry(name, file.resolve())
    return found


def workflow_file(folders: list[Path], name: str) -> Path:
    check_name("workflow", name)
    entry = workflows(folders).get(name)
    if entry is None:
        known = ", ".join(sorted(workflows(folders))) or "none"
        raise NotFound(f"unknown workflow {name!r}; this service has: {known}")
    return entry.file


def model_location(folders: list[Path], model: str) -> str:
    """A ``models:/NAME/VERSION`` registry URI as is, or a model folder by name."""
    if model.startswith("models:/"):
        if not re.match(r"^models:/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", model):
            raise NotFound(f"model {model!r}: expected models:/NAME/VERSION")
        return model
    check_name("model", model)
    for folder in folders:
        candidate = folder / model
        if candidate.is_dir():
            return str(candidate)
    known = sorted(p.name for f in folders for p in f.iterdir() if p.is_dir())
    raise NotFound(f"unknown model {model!r}; give models:/NAME/VERSION or one of: {', '.join(known) or 'none'}")
