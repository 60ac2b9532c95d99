import numpy as np
import pytest
from astropy.io import fits

from radps_seq.recipes import RecipeError, get_recipe
from radps_seq.recipes.imaging.frames import FILTER, QC_EXTCOEF, QC_ZP

from .images import SIZE, add_star, calibrated_cards, frame_cards, inputs, read, write


@pytest.fixture
def rng():
    return np.random.default_rng(3)


def catalogue(path, field, xs, ys, mags):
    columns = [
        fits.Column(name="FIELD", format="16A", array=np.array([field] * len(xs))),
        fits.Column(name="X", format="D", array=np.asarray(xs)),
        fits.Column(name="Y", format="D", array=np.asarray(ys)),
        fits.Column(name="MAG_V", format="D", array=np.asarray(mags)),
    ]
    primary = fits.PrimaryHDU()
    primary.header["HIERARCH ESO PRO CATG"] = "STD_CATALOG"
    fits.HDUList([primary, fits.BinTableHDU.from_columns(columns)]).writeto(path)
    return str(path)


def test_zero_point_recovers_a_known_magnitude_offset(tmp_path, rng):
    zero_point, extinction, airmass, exptime, gain = 25.3, 0.15, 1.3, 10.0, 2.0
    xs, ys = [16.0, 45.5, 20.3, 40.0], [15.0, 18.2, 44.0, 47.5]
    mags = [14.0, 14.8, 15.5, 16.0]
    image = np.zeros((SIZE, SIZE))
    for x, y, mag in zip(xs, ys, mags, strict=True):
        electrons = 10 ** (-0.4 * (mag - zero_point)) * exptime * 10 ** (-0.4 * extinction * airmass)
        add_star(image, x + 0.8, y - 0.6, electrons)  # the pointing is off by a pixel
    add_star(image, 32, 32, 3e8)  # a saturated, uncatalogued star near the middle
    image += 100 + rng.normal(0, 10, image.shape)
    raw = np.clip(1000 + image / gain, 0, 65535)
    std = write(tmp_path / "std.fits", raw,
                **frame_cards(exptime=exptime, airmass=airmass, gain=gain, seeing=0.6, OBJECT="SA 1"))
    bias = write(tmp_path / "bias.fits", np.full((SIZE, SIZE), 1000.0))
    flat = write(tmp_path / "flat.fits", np.ones((SIZE, SIZE)))
    cat = catalogue(tmp_path / "cat.fits", "SA 1", xs, ys, mags)
    result = get_recipe("imaging_zeropoint")(
        inputs((std, "STD"), (bias, "MASTER_BIAS"), (flat, "MASTER_FLAT"), (cat, "STD_CATALOG")),
        {"extinction": {"V": extinction}}, tmp_path / "zp",
    )
    assert result.qc["zp"] == pytest.approx(zero_point, abs=0.02)
    assert result.qc["n_stars"] == 4
    header = fits.getheader(result.products[0].path)
    assert header["HIERARCH ESO PRO CATG"] == "PHOT_ZEROPOINT"
    assert header[QC_ZP] == pytest.approx(result.qc["zp"])
    assert header[QC_EXTCOEF] == extinction


def test_zero_point_without_measurable_standards_fails(tmp_path):
    std = write(tmp_path / "std.fits", np.full((SIZE, SIZE), 1000.0), **frame_cards(OBJECT="SA 1"))
    bias = write(tmp_path / "bias.fits", np.full((SIZE, SIZE), 1000.0))
    flat = write(tmp_path / "flat.fits", np.ones((SIZE, SIZE)))
    cat = catalogue(tmp_path / "cat.fits", "OTHER FIELD", [10.0], [10.0], [14.0])
    with pytest.raises(RecipeError, match="no unsaturated catalogued standard"):
        get_recipe("imaging_zeropoint")(
            inputs((std, "STD"), (bias, "MASTER_BIAS"), (flat, "MASTER_FLAT"), (cat, "STD_CATALOG")),
            {}, tmp_path,
        )


def zero_point_file(tmp_path, zp=25.0, k=0.1, filter_name="V"):
    header_cards = {QC_ZP: zp, QC_EXTCOEF: k, FILTER: filter_name}
    return write(tmp_path / f"zp_{filter_name}.fits", None, **header_cards)


def test_flux_calibration_puts_frames_on_the_common_zero_point(tmp_path):
    exptime, airmass = 100.0, 1.5
    image = np.zeros((SIZE, SIZE))
    add_star(image, 32, 32, 5e4)
    frame = write(tmp_path / "f.fits", image,
                  **calibrated_cards(0.0, exptime=exptime, airmass=airmass))
    result = get_recipe("imaging_photcal")(
        inputs((frame, "SCI_ILLUMCOR"), (zero_point_file(tmp_path), "PHOT_ZEROPOINT")),
        {"target_zp": 25.0}, tmp_path / "p",
    )
    calibrated = read(result.products[0].path)
    true_mag = (25.0 - 0.1 * airmass) - 2.5 * np.log10(5e4 / exptime)
    measured = 25.0 - 2.5 * np.log10(calibrated.sum())
    assert measured == pytest.approx(true_mag, abs=1e-3)
    assert fits.getheader(result.products[0].path)["PHOTZP"] == 25.0


def test_a_zero_point_of_another_filter_is_refused(tmp_path):
    frame = write(tmp_path / "f.fits", np.zeros((SIZE, SIZE)), **calibrated_cards(0.0, filter_name="V"))
    with pytest.raises(RecipeError, match="zero point for filter 'I'"):
        get_recipe("imaging_photcal")(
            inputs((frame, "SCI_ILLUMCOR"), (zero_point_file(tmp_path, filter_name="I"), "PHOT_ZEROPOINT")),
            {}, tmp_path,
        )


def test_stacking_aligns_dithers_and_beats_down_the_noise(tmp_path, rng):
    offsets = [(0, 0), (4, 0), (0, 4), (-4, -4)]
    frames = []
    for n, (dx, dy) in enumerate(offsets):
        image = rng.normal(0, 1.0, (SIZE, SIZE))
        add_star(image, 30 - dx, 34 - dy, 500)  # the sky moves against the detector
        if n == 1:
            image[10, 10] += 300  # a leftover cosmic ray
        frames.append(write(tmp_path / f"s{n}.fits", image,
                            **calibrated_cards(0.0, offset=(dx, dy), OBJECT="M 67")))
    result = get_recipe("imaging_stack")(
        inputs(*[(f, "SCI_PHOTCAL") for f in frames]), {}, tmp_path / "stack"
    )
    stacked = read(result.products[0].path)
    assert result.qc["n_frames"] == 4
    assert result.qc["noise"] == pytest.approx(result.qc["noise_single"] / 2, rel=0.15)
    assert np.unravel_index(np.nanargmax(stacked), stacked.shape) == (34, 30)
    assert abs(stacked[14, 10]) < 5  # the hit (at 10,10 in frame 1 = 14,10 in the stack) is clipped
    assert result.products[0].category == "SCI_STACK"


def test_frames_of_different_filters_are_not_stacked(tmp_path):
    a = write(tmp_path / "a.fits", np.zeros((SIZE, SIZE)), **calibrated_cards(0.0, filter_name="V"))
    b = write(tmp_path / "b.fits", np.zeros((SIZE, SIZE)), **calibrated_cards(0.0, filter_name="R"))
    with pytest.raises(RecipeError, match="cannot stack"):
        get_recipe("imaging_stack")(inputs((a, "SCI_PHOTCAL"), (b, "SCI_PHOTCAL")), {}, tmp_path)
