"""The header index: a SQLite cache of parsed headers in the work directory.

An entry is keyed by the file's resolved directory and name and is valid while the
file's size and mtime (ns) are unchanged, so a re-scan only has to ``stat`` files.

Entries are stored per directory, split into a fixed number of shards by a hash of
the file name, as one marshal blob ``{name: (size, mtime_ns, identity, keywords)}`` per
shard. Within one blob marshal writes a repeated keyword name or value once and refers
back to it, and files of one directory repeat most of both, so a blob is small and
loads several times faster than one blob per file would. Shards keep the rewrite after
one changed file small; they are looked up by name rather than merged on loading.

Concurrent scans of one work directory are safe: WAL journal, a busy timeout, and each
save is one ``BEGIN IMMEDIATE`` transaction that merges into the shards as they are
at that moment rather than overwriting them with what was loaded earlier.
"""

import marshal
import os
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from radps_seq.errors import InputError
from radps_seq.sqlite_wal import enable_wal, readonly_uri, storage_problem, writable

INDEX_NAME = "headers.sqlite"
_SCHEMA = 2
# marshal's format may change between python versions: a different one rebuilds.
_VERSION = _SCHEMA * 1000 + marshal.version
_SHARDS = 16
_BUSY_TIMEOUT_S = 120.0

Entry = tuple[int, int, str, dict[str, object]]  # size, mtime_ns, identity, keywords


class DirEntries:
    """The cached entries of one directory, one dict per shard as stored."""

    __slots__ = ("shards",)

    def __init__(self) -> None:
        self.shards: list[dict[str, Entry]] = [{} for _ in range(_SHARDS)]

    def get(self, name: str) -> Entry | None:
        return self.shards[shard_of(name)].get(name)

    def __len__(self) -> int:
        return sum(map(len, self.shards))

    def __iter__(self) -> Iterator[str]:
        for shard in self.shards:
            yield from shard


class HeaderIndex:
    """Open (creating if needed) the header index of ``workdir``."""

    def __init__(self, workdir: str | os.PathLike):
        self.path = os.path.join(os.fspath(workdir), INDEX_NAME)
        try:
            os.makedirs(workdir, exist_ok=True)
        except OSError as exc:
            raise InputError(f"{workdir}: cannot create the work directory ({exc})") from None
        #: A read-only work directory is read, never written: unknown files are parsed
        #: each time and nothing is saved.
        self.readonly = not writable(workdir)
        self._con: sqlite3.Connection | None = None
        with self._usable():
            if not self.readonly:
                self._con = sqlite3.connect(
                    self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None
                )
                self._prepare()
            elif os.path.isfile(self.path):
                con = sqlite3.connect(readonly_uri(self.path), uri=True, isolation_level=None)
                if con.execute("PRAGMA user_version").fetchone()[0] == _VERSION:
                    self._con = con
                else:
                    con.close()

    @contextmanager
    def _usable(self) -> Iterator[None]:
        """Turn SQLite failures into one message naming the index file."""
        try:
            yield
        except sqlite3.Error as exc:
            problem = storage_problem(exc, f"header index {self.path}")
            if problem is None and "unable to open" in str(exc):
                problem = f"{self.path}: cannot open the header index ({exc})"
            raise InputError(
                problem or f"{self.path}: not a usable header index ({exc}); delete it to rebuild it"
            ) from None

    def _prepare(self) -> None:
        con = self._con
        enable_wal(con, _BUSY_TIMEOUT_S)
        if con.execute("PRAGMA user_version").fetchone()[0] == _VERSION:
            return
        con.execute("BEGIN IMMEDIATE")
        try:
            if con.execute("PRAGMA user_version").fetchone()[0] != _VERSION:
                con.execute("DROP TABLE IF EXISTS entries")
                con.execute(
                    "CREATE TABLE entries (dir TEXT NOT NULL, shard INTEGER NOT NULL,"
                    " entries BLOB NOT NULL, PRIMARY KEY (dir, shard)) WITHOUT ROWID"
                )
                con.execute(f"PRAGMA user_version = {_VERSION}")
            con.execute("COMMIT")
        except BaseException:
            _rollback(con)
            raise

    def close(self) -> None:
        if self._con is not None:
            self._con.close()

    def __enter__(self) -> "HeaderIndex":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def load(self, trees: Iterable[str], dirs: Iterable[str]) -> dict[str, DirEntries]:
        """Entries of every directory in or below ``trees`` and of ``dirs`` themselves."""
        loaded: dict[str, DirEntries] = {}
        if self._con is None:
            return loaded
        with self._usable():
            self._read(loaded, trees, dirs)
        return loaded

    def _read(
        self, loaded: dict[str, DirEntries], trees: Iterable[str], dirs: Iterable[str]
    ) -> None:
        con = self._con
        con.execute("BEGIN")
        try:
            for tree in filter(_storable, trees):
                prefix = tree.rstrip("/") + "/"
                rows = con.execute(
                    "SELECT dir, shard, entries FROM entries"
                    " WHERE dir = ? OR (dir >= ? AND dir < ?)",
                    (tree, prefix, prefix[:-1] + "0"),
                )
                _merge(loaded, rows)
            for directory in filter(_storable, dirs):
                rows = con.execute(
                    "SELECT dir, shard, entries FROM entries WHERE dir = ?", (directory,)
                )
                _merge(loaded, rows)
        finally:
            con.execute("COMMIT")

    def save(
        self,
        changed: dict[str, dict[str, Entry]],
        removed: dict[str, Iterable[str]],
        dropped: Iterable[str] = (),
    ) -> None:
        """Store ``changed`` entries, forget ``removed`` names and ``dropped`` directories.

        One transaction; each touched shard is re-read inside it, so entries another
        process saved since this one loaded are kept.
        """
        if self.readonly:
            return
        dropped = [d for d in dropped if _storable(d)]
        touched: dict[tuple[str, int], tuple[dict[str, Entry], list[str]]] = {}
        for directory, entries in changed.items():
            for name, entry in entries.items():
                touched.setdefault((directory, shard_of(name)), ({}, []))[0][name] = entry
        for directory, names in removed.items():
            for name in names:
                touched.setdefault((directory, shard_of(name)), ({}, []))[1].append(name)
        touched = {key: change for key, change in touched.items() if _storable(key[0])}
        if touched or dropped:
            with self._usable():
                self._write(touched, dropped)

    def _write(
        self,
        touched: dict[tuple[str, int], tuple[dict[str, Entry], list[str]]],
        dropped: list[str],
    ) -> None:
        con = self._con
        con.execute("BEGIN IMMEDIATE")
        try:
            con.executemany("DELETE FROM entries WHERE dir = ?", [(d,) for d in dropped])
            for (directory, shard), (updates, names) in touched.items():
                row = con.execute(
                    "SELECT entries FROM entries WHERE dir = ? AND shard = ?", (directory, shard)
                ).fetchone()
                entries = marshal.loads(row[0]) if row else {}
                for name in names:
                    entries.pop(name, None)
                entries.update(updates)
                if entries:
                    con.execute(
                        "INSERT OR REPLACE INTO entries VALUES (?, ?, ?)",
                        (directory, shard, marshal.dumps(entries)),
                    )
                elif row:
                    con.execute(
                        "DELETE FROM entries WHERE dir = ? AND shard = ?", (directory, shard)
                    )
            con.execute("COMMIT")
        except BaseException:
            _rollback(con)
            raise


def _rollback(con: sqlite3.Connection) -> None:
    """Roll back if a transaction is still open: a failed COMMIT (disk full) has ended
    it already, and the error to report is the commit's, not the rollback's."""
    if con.in_transaction:
        con.execute("ROLLBACK")


def _merge(loaded: dict[str, DirEntries], rows: Iterable[tuple[str, int, bytes]]) -> None:
    for directory, shard, blob in rows:
        entries = loaded.get(directory)
        if entries is None:
            entries = loaded[directory] = DirEntries()
        entries.shards[shard] = marshal.loads(blob)


def shard_of(name: str) -> int:
    """The shard holding the entry of file ``name``: stable across processes."""
    return zlib.crc32(name.encode("utf-8", "surrogateescape")) % _SHARDS


def _storable(directory: str) -> bool:
    """SQLite text must be valid UTF-8; a directory name that is not is not indexed."""
    if directory.isascii():
        return True
    try:
        directory.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
