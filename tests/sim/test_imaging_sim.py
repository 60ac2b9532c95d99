import hashlib
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from radps_seq.errors import RadpsError
from radps_seq.sim import SIMULATORS, SimulationError
from radps_seq.sim.imaging import simulate
from radps_seq.sim.imaging.plan import N_BIAS, N_DARK, N_FLAT, N_ILLUM

SIZE = 64  # tiny frames: the plan and headers are what is tested here


@pytest.fixture(scope="module")
def two_nights(tmp_path_factory):
    out = tmp_path_factory.mktemp("sim")
    return out, simulate(out, nights=2, seed=11, size=SIZE)


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.fits"))
    }


def _headers(root: Path, night: str) -> list[fits.Header]:
    return [fits.getheader(p) for p in sorted((root / "raw" / night).glob("*.fits"))]


def test_the_registry_names_the_imaging_simulator():
    assert SIMULATORS["imaging"] is simulate


def test_the_summary_matches_the_files_on_disk(two_nights):
    out, summary = two_nights
    files = list(out.rglob("*.fits"))
    assert summary.files == len(files)
    assert summary.bytes == sum(p.stat().st_size for p in files)
    for night in summary.nights:
        on_disk = list((out / "raw" / night.night).glob("*.fits"))
        assert night.files == len(on_disk) == sum(night.counts.values())
    assert summary.static_files == ["calib/std_catalog.fits"]
    assert summary.to_dict()["out"] == str(out)


def _on_disk(root: Path, night: str) -> Counter:
    """Files of each DPR TYPE the simulator wrote for ``night`` (read from the files)."""
    return Counter(h["HIERARCH ESO DPR TYPE"] for h in _headers(root, night))


def test_a_night_follows_the_calibration_plan(two_nights):
    out, summary = two_nights
    first, second = summary.nights[0], summary.nights[1]
    headers = _headers(out, first.night)
    written = _on_disk(out, first.night)
    setups = {(h["HIERARCH ESO INS FILT1 NAME"], h["HIERARCH ESO DET BINX"])
              for h in headers if h["HIERARCH ESO DPR TYPE"] == "OBJECT"}
    filters = {f for f, _ in setups}
    assert first.missing == [] and first.weather == "clear"  # the first night is complete
    assert dict(written) == first.counts  # the summary tells what is on disk
    binnings = {h["HIERARCH ESO DET BINX"] for h in headers if h["HIERARCH ESO DPR TYPE"] == "BIAS"}
    assert binnings == {1, 2} and written["BIAS"] == 2 * N_BIAS  # both binnings
    assert written["DARK"] == 2 * N_DARK  # darks on the first of every third day
    assert written["FLAT,DOME"] == N_FLAT * len(setups)
    assert written["FLAT,SKY"] == N_FLAT * len(setups)
    assert written["STD"] == len(filters)
    assert written["FLAT,NIGHTSKY"] > 0 and written["FLAT,NIGHTSKY"] % N_ILLUM == 0
    fringing = {(f, b) for f, b in setups if f in ("I", "z")}
    assert written["SKY,FRINGE"] == 3 * len(fringing)
    assert written["OBJECT"] >= 6
    later = _on_disk(out, second.night)
    assert dict(later) == second.counts
    assert later["FLAT,NIGHTSKY"] == 0 and later["DARK"] == 0  # weekly; every third day
    assert later["BIAS"] == 2 * N_BIAS and later["OBJECT"] >= 1


def test_headers_are_eso_style_and_readable(two_nights):
    out, summary = two_nights
    headers = _headers(out, summary.nights[0].night)
    for h in headers:
        for card in ("HIERARCH ESO DPR CATG", "HIERARCH ESO DPR TYPE", "HIERARCH ESO DPR TECH",
                     "HIERARCH ESO INS FILT1 NAME", "HIERARCH ESO DET BINX", "HIERARCH ESO DET BINY",
                     "HIERARCH ESO TPL START", "EXPTIME", "MJD-OBS", "DATE-OBS", "OBJECT"):
            assert card in h, card
        assert h["NAXIS1"] == SIZE // h["HIERARCH ESO DET BINX"]
        hidden = [k for k in h if any(w in k for w in ("TRANSP", "COSMIC", "GRADIENT", "TRUTH"))]
        assert hidden == []
    science = [h for h in headers if h["HIERARCH ESO DPR TYPE"] == "OBJECT"]
    for card in ("HIERARCH ESO TEL AIRM START", "HIERARCH ESO TEL AMBI FWHM START",
                 "HIERARCH ESO TEL AMBI RHUM", "HIERARCH ESO TEL MOON ILLU",
                 "HIERARCH ESO TEL MOON DIST", "HIERARCH ESO SEQ CUMOFFSETX"):
        assert all(card in h for h in science), card
    assert len({h["MJD-OBS"] for h in headers}) == len(headers)  # no two identical headers


def test_headers_normalise_to_the_cascade_keywords(two_nights):
    from radps_seq.headers import read_header

    out, summary = two_nights
    path = next((out / "raw" / summary.nights[0].night).glob("*.fits"))
    keywords, _ = read_header(path)
    for name in ("dpr.catg", "dpr.type", "ins.filt1.name", "det.binx", "exptime", "mjd-obs",
                 "tpl.start"):
        assert name in keywords, name


def test_pixel_data_look_like_raw_frames(two_nights):
    out, summary = two_nights
    by_type: dict[str, list[np.ndarray]] = {}
    for path in sorted((out / "raw" / summary.nights[0].night).glob("*.fits")):
        with fits.open(path) as hdus:
            by_type.setdefault(hdus[0].header["HIERARCH ESO DPR TYPE"], []).append(hdus[0].data)
    bias = by_type["BIAS"][0]
    assert bias.dtype == np.uint16
    assert 990 < np.median(bias) < 1010
    assert all(12000 < np.median(f) - 1000 < 32000 for f in by_type["FLAT,DOME"])
    sky = [np.median(f) - 1000 for f in by_type["OBJECT"]]
    assert min(sky) > 0


def test_the_same_seed_gives_the_same_bytes_and_another_seed_does_not(tmp_path):
    a = simulate(tmp_path / "a", nights=1, seed=5, size=32)
    simulate(tmp_path / "b", nights=1, seed=5, size=32)
    simulate(tmp_path / "c", nights=1, seed=6, size=32)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    assert _digests(tmp_path / "a") != _digests(tmp_path / "c")
    assert a.nights[0].files == len(_digests(tmp_path / "a")) - 1  # plus the catalogue


def test_missing_calibrations_really_are_missing(tmp_path):
    summary = simulate(tmp_path, nights=4, seed=2, size=32)
    missing = {m for night in summary.nights for m in night.missing}
    assert missing, "seed 2 is expected to produce a night with missing calibrations"
    absent = {"bias": "BIAS", "twilight_flat": "FLAT,SKY", "std": "STD", "fringe": "SKY,FRINGE"}
    for night in summary.nights:
        for item in night.missing:
            kind = absent.get(item)
            if kind is not None:
                assert kind not in night.counts, (night.night, item)
            else:
                assert item.startswith("dome_flat:")
                filt, binning = item.split(":")[1].split("/")
                taken = [
                    h for h in _headers(tmp_path, night.night)
                    if h["HIERARCH ESO DPR TYPE"] == "FLAT,DOME"
                    and h["HIERARCH ESO INS FILT1 NAME"] == filt
                    and f"{h['HIERARCH ESO DET BINX']}x{h['HIERARCH ESO DET BINY']}" == binning
                ]
                assert taken == []


def test_archive_masters_carry_their_product_category(tmp_path):
    summary = simulate(tmp_path, nights=1, seed=1, size=32, with_masters=True)
    masters = [fits.getheader(tmp_path / p) for p in summary.static_files if p.startswith("masters/")]
    categories = {h["HIERARCH ESO PRO CATG"] for h in masters}
    assert categories == {"MASTER_BIAS", "MASTER_DARK", "MASTER_FLAT", "MASTER_ILLUM",
                          "MASTER_FRINGE", "PHOT_ZEROPOINT"}
    first_night = summary.nights[0].evening_mjd
    assert all(h["MJD-OBS"] < first_night for h in masters)
    flats = [h for h in masters if h["HIERARCH ESO PRO CATG"] == "MASTER_FLAT"]
    assert all("HIERARCH ESO INS FILT1 NAME" in h and "HIERARCH ESO DET BINX" in h for h in flats)


@pytest.mark.parametrize("kwargs", [{"nights": 0}, {"nights": 1, "size": 50}, {"nights": 1, "size": 16}])
def test_impossible_requests_are_refused_clearly(tmp_path, kwargs):
    with pytest.raises(SimulationError) as caught:
        simulate(tmp_path, seed=1, **kwargs)
    assert isinstance(caught.value, RadpsError)
    assert "imaging simulation" in str(caught.value)
