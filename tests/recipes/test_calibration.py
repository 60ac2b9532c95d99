import numpy as np
import pytest

from radps_seq.recipes import RecipeError, get_recipe
from radps_seq.recipes.imaging.frames import GAIN, SKY_LEVEL

from .images import SIZE, frame_cards, inputs, read, star_field, write


@pytest.fixture
def rng():
    return np.random.default_rng(42)


@pytest.fixture
def master_bias(tmp_path):
    return write(tmp_path / "mbias.fits", np.full((SIZE, SIZE), 1000.0))


def test_bias_combination_rejects_a_cosmic_ray(tmp_path, rng):
    paths = []
    for n in range(5):
        data = 1000 + rng.normal(0, 3, (SIZE, SIZE))
        if n == 2:
            data[10, 12] += 2500  # a cosmic ray in one frame
        paths.append(write(tmp_path / f"bias{n}.fits", data, **frame_cards(exptime=0.0)))
    result = get_recipe("imaging_bias")(inputs(*[(p, "BIAS") for p in paths]), {}, tmp_path / "out")
    master = read(result.products[0].path)
    assert result.products[0].category == "MASTER_BIAS"
    assert abs(master[10, 12] - 1000) < 5  # a plain mean would be 1500
    assert abs(result.qc["ron"] - 3) < 0.5
    assert result.qc["n_frames"] == 5
    assert result.products[0].path.startswith(str(tmp_path / "out"))


def test_dark_is_a_rate_and_calibration_scales_it_by_exposure_time(tmp_path, rng, master_bias):
    rate = np.full((SIZE, SIZE), 0.2)
    rate[20, 30] = 40.0  # a hot pixel, ADU/s
    darks = [
        write(tmp_path / f"dark{n}.fits", 1000 + rate * 600 + rng.normal(0, 3, (SIZE, SIZE)),
              **frame_cards(exptime=600.0))
        for n in range(3)
    ]
    result = get_recipe("imaging_dark")(
        inputs(*[(p, "DARK") for p in darks], (master_bias, "MASTER_BIAS")), {}, tmp_path / "d"
    )
    master_dark = result.products[0].path
    assert np.allclose(read(master_dark)[20, 30], 40.0, rtol=0.01)
    assert result.qc["hot_pixels"] == 1

    flat = write(tmp_path / "flat.fits", np.ones((SIZE, SIZE)))
    exptime, gain = 150.0, 2.0
    science = write(tmp_path / "sci.fits", 1000 + rate * exptime + 500 / gain,
                    **frame_cards(exptime=exptime, gain=gain))
    calibrated = get_recipe("imaging_calibrate")(
        inputs((science, "OBJECT"), (master_bias, "MASTER_BIAS"), (master_dark, "MASTER_DARK"),
               (flat, "MASTER_FLAT")),
        {}, tmp_path / "c",
    )
    image = read(calibrated.products[0].path)
    assert abs(image[20, 30]) < 5  # 6000 ADU of dark removed, scaled from 600 s to 150 s
    assert calibrated.qc["sky_level"] == pytest.approx(500, rel=0.01)  # in electrons


def test_flat_is_normalised_to_median_one(tmp_path, rng, master_bias):
    yy, xx = np.mgrid[:SIZE, :SIZE]
    response = (1 + 0.1 * xx / SIZE) * (1 + 0.01 * rng.standard_normal((SIZE, SIZE)))
    flats = [
        write(tmp_path / f"flat{n}.fits", 1000 + level * response, **frame_cards(exptime=5.0))
        for n, level in enumerate((10000, 20000, 15000))
    ]
    result = get_recipe("imaging_flat")(
        inputs(*[(p, "FLAT_TWILIGHT") for p in flats], (master_bias, "MASTER_BIAS")), {}, tmp_path
    )
    master = read(result.products[0].path)
    assert np.median(master) == pytest.approx(1.0, abs=1e-4)
    assert np.allclose(master, response / np.median(response), rtol=0.01)
    assert result.products[0].category == "MASTER_FLAT"


def test_a_flat_without_light_is_refused(tmp_path, master_bias):
    dark_frame = write(tmp_path / "f.fits", np.full((SIZE, SIZE), 1000.0), **frame_cards())
    with pytest.raises(RecipeError, match="no signal"):
        get_recipe("imaging_flat")(
            inputs((dark_frame, "FLAT_DOME"), (master_bias, "MASTER_BIAS")), {}, tmp_path
        )


def test_masters_of_another_binning_are_refused_with_the_file_named(tmp_path):
    bias = write(tmp_path / "bias_2x2.fits", np.full((SIZE // 2, SIZE // 2), 1000.0))
    flat = write(tmp_path / "flat.fits", np.ones((SIZE, SIZE)))
    science = write(tmp_path / "sci.fits", np.full((SIZE, SIZE), 1100.0), **frame_cards())
    with pytest.raises(RecipeError, match="bias_2x2.fits.*MASTER_BIAS"):
        get_recipe("imaging_calibrate")(
            inputs((science, "OBJECT"), (bias, "MASTER_BIAS"), (flat, "MASTER_FLAT")), {}, tmp_path
        )


def test_a_missing_calibration_is_named(tmp_path):
    science = write(tmp_path / "sci.fits", np.full((SIZE, SIZE), 1100.0), **frame_cards())
    with pytest.raises(RecipeError, match="MASTER_BIAS"):
        get_recipe("imaging_calibrate")(inputs((science, "OBJECT")), {}, tmp_path)


def _sky_frames(tmp_path, rng, pattern_of, n=3, sky=2000.0, name="sky"):
    """Raw dithered blank-sky frames whose flat-fielded sky is sky * pattern_of(shape)."""
    frames = []
    for k in range(n):
        stars = np.roll(star_field(rng), (7 * k, 11 * k), axis=(0, 1))
        data = 1000 + sky * pattern_of() + stars + rng.normal(0, np.sqrt(sky), (SIZE, SIZE))
        frames.append(write(tmp_path / f"{name}{k}.fits", data, **frame_cards(exptime=120.0)))
    return frames


def test_fringe_map_recovers_the_fringe_pattern(tmp_path, rng, master_bias):
    yy, xx = np.mgrid[:SIZE, :SIZE]
    fringes = np.sin(2 * np.pi * (xx + 0.5 * yy) / 16.0)
    frames = _sky_frames(tmp_path, rng, lambda: 1 + 0.05 * fringes)
    flat = write(tmp_path / "flat.fits", np.ones((SIZE, SIZE)))
    result = get_recipe("imaging_fringe_map")(
        inputs(*[(f, "FRINGE") for f in frames], (master_bias, "MASTER_BIAS"), (flat, "MASTER_FLAT")),
        {}, tmp_path / "fr",
    )
    fringe_map = read(result.products[0].path)
    assert result.products[0].category == "MASTER_FRINGE"
    inner = (slice(8, -8), slice(8, -8))
    assert np.corrcoef(fringe_map[inner].ravel(), fringes[inner].ravel())[0, 1] > 0.9
    assert np.std(fringe_map[inner]) == pytest.approx(0.05 / np.sqrt(2), rel=0.3)


def test_illumination_map_undoes_the_flat_fields_large_scale_error(tmp_path, rng, master_bias):
    yy, xx = np.mgrid[:SIZE, :SIZE]
    scattered = 1 + 0.04 * (xx / SIZE - 0.5)  # the flat saw this much extra light
    frames = _sky_frames(tmp_path, rng, lambda: np.ones((SIZE, SIZE)), name="ill")
    flat = write(tmp_path / "flat.fits", scattered)
    result = get_recipe("imaging_illumination_map")(
        inputs(*[(f, "ILLUM") for f in frames], (master_bias, "MASTER_BIAS"), (flat, "MASTER_FLAT")),
        {}, tmp_path / "il",
    )
    correction = read(result.products[0].path)
    expected = scattered / np.median(scattered)
    assert np.max(np.abs(correction - expected)[8:-8, 8:-8]) < 0.006
    assert result.qc["illum_range"] == pytest.approx(0.04, abs=0.01)


def test_sky_model_has_the_shape_of_the_offset_sky(tmp_path, rng, master_bias):
    yy, xx = np.mgrid[:SIZE, :SIZE]
    gradient = 1 + 0.1 * (yy / SIZE - 0.5)
    frames = _sky_frames(tmp_path, rng, lambda: gradient, n=2, name="offsky")
    flat = write(tmp_path / "flat.fits", np.ones((SIZE, SIZE)))
    result = get_recipe("imaging_sky_model")(
        inputs(*[(f, "SKY") for f in frames], (master_bias, "MASTER_BIAS"), (flat, "MASTER_FLAT")),
        {}, tmp_path / "sm",
    )
    model = read(result.products[0].path)
    assert np.median(model) == pytest.approx(1.0, abs=1e-3)
    assert np.max(np.abs(model - gradient / np.median(gradient))[8:-8, 8:-8]) < 0.01


def test_calibrated_frames_record_sky_level_and_electron_units(tmp_path, master_bias):
    flat = write(tmp_path / "flat.fits", np.ones((SIZE, SIZE)))
    science = write(tmp_path / "sci.fits", np.full((SIZE, SIZE), 1300.0), **frame_cards(gain=1.5))
    result = get_recipe("imaging_calibrate")(
        inputs((science, "OBJECT"), (master_bias, "MASTER_BIAS"), (flat, "MASTER_FLAT")), {}, tmp_path
    )
    from astropy.io import fits

    header = fits.getheader(result.products[0].path)
    assert header[SKY_LEVEL] == pytest.approx(450.0)
    assert header[GAIN] == 1.0
    assert header["HIERARCH ESO PRO CATG"] == "SCI_CALIBRATED"
    assert np.allclose(read(result.products[0].path), 0.0)
