"""Find the input files of a scan and stat them, grouped by directory.

Grouping by directory serves the header index (cached entries are stored per
directory) and keeps path resolution to one ``realpath`` per directory instead of one
per file, which matters when a shell glob hands over 100,000 files.
"""

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field

from radps_seq.headers.model import ScanError
from radps_seq.headers.reader import os_reason

FITS_SUFFIXES = (".fits", ".fit", ".fts", ".fits.gz", ".fit.gz", ".fts.gz")

# (path as given joined with the walk, file name, size, mtime_ns, mtime). Not the whole
# os.stat result: a scan holds one per file, and a stat result is ~20 objects.
FoundFile = tuple[str, str, int, int, float]


def is_fits_name(name: str) -> bool:
    """Whether a file met while walking is taken as FITS, by its suffix (any case)."""
    return name.endswith(FITS_SUFFIXES) or name.lower().endswith(FITS_SUFFIXES)


@dataclass(slots=True)
class Folder:
    """The files found in one directory; ``key`` is its resolved path."""

    key: str
    files: list[FoundFile] = field(default_factory=list)


@dataclass
class Walk:
    """What a walk found.

    ``trees`` are the resolved roots of the walked directories and ``walked`` every
    directory listed completely below them: an index entry under a tree whose
    directory or file was not met again is stale.
    """

    folders: dict[str, Folder] = field(default_factory=dict)
    errors: list[ScanError] = field(default_factory=list)
    trees: list[str] = field(default_factory=list)
    walked: set[str] = field(default_factory=set)


def walk(inputs: Iterable[str | os.PathLike], skip: str | None = None) -> Walk:
    """Stat every input; list directories recursively in a deterministic order.

    Explicitly named files are taken whatever their name; inside directories only
    FITS-named files are, hidden entries are ignored, and so is the directory whose
    resolved path is ``skip`` (the work directory). Problems become ``ScanError``s.
    """
    found = Walk()
    explicit: list[tuple[str, int, int, float]] = []
    for item in inputs:
        path = os.fspath(item)
        try:
            st = os.stat(path)
        except OSError as exc:
            found.errors.append(ScanError(path, _missing_reason(path, exc)))
            continue
        if stat.S_ISDIR(st.st_mode):
            key = os.path.realpath(path)
            found.trees.append(key)
            _walk_dir(found, path, key, skip)
        elif stat.S_ISREG(st.st_mode):
            explicit.append((path, st.st_size, st.st_mtime_ns, st.st_mtime))
        else:
            found.errors.append(ScanError(path, "not a regular file"))
    _add_explicit(found, explicit)
    return found


def _walk_dir(found: Walk, path: str, key: str, skip: str | None) -> None:
    if key in found.walked:  # nested inputs or a symlink loop: list each directory once
        return
    # Entries are stat-ed relative to an open descriptor of the directory: cheaper than
    # a full path per file, and the listing and the stats see the same directory.
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            subdirs = _list_dir(found, fd, path, key)
        finally:
            os.close(fd)
    except OSError as exc:
        found.errors.append(ScanError(path, os_reason(exc)))
        return
    prefix = _prefix(path)
    key_prefix = _prefix(key)
    for name, is_link in sorted(subdirs):
        sub_path = prefix + name
        sub_key = os.path.realpath(sub_path) if is_link else key_prefix + name
        if sub_key != skip:
            _walk_dir(found, sub_path, sub_key, skip)


def _list_dir(found: Walk, fd: int, path: str, key: str) -> list[tuple[str, bool]]:
    """Add the FITS files of the open directory; return its sub-directories."""
    with os.scandir(fd) as it:
        entries = list(it)
    found.walked.add(key)
    folder = found.folders.get(key)
    if folder is None:
        folder = found.folders[key] = Folder(key)
    files = folder.files
    prefix = _prefix(path)
    subdirs = []
    for entry in entries:
        name = entry.name
        if name[0] == ".":
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            subdirs.append((name, entry.is_symlink()))
        elif is_fits_name(name):
            try:
                st = entry.stat()
            except OSError as exc:
                found.errors.append(ScanError(prefix + name, _missing_reason(prefix + name, exc)))
                continue
            if stat.S_ISREG(st.st_mode):
                files.append((prefix + name, name, st.st_size, st.st_mtime_ns, st.st_mtime))
            else:
                found.errors.append(ScanError(prefix + name, "not a regular file"))
    return subdirs


def _prefix(path: str) -> str:
    """``path`` ready to have a name appended, as ``os.path.join`` would do it."""
    return path if path.endswith("/") else path + "/"


def _add_explicit(found: Walk, explicit: list[tuple[str, int, int, float]]) -> None:
    """Add files named by the user, unless a walked directory already holds them."""
    resolved: dict[str, str] = {}
    walked_names: dict[str, set[str]] = {}
    for path, size, mtime_ns, mtime in explicit:
        head, name = os.path.split(path)
        key = resolved.get(head)
        if key is None:
            key = resolved[head] = os.path.realpath(head or ".")
        folder = found.folders.get(key)
        if folder is None:
            folder = found.folders[key] = Folder(key)
        names = walked_names.get(key)
        if names is None:
            names = walked_names[key] = {found_file[1] for found_file in folder.files}
        if name not in names:
            names.add(name)
            folder.files.append((path, name, size, mtime_ns, mtime))


def _missing_reason(path: str, exc: OSError) -> str:
    reason = os_reason(exc)
    if isinstance(exc, FileNotFoundError) and os.path.islink(path):
        reason += " (broken symbolic link)"
    return reason
