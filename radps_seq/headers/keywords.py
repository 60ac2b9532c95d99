"""EDPS-style keyword names.

Cascade rules name keywords the way EDPS does (``dpr.catg``, ``mjd-obs``), never the
way they are spelled on the card (``HIERARCH ESO DPR CATG``), so every header is stored
under the normalised names and rules never need to know about card syntax.
"""

import sys

_PREFIXES = ("HIERARCH", "ESO")

# Raw keyword fields repeat across thousands of files; normalising each spelling once
# keeps the card parser's per-card cost at one dict lookup. The cap bounds memory for
# pathological inputs with ever-new keywords.
# Names are interned: the header index (marshal) then stores each name once per blob
# and loads it back as the one shared string.
_CACHE: dict[str, str] = {}
_CACHE_LIMIT = 100_000


def normalise_keyword(card_keyword: str) -> str:
    """Return the EDPS name of a card keyword.

    ``'HIERARCH ESO DPR CATG'`` → ``'dpr.catg'``, ``'ESO INS FILT1 NAME'`` →
    ``'ins.filt1.name'``, ``'HIERARCH FOO BAR'`` → ``'foo.bar'``, ``'MJD-OBS'`` →
    ``'mjd-obs'``. A lone ``HIERARCH`` or ``ESO`` word is a keyword in its own right
    and is kept.
    """
    words = card_keyword.split()
    for prefix in _PREFIXES:
        if len(words) > 1 and words[0].upper() == prefix:
            words = words[1:]
    return ".".join(words).lower()


def cached_normalise(raw: str) -> str:
    """:func:`normalise_keyword` memoised on the exact raw keyword field."""
    key = _CACHE.get(raw)
    if key is None:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        key = _CACHE[raw] = sys.intern(normalise_keyword(raw))
    return key
