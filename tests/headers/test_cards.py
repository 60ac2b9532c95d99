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


@pytest.mark.parametrize("comment", ["  / it's split", "/c"])
def test_an_escaped_quote_split_across_cards_is_joined(comment):
    # the string abc'def, escaped abc''def, written as 'abc'&' and ''def'
    keywords = _parse(f"LONGSTR = 'abc'&'{comment}", f"CONTINUE  ''def'{comment}")
    assert keywords["longstr"] == "abc'def"


def test_an_unterminated_piece_keeps_the_rest_of_its_card():
    keywords = _parse("LONGSTR = 'start&'", "CONTINUE  'no closing quote")
    assert keywords["longstr"] == "startno closing quote"


@pytest.mark.parametrize(
    ("card", "expected"),
    [
        ("N       = 12 / a comment/with a slash", 12),
        ("NUM     = " + "1" * 70, int("1" * 70)),  # the value reaches column 80
        ("OBJECT  = '" + "x" * 69, "x" * 69),  # unterminated, up to column 80
        ("OBJECT  = 'abc' / it's a comment", "abc"),
        ("OBJECT  = 'it''s' / don't", "it's"),
        ("OBJECT  = 'a'''''", "a''"),
        ("HIERARCH ESO DET CHIPS=4", 4),
        ("HIERARCH X= 3", 3),
        ("HIERARCH ESO OBS NAME = 'a=b' / c=d", "a=b"),
    ],
)
def test_card_value_edges(card, expected):
    keywords = _parse(card)
    assert list(keywords.values())[-1] == expected


def test_a_repeated_keyword_without_any_valueless_card_keeps_the_first():
    assert _parse("DUP     = 1", "DUP     = 2", "LAST    = 3") == {
        "simple": True, "bitpix": 8, "naxis": 0, "dup": 1, "last": 3
    }


def test_a_one_character_piece_closes_before_a_quoted_comment():
    assert _parse("LONGSTR = 'start&'", "CONTINUE  'x' / 'note'")["longstr"] == "startx"
