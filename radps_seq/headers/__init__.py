"""Input files → primary headers: fast FITS header reading, EDPS keyword names, and
the header index that makes re-scans of unchanged files cost only a ``stat``."""

from radps_seq.headers.keywords import normalise_keyword
from radps_seq.headers.model import Header, ScanError, ScanResult
from radps_seq.headers.reader import HeaderReadError, read_header
from radps_seq.headers.scanner import scan

__all__ = [
    "Header",
    "HeaderReadError",
    "ScanError",
    "ScanResult",
    "normalise_keyword",
    "read_header",
    "scan",
]
