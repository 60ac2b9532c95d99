"""Scenario tests of the imaging cascade, the EDPS way: frames described by keyword
templates (header-only FITS), the expected jobs and associations derived (no recipes)."""

import pytest

from radps_seq.cascade.loader import load_workflow

from .imaging_frames import MORNING, NIGHT, Observatory, Reduction

REFINEMENT = ("cosmic_rays", "sky_subtraction", "defringe", "illumination_correction")
CHAIN = ("calibrate", *REFINEMENT, "photometry")


@pytest.fixture
def sky(tmp_path):
    """An observatory whose standard-star catalogue is on disk."""
    observatory = Observatory(tmp_path / "raw")
    observatory.catalogue()
    return observatory


def reduce(observatory, tmp_path, **options) -> Reduction:
    return Reduction(observatory, tmp_path / "work", **options)


def test_the_cascade_loads_with_its_tasks_and_meta_targets():
    workflow = load_workflow("imaging")
    assert {"bias", "dark", "twilight_flat", "dome_flat", "fringe_map", "illumination_map",
            "zeropoint", "sky_model", *CHAIN, "stack"} == set(workflow.tasks)
    assert workflow.meta_targets() == ["qc1calib", "science"]
    assert [t.name for t in workflow.resolve_targets(meta_targets=["science"])] == ["stack"]
    skippable = {name: t.skippable.tolerance for name, t in workflow.tasks.items() if t.skippable}
    assert set(skippable) == set(REFINEMENT) and all(0 < v < 0.05 for v in skippable.values())
    assert {workflow.subworkflows[name] for name in REFINEMENT} == {"refinement"}


def test_a_complete_night_derives_every_stage_at_the_best_level(sky, tmp_path):
    sky.full_night(0)
    frames = sky.science(0, n=3)
    r = reduce(sky, tmp_path)
    assert r.derivation.incomplete == []
    for task in CHAIN:
        assert len(r.of(task)) == 3 and all(j.complete and j.level == 0 for j in r.of(task))
    stack = r.one("stack")
    assert stack.target and sorted(r.trigger(p) for p in r.parents(stack, "main")) == frames
    chain = r.chain(frames[0])
    for before, after in zip(CHAIN, CHAIN[1:], strict=False):
        edge = r.graph.edges[chain[before].id, chain[after].id]
        assert edge["slot"] == "main"
        assert edge["passthrough"] == (before in REFINEMENT)
    assert all(r.graph.nodes[chain[t].id]["skippable"] for t in REFINEMENT)
    assert not r.graph.nodes[chain["photometry"].id]["skippable"]


def test_science_jobs_carry_the_conditions_of_their_frame_as_features(sky, tmp_path):
    sky.full_night(0)
    frame = sky.science(0, n=1, exptime=120.0)[0]
    r = reduce(sky, tmp_path)
    features = r.graph.nodes[r.chain(frame)["cosmic_rays"].id]["features"]
    assert features["exptime"] == 120.0
    assert features["ins.filt1.name"] == "V" and features["det.binx"] == 1
    for keyword in ("tel.airm.start", "tel.ambi.fwhm.start", "tel.ambi.rhum", "tel.moon.illu",
                    "tel.moon.dist", "tel.moon.alt", "object"):
        assert keyword in features


@pytest.mark.parametrize(
    ("bias_night", "level"),
    [(0, 0), (-3, 1), (4, 1), (-20, 2)],
    ids=["same night", "three days before", "four days after", "three weeks before"],
)
def test_biases_come_from_ever_wider_time_ranges(sky, tmp_path, bias_night, level):
    sky.full_night(0, without=("biases",))
    biases = sky.biases(bias_night)
    frame = sky.science(0, n=1)[0]
    r = reduce(sky, tmp_path)
    calibrate = r.chain(frame)["calibrate"]
    (bias_job,) = r.parents(calibrate, "MASTER_BIAS")
    assert r.files(bias_job, "main") == biases
    assert calibrate.level == level


def test_biases_older_than_a_month_leave_the_science_incomplete(sky, tmp_path):
    sky.full_night(0, without=("biases",))
    sky.biases(-40)
    sky.science(0, n=1)
    r = reduce(sky, tmp_path)
    calibrate = r.one("calibrate")
    assert not calibrate.complete
    assert any("MASTER_BIAS" in m for m in calibrate.missing)
    assert {i["task"] for i in r.derivation.incomplete} >= {"calibrate", "stack"}


def test_a_missing_bias_binning_is_not_replaced_by_the_other_binning(sky, tmp_path):
    sky.full_night(0, binning=2)
    sky.biases(0, binning=1)
    frame = sky.science(0, n=1, binning=2)[0]
    r = reduce(sky, tmp_path)
    (bias_job,) = r.parents(r.chain(frame)["calibrate"], "MASTER_BIAS")
    assert r.graph.nodes[bias_job.id]["features"]["det.binx"] == 2


def test_twilight_flats_are_preferred_and_dome_flats_are_the_fallback(sky, tmp_path):
    sky.full_night(0)  # twilight and dome flats tonight
    sky.full_night(1, without=("twilight_flats",))  # a cloudy night after
    first = sky.science(0, n=1)[0]
    second = sky.science(1, n=1)[0]
    r = reduce(sky, tmp_path)
    (flat,) = r.parents(r.chain(first)["calibrate"], "MASTER_FLAT")
    assert flat.task == "twilight_flat"
    # the evening before had twilight flats, but those are of another night: dome flats
    calibrate = r.chain(second)["calibrate"]
    (flat,) = r.parents(calibrate, "MASTER_FLAT")
    assert flat.task == "dome_flat" and flat.night == calibrate.night
    assert calibrate.level == 0


def test_dome_flats_of_another_week_are_a_worse_level(sky, tmp_path):
    sky.full_night(0)
    sky.full_night(5, without=("twilight_flats", "dome_flats"))
    frame = sky.science(5, n=1)[0]
    r = reduce(sky, tmp_path)
    calibrate = r.chain(frame)["calibrate"]
    (flat,) = r.parents(calibrate, "MASTER_FLAT")
    assert flat.task == "dome_flat" and r.files(flat, "main")[0].startswith("FLAT_DOME")
    assert calibrate.level == 1


def test_maps_take_whichever_flat_is_closest_in_time(sky, tmp_path):
    sky.full_night(0, filter_name="z", without=("fringe_frames",))
    sky.fringe_frames(0, "z", when=NIGHT - 0.05)  # early in the night
    morning_dome = sky.dome_flats(0, filter_name="z", when=MORNING)  # taken after the night
    sky.science(0, filter_name="z", n=1)
    r = reduce(sky, tmp_path)
    # science calibration keeps the preferred (twilight) flat ...
    assert r.parents(r.one("calibrate"), "MASTER_FLAT")[0].task == "twilight_flat"
    # ... the illumination map (from night-sky flats late at night) takes the morning dome flat
    illumination = r.one("illumination_map")
    (flat,) = r.parents(illumination, "MASTER_FLAT")
    assert r.files(flat, "main") == morning_dome
    # ... and the fringe map (mid-night) the evening twilight flat, closer in time
    (flat,) = r.parents(r.one("fringe_map"), "MASTER_FLAT")
    assert flat.task == "twilight_flat"


def test_offset_sky_frames_are_an_optional_input(sky, tmp_path):
    sky.full_night(0)
    galaxy = sky.science(0, target="NGC 1365", n=1)[0]
    sky.offset_sky(0, "NGC 1365")
    field = sky.science(0, target="M 67", n=1, when=NIGHT + 0.05)[0]
    r = reduce(sky, tmp_path)
    with_sky = r.chain(galaxy)["sky_subtraction"]
    (model,) = r.parents(with_sky, "SKY_MODEL")
    assert model.task == "sky_model" and len(r.files(model, "main")) == 2
    without = r.chain(field)["sky_subtraction"]
    assert without.complete and r.parents(without, "SKY_MODEL") == []
    assert r.graph.nodes[without.id]["slots"]["SKY_MODEL"] == {"min_ret": 0, "files": 0}


def test_fringe_maps_are_associated_in_fringing_filters_only(sky, tmp_path):
    sky.full_night(0, filter_name="z")
    sky.full_night(0, filter_name="V", without=("biases", "darks"))
    red = sky.science(0, filter_name="z", n=1)[0]
    blue = sky.science(0, filter_name="V", n=1, when=NIGHT + 0.05)[0]
    r = reduce(sky, tmp_path)
    assert r.parents(r.chain(red)["defringe"], "MASTER_FRINGE")[0].task == "fringe_map"
    blue_defringe = r.chain(blue)["defringe"]
    assert blue_defringe.complete and r.parents(blue_defringe, "MASTER_FRINGE") == []
    assert "MASTER_FRINGE" not in r.graph.nodes[blue_defringe.id]["slots"]


def test_fringe_frames_from_an_earlier_week_are_used_at_a_worse_level(sky, tmp_path):
    sky.full_night(0, filter_name="z", without=("fringe_frames",))
    sky.full_night(-10, filter_name="z")
    frame = sky.science(0, filter_name="z", n=1)[0]
    r = reduce(sky, tmp_path)
    defringe = r.chain(frame)["defringe"]
    assert defringe.complete and defringe.level == 2


def test_a_red_frame_without_any_fringe_frames_is_incomplete(sky, tmp_path):
    sky.full_night(0, filter_name="I", without=("fringe_frames",))
    sky.science(0, filter_name="I", n=1)
    r = reduce(sky, tmp_path)
    defringe = r.one("defringe")
    assert not defringe.complete and any("MASTER_FRINGE" in m for m in defringe.missing)


@pytest.mark.parametrize(
    "options",
    [{"workflow_parameters": {"illumination_correction": False}},
     {"workflow_parameters": {"illumination_correction": "false"}},
     {"parameter_set_name": "no_illumination"}],
    ids=["parameter", "command-line text", "parameter set"],
)
def test_the_illumination_correction_follows_the_workflow_parameter(sky, tmp_path, options):
    sky.full_night(0)
    sky.science(0, n=1)
    default = reduce(sky, tmp_path)
    corrected = default.one("illumination_correction")
    assert default.parents(corrected, "MASTER_ILLUM")[0].task == "illumination_map"
    switched_off = Reduction(sky, tmp_path / "off", **options)
    job = switched_off.one("illumination_correction")
    assert job.complete and switched_off.parents(job, "MASTER_ILLUM") == []
    assert switched_off.of("illumination_map") == []
    assert job.id != corrected.id


def test_without_night_sky_flats_the_correction_cannot_be_done(sky, tmp_path):
    sky.full_night(0, without=("night_sky_flats",))
    sky.science(0, n=1)
    r = reduce(sky, tmp_path)
    job = r.one("illumination_correction")
    assert not job.complete and job.missing == ["MASTER_ILLUM"]
    assert reduce(sky, tmp_path / "off", parameter_set_name="no_illumination").derivation.incomplete == []


@pytest.mark.parametrize(("std_night", "level"), [(0, 0), (-5, 1)], ids=["same night", "older"])
def test_zero_points_of_the_night_are_preferred_to_any_other(sky, tmp_path, std_night, level):
    sky.full_night(0, without=("standard",))
    if std_night != 0:
        sky.full_night(std_night, without=("standard",))
    standard = sky.standard(std_night)
    frame = sky.science(0, n=1)[0]
    r = reduce(sky, tmp_path)
    photometry = r.chain(frame)["photometry"]
    (zeropoint,) = r.parents(photometry, "PHOT_ZEROPOINT")
    assert r.files(zeropoint, "main") == standard
    assert photometry.level == level
    assert r.files(zeropoint, "STD_CATALOG") == ["std_catalog"]


def test_science_without_a_standard_star_is_incomplete(sky, tmp_path):
    sky.full_night(0, without=("standard",))
    sky.science(0, n=1)
    r = reduce(sky, tmp_path)
    photometry = r.one("photometry")
    assert not photometry.complete and photometry.missing == ["PHOT_ZEROPOINT"]


def test_science_without_any_flat_is_incomplete(sky, tmp_path):
    sky.full_night(0, without=("twilight_flats", "dome_flats"))
    sky.science(0, n=1)
    r = reduce(sky, tmp_path, workflow_parameters={"illumination_correction": False})
    calibrate = r.one("calibrate")
    assert not calibrate.complete
    assert any("MASTER_FLAT" in m for m in calibrate.missing)
    incomplete = {i["task"] for i in r.derivation.incomplete}
    assert {"calibrate", *REFINEMENT, "photometry", "stack"} <= incomplete
    # the standard star has no flat either: no zero point for the photometry
    assert "PHOT_ZEROPOINT" in r.one("photometry").missing


def masters_and_raw(sky, raw_bias_night, master_bias_night):
    """Tonight's calibrations except biases; biases raw on one night, a master on another."""
    sky.full_night(0, without=("biases",))
    raw = sky.biases(raw_bias_night)
    master = sky.master("MASTER_BIAS", master_bias_night)
    frame = sky.science(0, n=1)[0]
    return raw, master, frame


@pytest.mark.parametrize(
    ("preference", "tonight", "earlier"),
    [
        # raw biases tonight + master 2 days old | raw biases 3 days old + master 2 days old
        ("raw", "raw", "raw"),
        ("master", "master", "master"),
        ("raw_per_quality_level", "raw", "raw"),
        ("master_per_quality_level", "raw", "master"),
    ],
)
def test_association_preference_chooses_between_masters_and_raw_calibrations(
    sky, tmp_path, preference, tonight, earlier
):
    cases = {"tonight": (0, -2), "earlier": (-3, -2)}
    for case, expected in (("tonight", tonight), ("earlier", earlier)):
        observatory = Observatory(tmp_path / case / "raw")
        observatory.catalogue()
        raw, master, frame = masters_and_raw(observatory, *cases[case])
        r = Reduction(observatory, tmp_path / case / "work", association_preference=preference)
        calibrate = r.chain(frame)["calibrate"]
        if expected == "master":
            assert r.files(calibrate, "MASTER_BIAS") == [master], case
            assert r.parents(calibrate, "MASTER_BIAS") == [], case
        else:
            (bias_job,) = r.parents(calibrate, "MASTER_BIAS")
            assert r.files(bias_job, "main") == raw, case
            assert r.files(calibrate, "MASTER_BIAS") == [], case


@pytest.mark.parametrize("preference", ["raw", "master"])
def test_a_master_flat_on_disk_stands_in_for_the_dome_flat_task(sky, tmp_path, preference):
    sky.full_night(0, without=("twilight_flats",))  # a cloudy evening: dome flats only
    master = sky.master("MASTER_FLAT", -1, filter_name="V")
    sky.master("MASTER_FLAT", -1, filter_name="I")  # another filter: never chosen
    frame = sky.science(0, n=1)[0]
    r = reduce(sky, tmp_path, association_preference=preference)
    calibrate = r.chain(frame)["calibrate"]
    if preference == "master":
        assert r.files(calibrate, "MASTER_FLAT") == [master]
        assert [i.category for i in calibrate.inputs if i.slot == "MASTER_FLAT"] == ["MASTER_FLAT"]
        assert calibrate.level == 1
    else:
        assert r.parents(calibrate, "MASTER_FLAT")[0].task == "dome_flat"
        assert calibrate.level == 0


def test_stacks_group_frames_by_target_filter_and_binning(sky, tmp_path):
    sky.full_night(0, filter_name="V")
    sky.full_night(0, filter_name="R", without=("biases", "darks"))
    sky.full_night(0, filter_name="V", binning=2, without=("standard",))
    groups = {
        ("M 67", "V", 1): sky.science(0, "M 67", "V", n=2),
        ("M 67", "R", 1): sky.science(0, "M 67", "R", n=3, when=NIGHT + 0.02),
        ("M 67", "V", 2): sky.science(0, "M 67", "V", binning=2, n=2, when=NIGHT + 0.04),
        ("NGC 300", "V", 1): sky.science(0, "NGC 300", "V", n=2, when=NIGHT + 0.06),
    }
    r = reduce(sky, tmp_path)
    stacks = {}
    for stack in r.of("stack"):
        frames = sorted(r.trigger(p) for p in r.parents(stack, "main"))
        stacks[tuple(frames)] = stack
    assert set(stacks) == {tuple(sorted(f)) for f in groups.values()}


def test_the_calibration_meta_target_derives_no_science(sky, tmp_path):
    sky.full_night(0, filter_name="z")
    sky.science(0, filter_name="z", n=1)
    r = reduce(sky, tmp_path, meta_targets=["qc1calib"])
    tasks = {job.task for job in r.derivation.jobs}
    assert tasks == {"bias", "dark", "twilight_flat", "dome_flat", "fringe_map",
                     "illumination_map", "zeropoint"}
    assert all(job.target for job in r.derivation.jobs)
