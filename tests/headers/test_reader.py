import gzip
import os
import pickle
import re
import string
import tempfile

import pytest
from astropy.io import fits
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from radps_seq.errors import InputError
from radps_seq.headers import HeaderReadError, normalise_keyword, read_header
from radps_seq.headers.cards import parse_cards

from .conftest import ESO_BIAS, write_fits

_STRUCTURAL = {"SIMPLE", "BITPIX", "NAXIS", "EXTEND", "END", "COMMENT", "HISTORY", "CONTINUE"}


def astropy_keywords(path: str) -> dict[str, object]:
    """What astropy reads, in EDPS names, for comparison (first card wins)."""
    out: dict[str, object] = {}
    for card in fits.getheader(path).cards:
        if card.keyword in ("", "COMMENT", "HISTORY"):
            continue
        value = None if isinstance(card.value, fits.card.Undefined) else card.value
        out.setdefault(normalise_keyword(card.keyword), value)
    return out


def raw_header(*cards: str) -> bytes:
    """A primary header from literal card images (padded), for card syntax astropy won't write."""
    images = ["SIMPLE  =                    T", "BITPIX  =                    8",
              "NAXIS   =                    0", *cards, "END"]
    text = "".join(image.ljust(80) for image in images)
    return (text + " " * (-len(text) % 2880)).encode("latin-1")


def test_eso_header_read_like_astropy(tmp_path):
    path = write_fits(tmp_path / "bias.fits")
    keywords, identity = read_header(path)
    assert keywords == astropy_keywords(path)
    assert keywords["dpr.catg"] == "CALIB"
    assert keywords["det.win1.binx"] == 2
    assert keywords["det.shut.open"] is False
    assert keywords["mjd-obs"] == 60310.12345678
    assert len(identity) == 40 and int(identity, 16) >= 0


def test_gzip_file_reads_the_same_and_has_the_same_identity(tmp_path):
    plain = write_fits(tmp_path / "bias.fits")
    packed = write_fits(tmp_path / "bias.fits.gz")
    with open(packed, "rb") as f:
        assert f.read(2) == b"\x1f\x8b"
    assert read_header(packed) == read_header(plain)


def test_gzip_reads_only_the_header_part_of_the_stream(tmp_path):
    """A valid header followed by a corrupt stream is still read: the data is never inflated."""
    header = raw_header("OBJECT  = 'x'")
    path = tmp_path / "big.fits.gz"
    with gzip.open(path, "wb") as f:
        f.write(header + os.urandom(4 << 20))
    with open(path, "rb") as f:
        data = bytearray(f.read())
    data[len(data) // 2 :] = b"\0" * (len(data) - len(data) // 2)  # break the tail
    path.write_bytes(bytes(data))
    assert read_header(path)[0]["object"] == "x"


def test_identity_depends_on_content_not_on_path(tmp_path):
    a = write_fits(tmp_path / "a.fits")
    (tmp_path / "elsewhere").mkdir()
    b = write_fits(tmp_path / "elsewhere" / "b.fits")
    c = write_fits(tmp_path / "c.fits", {**ESO_BIAS, "MJD-OBS": 1.0})
    assert read_header(a)[1] == read_header(b)[1] != read_header(c)[1]


def test_header_spanning_many_blocks(tmp_path):
    keywords = {f"HIERARCH ESO QC VAL{i}": i * 0.5 for i in range(300)}
    path = write_fits(tmp_path / "long.fits", keywords)
    assert os.path.getsize(path) > 4 * 2880
    assert read_header(path)[0] == astropy_keywords(path)


@pytest.mark.parametrize(
    ("card", "expected"),
    [
        ("DEC     = -1.5D+02 / declination", -150.0),
        ("OBJECT  = 'it''s / not a comment' / a comment", "it's / not a comment"),
        ("OBJECT  = '  lead   '", "  lead"),
        ("OBJECT  = ''", ""),
        ("OBJECT  = '        '", ""),
        ("OBJECT  = 'a&'", "a&"),
        ("UNDEF   =                      / nothing here", None),
        ("FLAG    =                    T", True),
        ("FLAG    =                    F / no", False),
        ("BIG     = 123456789012345678901234567890", 123456789012345678901234567890),
        ("NEG     = -42", -42),
        ("CPLX    = (1.5, -2)", complex(1.5, -2)),
        ("ODD     = 12 apples", "12 apples"),
        ("HIERARCH ESO DET WIN1 BINX= 2", 2),
    ],
)
def test_card_values(card, expected):
    keywords = parse_cards(raw_header(card).decode("latin-1").split("END ")[0])
    assert list(keywords.values())[-1] == expected
    assert type(list(keywords.values())[-1]) is type(expected)


@pytest.mark.parametrize("value", ["it'/s", "x' / y", "0" * 87 + "'" * 3 + " /" + "0" * 39])
def test_quote_before_slash_stays_in_the_string(tmp_path, value):
    """``'it''/s'`` is one string by the FITS standard; astropy 8 cuts it at ``''/``."""
    header = fits.Header()
    header["OBJECT"] = value
    path = tmp_path / "q.fits"
    fits.PrimaryHDU(header=header).writeto(path)
    assert read_header(path)[0]["object"] == value


def test_continue_cards_join_a_long_string():
    text = raw_header(
        "LONGSTR = 'first part &'",
        "CONTINUE  'second part&'",
        "CONTINUE  'end'  / comment",
        "AFTER   = 1",
    ).decode("latin-1")
    keywords = parse_cards(text[: text.index("END ")])
    assert keywords["longstr"] == "first part second partend"
    assert keywords["after"] == 1


def test_comment_history_and_blank_cards_are_ignored_and_first_duplicate_wins():
    text = raw_header(
        "COMMENT   = 'not a value'",
        "HISTORY   done",
        "",
        "DUP     = 1",
        "DUP     = 2",
    ).decode("latin-1")
    keywords = parse_cards(text[: text.index("END ")])
    assert keywords == {"simple": True, "bitpix": 8, "naxis": 0, "dup": 1}


# --- errors ------------------------------------------------------------------------------


def test_not_a_fits_file(tmp_path):
    path = tmp_path / "notes.fits"
    path.write_text("hello world\n" * 500)
    with pytest.raises(InputError, match=r"notes\.fits: not a FITS file: first card is not SIMPLE = T"):
        read_header(path)


def test_simple_false_is_not_a_fits_file(tmp_path):
    path = tmp_path / "f.fits"
    path.write_bytes(raw_header().replace(b"                    T", b"                    F", 1))
    with pytest.raises(HeaderReadError, match="not a FITS file"):
        read_header(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.fits"
    path.write_bytes(b"")
    with pytest.raises(HeaderReadError, match="not a FITS file: the file is empty"):
        read_header(path)


def test_truncated_header(tmp_path):
    path = write_fits(tmp_path / "t.fits", {f"KEY{i}": i for i in range(60)})
    data = open(path, "rb").read()
    open(path, "wb").write(data[:2880])
    with pytest.raises(HeaderReadError) as info:
        read_header(path)
    assert info.value.reason == "truncated FITS header: no END card in 1 block"
    assert info.value.path == path


def test_truncated_gzip_header(tmp_path):
    path = tmp_path / "t.fits.gz"
    with gzip.open(path, "wb") as f:
        f.write(raw_header("A = 1")[: 2 * 80])
    with pytest.raises(HeaderReadError, match="truncated FITS header: no END card in 1 block"):
        read_header(path)


def test_corrupt_gzip(tmp_path):
    path = tmp_path / "c.fits.gz"
    path.write_bytes(b"\x1f\x8b" + os.urandom(3000))
    with pytest.raises(HeaderReadError, match="corrupt gzip stream"):
        read_header(path)


def test_missing_file(tmp_path):
    with pytest.raises(HeaderReadError, match=r"gone\.fits: no such file or directory"):
        read_header(tmp_path / "gone.fits")


def test_directory(tmp_path):
    (tmp_path / "d.fits").mkdir()
    with pytest.raises(HeaderReadError, match="is a directory"):
        read_header(tmp_path / "d.fits")


def test_fifo_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe.fits")
    with pytest.raises(HeaderReadError, match="not a regular file"):
        read_header(tmp_path / "pipe.fits")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_permission_denied(tmp_path):
    path = write_fits(tmp_path / "locked.fits")
    os.chmod(path, 0)
    with pytest.raises(HeaderReadError, match="permission denied"):
        read_header(path)


# --- the parser agrees with astropy on headers astropy writes -------------------------------

_standard_names = st.text(string.ascii_uppercase + string.digits + "_-", min_size=1, max_size=8)
_hierarch_names = st.lists(
    st.text(string.ascii_uppercase + string.digits, min_size=1, max_size=6), min_size=2, max_size=4
).map(lambda words: "HIERARCH ESO " + " ".join(words))
_ascii = st.characters(min_codepoint=32, max_codepoint=126)
_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**25), max_value=10**25),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(_ascii, max_size=20),
    st.text(_ascii, min_size=60, max_size=200),  # long enough for CONTINUE cards
).filter(lambda v: not (isinstance(v, str) and re.search("' */", v)))  # see test_quote_before_slash


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.one_of(_standard_names, _hierarch_names).filter(
            lambda k: k not in _STRUCTURAL and not k.startswith("NAXIS")
        ),
        _values,
        max_size=25,
    )
)
def test_reader_agrees_with_astropy(keywords):
    header = fits.Header()
    try:
        for key, value in keywords.items():
            header[key] = value
    except (ValueError, fits.verify.VerifyError):
        assume(False)  # astropy itself refuses this card (e.g. too long for HIERARCH)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "h.fits")
        try:
            fits.PrimaryHDU(header=header).writeto(path)
            expected = astropy_keywords(path)
        except (ValueError, fits.verify.VerifyError):
            assume(False)  # astropy refuses to write this header, or to read it back
        assert read_header(path)[0] == expected


def test_read_error_survives_pickling(tmp_path):
    with pytest.raises(HeaderReadError) as info:
        read_header(tmp_path / "gone.fits")
    copy = pickle.loads(pickle.dumps(info.value))
    assert (str(copy), copy.path, copy.reason) == (str(info.value), info.value.path, info.value.reason)
