"""The records a scan returns: one header per readable file, one error per bad one."""

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Header:
    """The primary header of one input file, keywords in EDPS spelling.

    ``path`` is the path as the user gave it, joined with the walk below it (relative
    stays relative), so messages and job inputs show paths the user recognises.
    ``identity`` is the SHA-1 of the raw header bytes: it names the header content
    independently of where the file lives, for cache keys and de-duplication.
    """

    path: str
    keywords: dict[str, object] = field(hash=False, repr=False)
    size: int
    mtime: float
    identity: str

    def get(self, key: str, default: object = None) -> object:
        """The value of normalised keyword ``key``, or ``default`` when absent."""
        return self.keywords.get(key, default)

    def __getitem__(self, key: str) -> object:
        return self.keywords[key]


@dataclass(frozen=True, slots=True)
class ScanError:
    """A file or path that could not be read, with one sentence saying why."""

    file: str
    error: str


@dataclass
class ScanResult:
    """Everything a scan found: readable headers and errors, each sorted by path."""

    headers: list[Header]
    errors: list[ScanError]


_new = object.__new__
_set_path = Header.path.__set__  # type: ignore[attr-defined]
_set_keywords = Header.keywords.__set__  # type: ignore[attr-defined]
_set_size = Header.size.__set__  # type: ignore[attr-defined]
_set_mtime = Header.mtime.__set__  # type: ignore[attr-defined]
_set_identity = Header.identity.__set__  # type: ignore[attr-defined]


def make_header(
    path: str, keywords: dict[str, object], size: int, mtime: float, identity: str
) -> Header:
    """``Header(path, keywords, size, mtime, identity)``, built through its slots.

    A frozen dataclass's ``__init__`` goes through ``object.__setattr__`` per field;
    setting the slots directly is over twice as fast, and a scan builds one per file
    (~1 us of a ~10 us re-scan per file).
    """
    header = _new(Header)
    _set_path(header, path)
    _set_keywords(header, keywords)
    _set_size(header, size)
    _set_mtime(header, mtime)
    _set_identity(header, identity)
    return header
