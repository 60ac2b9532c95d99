"""Read the primary header of one FITS file, plain or gzip-compressed.

Only the header blocks are read: a file is read 2880-byte block by block (a few at a
time) until the END card, and a ``.gz`` stream is decompressed only that far, so the
cost of a file does not grow with its data size.
"""

import errno
import gzip
import hashlib
import os
import stat
import zlib
from collections.abc import Callable

from radps_seq.errors import InputError
from radps_seq.headers.cards import CARD, parse_cards

BLOCK = 2880
# Most headers fit in a few blocks; one read of this size usually gets the whole
# header in a single system call, and is cheap even when it overshoots.
_FIRST_READ = 4 * BLOCK
_GZIP_MAGIC = b"\x1f\x8b"
# The END card as the standard writes it (long needles make bytes.find fast), and the
# bare keyword that some writers follow with junk, tried only when the first is absent.
_END_CARD = b"END" + b" " * 77
_END_KEYWORD = b"END     "
_OS_REASONS = {
    errno.ENOENT: "no such file or directory",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EISDIR: "is a directory",
}


class HeaderReadError(InputError):
    """A file whose primary header cannot be read; ``reason`` is the bare sentence."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    def __reduce__(self) -> tuple[type, tuple[str, str]]:  # picklable across processes
        return type(self), (self.path, self.reason)


def read_header(path: str | os.PathLike) -> tuple[dict[str, object], str]:
    """Return ``(normalised keywords, identity)`` of the primary header at ``path``.

    ``identity`` is the hex SHA-1 of the raw header bytes (through the END block), so it
    depends on the header content only: a copy elsewhere, or a gzip-compressed copy,
    has the same identity. Raises :class:`HeaderReadError` (an ``InputError``) with one
    clear sentence when the file is missing, unreadable, not FITS or truncated.
    """
    path = os.fspath(path)
    try:
        raw, end = _read_raw(path)
    except OSError as exc:
        raise HeaderReadError(path, os_reason(exc)) from None
    except (EOFError, zlib.error) as exc:
        raise HeaderReadError(path, f"corrupt gzip stream: {exc}") from None
    size = min(len(raw), (end // BLOCK + 1) * BLOCK)
    identity = hashlib.sha1(raw[:size], usedforsecurity=False).hexdigest()
    return parse_cards(raw[:end].decode("latin-1")), identity


def os_reason(exc: OSError) -> str:
    """One lower-case sentence for an operating-system error."""
    if isinstance(exc, gzip.BadGzipFile):
        return f"corrupt gzip stream: {exc}"
    reason = _OS_REASONS.get(exc.errno)
    if reason is None:
        reason = (exc.strerror or str(exc)).lower()
    return reason


def _read_raw(path: str) -> tuple[bytes, int]:
    """Return the raw bytes read so far and the offset of the END card in them."""
    # O_NONBLOCK: a FIFO or device must not hang the scan; it reads as nothing, and
    # only then is the file type looked at (an fstat per file would cost more).
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        try:
            buf = os.read(fd, _FIRST_READ)
        except BlockingIOError:
            buf = b""
        if not buf and not stat.S_ISREG(os.fstat(fd).st_mode):
            raise HeaderReadError(path, "not a regular file")
        if buf[:2] != _GZIP_MAGIC:
            return _read_until_end(path, buf, lambda n: os.read(fd, n))
    finally:
        os.close(fd)
    with gzip.open(path, "rb") as stream:
        return _read_until_end(path, stream.read(_FIRST_READ), stream.read)


def _read_until_end(path: str, buf: bytes, read: Callable[[int], bytes]) -> tuple[bytes, int]:
    """Validate the first card, then keep reading until the END card shows up."""
    if not buf:
        raise HeaderReadError(path, "not a FITS file: the file is empty")
    if not (buf[:10] == b"SIMPLE  = " and buf[10:CARD].split(b"/")[0].strip() == b"T"):
        raise HeaderReadError(path, "not a FITS file: first card is not SIMPLE = T")
    end = _find_end(buf, 0)
    while end < 0:
        more = read(max(len(buf), _FIRST_READ))
        if not more:
            blocks = -(-len(buf) // BLOCK)
            raise HeaderReadError(
                path, f"truncated FITS header: no END card in {blocks} block{'s' * (blocks > 1)}"
            )
        start = len(buf) // CARD * CARD
        buf += more
        end = _find_end(buf, start)
    return buf, end


def _find_end(buf: bytes, start: int) -> int:
    """Offset of the first card-aligned END card at or after ``start``, or -1."""
    for needle in (_END_CARD, _END_KEYWORD):
        i = buf.find(needle, start)
        while i >= 0 and i % CARD:
            i = buf.find(needle, i + 1)
        if i >= 0:
            return i
    return -1
