import pytest

from radps_seq.headers import normalise_keyword


@pytest.mark.parametrize(
    ("card_keyword", "expected"),
    [
        ("HIERARCH ESO DPR CATG", "dpr.catg"),
        ("ESO INS FILT1 NAME", "ins.filt1.name"),
        ("MJD-OBS", "mjd-obs"),
        ("HIERARCH FOO BAR", "foo.bar"),
        ("DATE-OBS", "date-obs"),
        ("EXPTIME ", "exptime"),
        ("hierarch eso det  win1 binx", "det.win1.binx"),
        ("ESO", "eso"),
        ("HIERARCH", "hierarch"),
        ("HIERARCH ESO", "eso"),
    ],
)
def test_normalise_keyword(card_keyword, expected):
    assert normalise_keyword(card_keyword) == expected
