"""Long strings over CONTINUE cards read as astropy reads them: comments after a piece,
blanks at either end, quotes escaped across a card boundary, and where a long string
ends."""

from __future__ import annotations

import pytest
from astropy.io import fits

from radps_seq.headers import read_header
from radps_seq.headers.cards import parse_cards

from .test_reader import astropy_keywords, raw_header

LONG_VALUES = [
    "   leading blanks stay " + "x" * 70,
    "trailing blanks go " + "y" * 70 + "    ",
    "a quote ' " * 12,  # escaped quotes land on card boundaries
    "q" * 66 + "'" + "r" * 70,  # the escaped pair straddles the first split
    "pieces " + " " * 64 + "with blanks at the split " + "w" * 40,
]


@pytest.mark.parametrize("value", LONG_VALUES)
@pytest.mark.parametrize("comment", ["", "a comment", "it's a comment / with a slash"])
def test_long_strings_read_like_astropy(tmp_path, value, comment):
    header = fits.Header()
    header["LONGSTR"] = (value, comment) if comment else value
    header["AFTER"] = 1
    path = tmp_path / "long.fits"
    fits.PrimaryHDU(header=header).writeto(path)
    assert "CONTINUE" in fits.getheader(path).tostring()
    keywords = read_header(path)[0]
    assert keywords == astropy_keywords(path)
    assert keywords["longstr"] == value.rstrip() and keywords["after"] == 1


def _parse(*cards: str) -> dict[str, object]:
    text = raw_header(*cards).decode("latin-1")
    return parse_cards(text[: text.index("END ")])


def test_a_continue_card_without_a_string_ends_the_long_string():
    keywords = _parse("LONGSTR = 'first&'", "CONTINUE  'second&'", "CONTINUE  / only a comment",
                      "CONTINUE  'not part of it'", "AFTER   = 2")
    assert keywords["longstr"] == "firstsecond" and keywords["after"] == 2


def test_a_piece_closes_at_the_quote_followed_by_its_comment():
    keywords = _parse("LONGSTR = 'it''s &'  / first comment", "CONTINUE  ''' quoted''&'  / it's",
                      "CONTINUE  'end'   /last")
    assert keywords["longstr"] == "it's ' quoted'end"


def test_a_short_string_before_a_continue_card_is_not_extended_by_a_number():
    keywords = _parse("NUMBER  = 12 / n", "CONTINUE  'stray'", "TEXT    = 'short'", "CONTINUE  'more'")
    assert keywords == {"simple": True, "bitpix": 8, "naxis": 0, "number": 12, "text": "shortmore"}
