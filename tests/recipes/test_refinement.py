import numpy as np
import pytest

from radps_seq.recipes import get_recipe
from radps_seq.recipes.imaging.refinement import find_cosmic_rays
from radps_seq.recipes.imaging.stats import changed_fraction

from .images import SIZE, add_star, calibrated_cards, inputs, read, star_field, write

CR_TOLERANCE = 0.0025  # the cascade's tolerances for these stages
SKY_TOLERANCE = 0.01
FRINGE_TOLERANCE = 0.01


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def science(rng, sky: float, extra: np.ndarray | None = None, seed_stars: int = 1) -> np.ndarray:
    """A calibrated frame: stars plus sky-limited noise, the sky pedestal removed."""
    stars = star_field(np.random.default_rng(seed_stars))
    image = stars + rng.normal(0, np.sqrt(sky + 25 + np.clip(stars, 0, None)))
    return image if extra is None else image + extra


def run(name, tmp_path, image, sky, *calibrations, **cards):
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = write(tmp_path / "in.fits", image, **calibrated_cards(sky, **cards))
    return get_recipe(name)(inputs((path, "SCI_CALIBRATED"), *calibrations), {}, tmp_path / name)


def inject_cosmic_rays(rng, image, n):
    hits = np.zeros(image.shape, bool)
    for _ in range(n):
        y, x = rng.integers(2, SIZE - 3, 2)
        length = rng.integers(1, 3)
        image[y, x : x + length] += rng.uniform(1500, 5000)
        hits[y, x : x + length] = True
    return hits


def test_cosmic_ray_cleaning_finds_injected_hits_and_spares_stars(rng):
    clean = science(rng, sky=400)
    image = clean.copy()
    injected = inject_cosmic_rays(rng, image, 12)
    cleaned, found = find_cosmic_rays(image, sky=400, read_noise=5)
    assert found[injected].mean() > 0.95
    residual = np.abs(cleaned - clean)[injected]
    assert np.all(residual < 5 * np.sqrt(400 + 25) + 0.2 * np.abs(clean[injected]))
    stars = star_field(np.random.default_rng(1)) > 200
    assert not found[stars & ~injected].any()


def test_cosmic_ray_stage_effect_is_zero_without_hits_and_large_with_many(tmp_path, rng):
    quiet = run("imaging_crclean", tmp_path / "a", science(rng, 400), 400)
    assert quiet.effect <= CR_TOLERANCE / 10
    hit = science(rng, 400)
    inject_cosmic_rays(rng, hit, 40)
    busy = run("imaging_crclean", tmp_path / "b", hit, 400)
    assert busy.effect > CR_TOLERANCE
    assert busy.qc["cosmic_pixels"] >= 40
    assert busy.products[0].category == "SCI_CRCLEAN"


def test_sky_subtraction_effect_follows_the_gradient(tmp_path, rng):
    yy, xx = np.mgrid[:SIZE, :SIZE]
    sky = 1000.0
    flat_sky = run("imaging_skysub", tmp_path / "flat", science(rng, sky), sky)
    assert flat_sky.effect <= SKY_TOLERANCE
    gradient = sky * 0.15 * (xx / SIZE - 0.5)  # moonlight across the field: +-75 e-, noise 32
    sloped = run("imaging_skysub", tmp_path / "slope", science(rng, sky, gradient), sky)
    assert sloped.effect > 0.3
    after = read(sloped.products[0].path)
    background = np.median(after[:, :8]) - np.median(after[:, -8:])
    assert abs(background) < 10  # was ~120 e- from left to right edge


def test_sky_subtraction_uses_an_offset_sky_model_when_given(tmp_path, rng):
    yy, xx = np.mgrid[:SIZE, :SIZE]
    shape = 1 + 0.1 * (yy / SIZE - 0.5)
    sky = 1000.0
    model = write(tmp_path / "model.fits", shape)
    galaxy = 300 * np.exp(-np.hypot(xx - 32, yy - 32) / 20)  # fills the field: no blank sky
    image = science(rng, sky, sky * (shape - 1) + galaxy)
    result = run("imaging_skysub", tmp_path, image, sky, (model, "SKY_MODEL"))
    assert result.qc["used_sky_model"] == 1.0
    removed = image - read(result.products[0].path)
    # the model's shape is removed, the galaxy (which a mesh would eat) is kept
    assert np.corrcoef(removed.ravel(), shape.ravel())[0, 1] > 0.99


def _fringes():
    yy, xx = np.mgrid[:SIZE, :SIZE]
    pattern = np.sin(2 * np.pi * (xx - 0.7 * yy) / 12.0)
    return pattern / pattern.std()


def test_defringing_changes_nothing_in_a_blue_filter_without_a_map(tmp_path, rng):
    image = science(rng, 300)
    result = run("imaging_defringe", tmp_path, image, 300, filter_name="B")
    assert result.effect == 0.0
    assert np.array_equal(read(result.products[0].path), image.astype(np.float32))


def test_defringing_matters_in_z_with_a_long_exposure(tmp_path, rng):
    fringe_map = write(tmp_path / "fringe.fits", 0.04 * _fringes())
    sky = 3000.0  # z band, 600 s: fringes of 4% of the sky, 2x the noise
    fringes = sky * 0.04 * _fringes()
    clean = science(rng, sky)
    result = run("imaging_defringe", tmp_path / "long", clean + fringes, sky,
                 (fringe_map, "MASTER_FRINGE"), filter_name="z", exptime=600.0)
    assert result.effect > 0.5
    residual = read(result.products[0].path) - clean
    assert np.std(residual) < 0.05 * np.std(fringes)
    assert result.qc["fringe_relative"] == pytest.approx(0.04, rel=0.1)


def test_defringing_a_short_exposure_is_below_tolerance(tmp_path, rng):
    fringe_map = write(tmp_path / "fringe.fits", 0.04 * _fringes())
    sky = 60.0  # z band, 10 s: fringes of 2.4 e- under 9 e- of noise
    image = science(rng, sky, sky * 0.04 * _fringes())
    result = run("imaging_defringe", tmp_path / "short", image, sky, (fringe_map, "MASTER_FRINGE"),
                 filter_name="z", exptime=10.0)
    assert result.effect <= FRINGE_TOLERANCE


def test_illumination_correction_scales_sources_and_passes_without_a_map(tmp_path, rng):
    image = science(rng, 500)
    unchanged = run("imaging_illumcor", tmp_path / "none", image, 500)
    assert unchanged.effect == 0.0
    correction = np.full((SIZE, SIZE), 1.05)
    map_path = write(tmp_path / "illum.fits", correction)
    bright = np.zeros((SIZE, SIZE))
    add_star(bright, 32, 32, 2e5)
    result = run("imaging_illumcor", tmp_path / "map", image + bright, 500, (map_path, "MASTER_ILLUM"))
    after = read(result.products[0].path)
    assert after[32, 32] == pytest.approx(1.05 * (image + bright)[32, 32], rel=1e-4)
    assert result.effect > 0


def test_changed_fraction_counts_pixels_moved_by_more_than_half_the_noise(rng):
    before = rng.normal(0, 10, (SIZE, SIZE))
    after = before.copy()
    after[:8] += 6  # 0.6 sigma: counted
    after[8:16] += 4  # 0.4 sigma: not counted
    assert changed_fraction(before, after) == pytest.approx(8 / SIZE, abs=0.01)
    assert changed_fraction(before, before) == 0.0


def test_product_names_follow_the_raw_file_along_the_chain(tmp_path, rng):
    from radps_seq.recipes.imaging.frames import ANCESTOR

    first = run("imaging_crclean", tmp_path / "a", science(rng, 100), 100, **{ANCESTOR: "RAW.0001.fits"})
    second = get_recipe("imaging_skysub")(
        inputs((first.products[0].path, "SCI_CRCLEAN")), {}, tmp_path / "b"
    )
    assert first.products[0].path.endswith("sci_crclean_RAW.0001.fits")
    assert second.products[0].path.endswith("sci_skysub_RAW.0001.fits")
