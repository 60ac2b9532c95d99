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
