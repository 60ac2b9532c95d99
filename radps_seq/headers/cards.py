"""Parse 80-character FITS header cards into python values.

This is the hot loop of a scan (tens of thousands of files, ~40-400 cards each), so it
avoids astropy's per-card objects. Two facts make it fast:

- files of one night and instrument share most of their cards byte for byte (``BITPIX``,
  ``INSTRUME``, ``HIERARCH ESO DPR CATG = 'CALIB'`` …), so each distinct card image is
  parsed once and then found in a bounded memo;
- a header without CONTINUE cards is a plain list of independent cards, so it is turned
  into a dict in one C-level call.

Values follow astropy's reading; the tests check both agree on headers astropy writes.
"""

import re

from radps_seq.headers.keywords import cached_normalise

CARD = 80
_SPLIT = re.compile(f".{{{CARD}}}", re.DOTALL).findall

# card image -> (keyword, value); cleared when full, which keeps memory bounded while the
# cards that repeat across files are back in it after one file.
_MEMO: dict[str, tuple[str, object]] = {}
_MEMO_LIMIT = 50_000
# Returned for cards without a value (COMMENT, HISTORY, blank, CONTINUE, …).
_SKIP: tuple[str, object] = ("", None)


def parse_cards(text: str) -> dict[str, object]:
    """Return ``{normalised keyword: value}`` for the cards in ``text``.

    ``text`` holds whole cards before the END card. Values: quoted strings (``''``
    unescaped, trailing blanks stripped, CONTINUE pieces joined), ``T``/``F`` → bool,
    integers, floats (``D`` exponents too), complex ``(re, im)``, an empty value →
    ``None``. COMMENT, HISTORY, blank and other cards without a value are ignored.
    An unparsable value is kept as its raw text rather than failing the whole file.
    When a keyword repeats, the first card wins, as with ``astropy`` header look-ups.
    """
    if "CONTINUE" in text:
        return _parse_in_order(text)
    known = _MEMO.get
    pairs = [known(card) or _parse_card(card) for card in _SPLIT(text)]
    keywords = dict(pairs)
    skipped = pairs.count(_SKIP)
    if skipped:
        keywords.pop("", None)
    if len(keywords) + skipped != len(pairs):  # a repeated keyword: first card wins
        keywords = {}
        for key, value in pairs:
            keywords.setdefault(key, value)
        keywords.pop("", None)
    return keywords


def _parse_in_order(text: str) -> dict[str, object]:
    """Card by card, so that long strings can take in the CONTINUE cards after them."""
    keywords: dict[str, object] = {}
    known = _MEMO.get
    for pos in range(0, len(text), CARD):
        card = text[pos : pos + CARD]
        key, value = known(card) or _parse_card(card)
        if not key:
            continue
        if isinstance(value, str) and text[pos + CARD : pos + CARD + 8] == "CONTINUE":
            field = _split_card(card)[1].lstrip()
            if field[:1] == "'":
                value = _join_continue(text, pos + CARD, _piece(field))
        keywords.setdefault(key, value)
    return keywords


def _split_card(card: str) -> tuple[str, str] | None:
    """``(raw keyword, value field)`` of a card with a value, else ``None``."""
    if card[8:10] == "= ":
        return card[:8], card[10:]
    if card[:9] == "HIERARCH ":
        eq = card.find("=", 9)
        if eq > 9:
            return card[:eq], card[eq + 1 :]
    return None


def _parse_card(card: str) -> tuple[str, object]:
    """Parse one card image, remember it, and return ``(keyword, value)`` or ``_SKIP``."""
    split = _split_card(card)
    if split is None:
        pair = _SKIP
    else:
        key = cached_normalise(split[0])
        pair = (key, _parse_value(split[1].lstrip())) if key else _SKIP
    if len(_MEMO) >= _MEMO_LIMIT:
        _MEMO.clear()
    _MEMO[card] = pair
    return pair


def _parse_value(v: str) -> object:
    """The python value of a left-stripped value field (comment included)."""
    if v[:1] == "'":
        return _quoted(v).rstrip().replace("''", "'")
    slash = v.find("/")
    tok = (v[:slash] if slash >= 0 else v).rstrip()
    if tok == "T":
        return True
    if tok == "F":
        return False
    if not tok:
        return None
    return _number(tok)


def _number(tok: str) -> object:
    """int, float (``E`` or ``D`` exponent), complex ``(re, im)``, or the raw text."""
    try:
        if tok.lstrip("+-").isdecimal():
            return int(tok)
        if tok[0] == "(" and tok[-1] == ")":
            real, imag = (_number(part.strip()) for part in tok[1:-1].split(","))
            return complex(real, imag)
        return float(tok.replace("D", "E"))
    except (ValueError, TypeError):
        return tok


def _quoted(v: str) -> str:
    """The text between the opening quote of ``v`` and its closing quote, escapes kept."""
    j = v.find("'", 1)
    while j >= 0 and v[j + 1 : j + 2] == "'":
        j = v.find("'", j + 2)
    return v[1:j] if j >= 0 else v[1:]


def _piece(v: str) -> str:
    """The quoted text of one piece of a long string, escapes kept.

    Writers split a long string's escaped ``''`` across cards (``'…'&'`` then
    ``''…'``), so here, as in astropy, the closing quote is the first one after at least
    one character that only blanks and then a comment or the end of the card follow.
    """
    j = v.find("'", 2)
    while j >= 0:
        rest = v[j + 1 :].lstrip()
        if not rest or rest[0] == "/":
            return v[1:j]
        j = v.find("'", j + 1)
    return _quoted(v)


def _join_continue(text: str, pos: int, first: str) -> str:
    """The value of a long string continued on the CONTINUE cards from ``pos`` on.

    As in astropy, every piece loses its trailing blanks and one trailing ``&`` before
    the pieces are joined and unescaped.
    """
    pieces = [first]
    while text[pos : pos + 8] == "CONTINUE":
        field = text[pos + 8 : pos + CARD].lstrip()
        if field[:1] != "'":
            break
        pieces.append(_piece(field))
        pos += CARD
    joined = []
    for piece in pieces:
        piece = piece.rstrip()
        joined.append(piece[:-1] if piece.endswith("&") else piece)
    return "".join(joined).rstrip().replace("''", "'")
