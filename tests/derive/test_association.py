"""Scenario tests of association on a small imager cascade (no recipe runs)."""

from __future__ import annotations

import dataclasses

import pytest

from radps_seq.derive import derive
from radps_seq.errors import ParameterError, TargetError

from .conftest import bias, build_cascade, hdr


def science(path: str, mjd: float, filt: str = "R", binx: int = 1, **kw: object):
    return hdr(path, dpr_type="OBJECT", mjd=mjd, ins_filt1_name=filt, det_binx=binx, exptime=60.0, **kw)


def twilight(n: int, mjd: float, filt: str = "R", night: str = "n1", binx: int = 1):
    return [hdr(f"tw_{night}_{filt}_{i}.fits", dpr_type="FLAT,SKY", mjd=mjd + i * 1e-3,
                ins_filt1_name=filt, det_binx=binx, night=night) for i in range(n)]


def dome(n: int, mjd: float, filt: str = "R", night: str = "n1", binx: int = 1):
    return [hdr(f"dome_{night}_{filt}_{i}.fits", dpr_type="FLAT,LAMP", mjd=mjd + i * 1e-3,
                ins_filt1_name=filt, det_binx=binx, night=night) for i in range(n)]


def jobs_by_task(derivation):
    out: dict[str, list] = {}
    for job in derivation.jobs:
        out.setdefault(job.task, []).append(job)
    return out


def parent_task(derivation, job, slot):
    ids = {i.job for i in job.inputs if i.slot == slot and i.job}
    return [derivation.graph.nodes[j]["job"] for j in sorted(ids)]


def test_same_night_bias_is_level_zero(cascade):
    frames = bias(3, 60000.9) + bias(3, 60003.9, night="n2") + twilight(2, 60000.95) + [science("s.fits", 60001.1)]
    d = derive(cascade, frames)
    (sci,) = jobs_by_task(d)["science"]
    (b,) = parent_task(d, sci, "MASTER_BIAS")
    assert {i.file for i in b.inputs} == {"bias_n1_1_0.fits", "bias_n1_1_1.fits", "bias_n1_1_2.fits"}
    assert sci.level == 0 and sci.complete


def test_widening_to_level_one_when_the_night_has_no_bias(cascade):
    frames = bias(3, 60003.9, night="n2") + twilight(2, 60000.95) + [science("s.fits", 60001.1)]
    d = derive(cascade, frames)
    (sci,) = jobs_by_task(d)["science"]
    (b,) = parent_task(d, sci, "MASTER_BIAS")
    assert all("n2" in i.file for i in b.inputs)
    assert sci.level == 1 and sci.complete


def test_beyond_the_widest_range_the_job_is_incomplete(cascade):
    frames = bias(3, 60020.9, night="n9") + twilight(2, 60000.95) + [science("s.fits", 60001.1)]
    d = derive(cascade, frames)
    (sci,) = jobs_by_task(d)["science"]
    assert not sci.complete and sci.missing[0] == "MASTER_BIAS"
    # the flat needs a bias too, so no complete flat exists either
    assert sci.missing[1] == "MASTER_FLAT (none of the alternatives matched: twilight_flat or dome_flat)"
    assert d.incomplete[-1]["task"] == "science" and d.incomplete[-1]["missing"] == sci.missing
    assert d.to_dict()["jobs"][-1]["complete"] is False


def test_closest_in_time_wins(cascade):
    frames = bias(3, 60000.70, night="a") + bias(3, 60000.99, night="b") + twilight(2, 60000.95)
    frames.append(science("s.fits", 60001.05))
    d = derive(cascade, frames)
    (sci,) = jobs_by_task(d)["science"]
    (b,) = parent_task(d, sci, "MASTER_BIAS")
    assert all("_b_" in i.file for i in b.inputs)


def test_binning_must_match(cascade):
    frames = bias(3, 60000.9, binx=2) + twilight(2, 60000.95) + [science("s.fits", 60001.1, binx=1)]
    d = derive(cascade, frames)
    (sci,) = jobs_by_task(d)["science"]
    assert not sci.complete and "MASTER_BIAS" in sci.missing


def test_alternatives_prefer_the_first_then_fall_back(cascade):
    both = bias(3, 60000.9) + twilight(2, 60000.95) + dome(2, 60000.96) + [science("s.fits", 60001.1)]
    (sci,) = jobs_by_task(derive(cascade, both))["science"]
    assert {p.task for p in parent_task(derive(cascade, both), sci, "MASTER_FLAT")} == {"twilight_flat"}
    only_dome = bias(3, 60000.9) + dome(2, 60000.96) + [science("s.fits", 60001.1)]
    d = derive(cascade, only_dome)
    (sci,) = jobs_by_task(d)["science"]
    assert [p.task for p in parent_task(d, sci, "MASTER_FLAT")] == ["dome_flat"]
    neither = bias(3, 60000.9) + [science("s.fits", 60001.1)]
    (sci,) = jobs_by_task(derive(cascade, neither))["science"]
    assert not sci.complete and sci.missing[0].startswith("MASTER_FLAT")


def test_alternatives_with_sort_keys_take_the_closest():
    from radps_seq.cascade import alternative_associated_inputs

    cascade = build_cascade()
    science_task = cascade.tasks["science"]
    alternatives = science_task.alternatives[0]
    science_task.alternatives[0] = alternative_associated_inputs(sort_keys=["mjd-obs"])
    science_task.alternatives[0].inputs = list(alternatives.inputs)
    frames = bias(3, 60000.9) + twilight(2, 60000.50) + dome(2, 60001.05) + [science("s.fits", 60001.1)]
    d = derive(cascade, frames)
    (sci,) = jobs_by_task(d)["science"]
    assert [p.task for p in parent_task(d, sci, "MASTER_FLAT")] == ["dome_flat"]


def test_optional_input_and_max_ret(cascade):
    sky = [hdr(f"sky{i}.fits", dpr_type="SKY", mjd=60001.1 + i * 0.01, ins_filt1_name="R") for i in range(3)]
    base = bias(3, 60000.9) + twilight(2, 60000.95) + [science("s.fits", 60001.1)]
    (sci,) = jobs_by_task(derive(cascade, base))["science"]
    assert sci.complete and not [i for i in sci.inputs if i.category == "SKY"]
    (sci,) = jobs_by_task(derive(cascade, base + sky))["science"]
    assert sorted(i.file for i in sci.inputs if i.category == "SKY") == ["sky0.fits", "sky1.fits"]


def test_workflow_parameter_condition_switches_an_input_off():
    sky = [hdr("sky0.fits", dpr_type="SKY", mjd=60001.1, ins_filt1_name="R")]
    frames = bias(3, 60000.9) + twilight(2, 60000.95) + [science("s.fits", 60001.1)] + sky
    on = jobs_by_task(derive(build_cascade(), frames))["science"][0]
    assert any(i.category == "SKY" for i in on.inputs)
    off = jobs_by_task(derive(build_cascade(), frames, workflow_parameters={"use_sky": "false"}))["science"][0]
    assert not any(i.category == "SKY" for i in off.inputs)
    assert on.id != off.id  # the sky frame is an input of one job only


def test_master_versus_raw_association_preference(cascade):
    master = hdr("master_bias.fits", pro_catg="MASTER_BIAS", mjd=60000.8, det_binx=1)
    far_raw = bias(3, 60003.9, night="n2")
    frames = far_raw + [master] + twilight(2, 60000.95) + [science("s.fits", 60001.1)]

    def chosen(preference):
        d = derive(cascade, frames, association_preference=preference)
        sci = jobs_by_task(d)["science"][0]
        return [(i.file, i.job is not None) for i in sci.inputs if i.slot == "MASTER_BIAS"]

    # the master is same-night (level 0); raw only at level 1
    assert chosen("raw_per_quality_level") == [("master_bias.fits", False)]
    assert chosen("master_per_quality_level") == [("master_bias.fits", False)]
    assert chosen("master") == [("master_bias.fits", False)]
    assert chosen("raw")[0][1] is True  # a job fills it even at a worse level


def test_raw_wins_at_equal_level_unless_masters_are_preferred(cascade):
    master = hdr("master_bias.fits", pro_catg="MASTER_BIAS", mjd=60000.8, det_binx=1)
    frames = bias(3, 60000.9) + [master] + twilight(2, 60000.95) + [science("s.fits", 60001.1)]
    d = derive(cascade, frames)
    sci = jobs_by_task(d)["science"][0]
    assert [i.job is not None for i in sci.inputs if i.slot == "MASTER_BIAS"] == [True]
    d = derive(cascade, frames, association_preference="master_per_quality_level")
    sci = jobs_by_task(d)["science"][0]
    assert [i.file for i in sci.inputs if i.slot == "MASTER_BIAS"] == ["master_bias.fits"]


def test_targets_prune_the_graph(cascade):
    frames = bias(3, 60000.9) + bias(3, 60000.9, binx=2) + twilight(2, 60000.95) + [science("s.fits", 60001.1)]
    science_only = derive(cascade, frames)
    assert {j.task for j in science_only.jobs} == {"science", "bias", "twilight_flat"}
    assert len(jobs_by_task(science_only)["bias"]) == 1  # the binx=2 bias is not needed
    calib = derive(cascade, frames, meta_targets=["qc1calib"])
    assert len(jobs_by_task(calib)["bias"]) == 2 and "science" not in jobs_by_task(calib)
    everything = derive(cascade, frames, tasks=["all"])
    assert {j.task for j in everything.jobs} == {"science", "bias", "twilight_flat"}
    assert derive(cascade, frames, tasks=["bias"]).targets == ["bias"]
    with pytest.raises(TargetError, match="unknown task 'nope'"):
        derive(cascade, frames, tasks=["nope"])
    with pytest.raises(TargetError, match="meta-target 'idp'"):
        derive(cascade, frames, meta_targets=["idp"])
    with pytest.raises(ParameterError, match="'night_set'"):
        derive(cascade, frames, parameter_set_name="night_set")


def test_incompleteness_propagates_to_consumers(cascade):
    frames = twilight(2, 60000.95) + bias(3, 60020.0, night="far") + [science("s.fits", 60001.1)]
    (flat,) = derive(cascade, frames, tasks=["twilight_flat"]).jobs
    assert not flat.complete and flat.missing == ["MASTER_BIAS"]  # the bias is too far
    d = derive(cascade, frames)
    # an incomplete flat is no candidate: the science job lacks its flat as well
    assert "twilight_flat" not in jobs_by_task(d)
    (sci,) = jobs_by_task(d)["science"]
    assert not sci.complete
    assert sci.missing == [
        "MASTER_BIAS", "MASTER_FLAT (none of the alternatives matched: twilight_flat or dome_flat)"
    ]


def test_job_ids_are_content_hashes(cascade):
    frames = bias(3, 60000.9) + twilight(2, 60000.95) + [science("s.fits", 60001.1)]
    a = derive(cascade, frames)
    b = derive(build_cascade(), list(reversed(frames)))
    assert [j.id for j in a.jobs] == [j.id for j in b.jobs]
    changed = derive(cascade, frames, workflow_parameters={"use_sky": "false"})
    assert [j.id for j in changed.jobs] == [j.id for j in a.jobs]  # no sky files: same inputs


def test_the_same_frames_under_other_paths_give_the_same_job_ids(cascade):
    frames = bias(3, 60000.9) + twilight(2, 60000.95) + [science("s.fits", 60001.1)]
    here = derive(cascade, frames)
    # the same files (same content identity) under other paths
    moved = [dataclasses.replace(h, path="elsewhere/" + h.path) for h in frames]
    relocated = derive(build_cascade(), moved)
    assert {i.file for j in relocated.jobs for i in j.inputs if i.file} == {
        "elsewhere/" + h.path for h in frames
    }
    assert [j.id for j in relocated.jobs] == [j.id for j in here.jobs]
    # while other content under the same path is another job
    other = [dataclasses.replace(frames[0], identity="0" * 40)] + frames[1:]
    assert jobs_by_task(derive(cascade, other))["bias"][0].id != jobs_by_task(here)["bias"][0].id


def test_recipe_parameters_change_the_id():
    frames = bias(3, 60000.9) + twilight(2, 60000.95) + [science("s.fits", 60001.1)]
    a = derive(build_cascade(), frames)
    other = build_cascade()
    other.parameters.sets["default"].recipe_parameters["science"] = {"crclean": False}
    b = derive(other, frames)
    sci_a = jobs_by_task(a)["science"][0]
    sci_b = jobs_by_task(b)["science"][0]
    assert sci_a.id != sci_b.id
    assert jobs_by_task(a)["bias"][0].id == jobs_by_task(b)["bias"][0].id


def test_duplicates_never_flip_the_result(cascade):
    frames = bias(3, 60000.9) + twilight(2, 60000.95) + [science("s.fits", 60001.1)]
    copy = type(frames[0])(path="zzz/copy.fits", keywords=frames[0].keywords, size=2880, mtime=1.0, identity=frames[0].identity)
    d1 = derive(cascade, frames + [copy])
    d2 = derive(cascade, [copy] + frames)
    assert d1.to_dict() == d2.to_dict()
    assert d1.errors == [{"file": "zzz/copy.fits", "error": "duplicate of bias_n1_1_0.fits (identical header); ignored"}]


def test_small_groups_are_reported():
    from radps_seq.cascade import classification_rule, collect_workflow, data_source, task

    src = (data_source("BIAS").with_classification_rule(classification_rule("BIAS", {"dpr.type": "BIAS"}))
           .with_grouping_keywords(["night"]).with_min_group_size(3).build())
    wf = collect_workflow("w", [task("bias").with_main_input(src).with_meta_targets(["science"]).build()])
    d = derive(wf, bias(3, 60000.9) + bias(2, 60001.9, night="n2"))
    assert len(d.jobs) == 1
    assert d.incomplete == [{"task": "bias", "job": None, "file": "bias_n2_1_0.fits",
                             "missing": ["BIAS: at least 3 files per group, found 2"]}]


def test_dollar_keywords_read_workflow_parameters():
    from radps_seq.cascade import classification_rule, collect_workflow, data_source, task

    src = (data_source("BIAS").with_classification_rule(classification_rule("BIAS", {"dpr.type": "BIAS"}))
           .with_grouping_keywords(["$group_by"]).build())
    wf = collect_workflow("w", [task("bias").with_main_input(src).with_meta_targets(["science"]).build()])
    frames = bias(3, 60000.9) + bias(3, 60001.9, night="n2")
    assert len(derive(wf, frames, workflow_parameters={"group_by": "night"}).jobs) == 2
    assert len(derive(wf, frames, workflow_parameters={"group_by": "det.binx"}).jobs) == 1
    with pytest.raises(ParameterError, match="group_by"):
        derive(wf, frames)


def test_cluster_splits_groups_by_time_gaps():
    from radps_seq.cascade import classification_rule, collect_workflow, data_source, task

    src = (data_source("BIAS").with_classification_rule(classification_rule("BIAS", {"dpr.type": "BIAS"}))
           .with_grouping_keywords(["det.binx"]).with_cluster("mjd-obs", 0.1).build())
    wf = collect_workflow("w", [task("bias").with_main_input(src).with_meta_targets(["science"]).build()])
    frames = bias(3, 60000.9) + bias(3, 60001.9, night="n2")
    assert len(derive(wf, frames).jobs) == 2


def test_match_rules_override_and_inheritance():
    from radps_seq.cascade import UNLIMITED, match_rules

    cascade = build_cascade()
    frames = bias(3, 60010.5, night="far") + twilight(2, 60004.0) + [science("s.fits", 60001.1)]
    (sci,) = jobs_by_task(derive(cascade, frames))["science"]
    assert not sci.complete  # inherited bias rules: at most a week away
    cascade.tasks["science"].associated_inputs[0].match_rules = match_rules().with_match_keywords(
        ["det.binx"], time_range=UNLIMITED, level=2
    )
    (sci,) = jobs_by_task(derive(cascade, frames))["science"]
    assert sci.complete and sci.level == 2


def test_missing_keywords_never_crash_and_say_what_is_missing(cascade):
    no_time = hdr("no_time.fits", dpr_type="OBJECT", ins_filt1_name="R", det_binx=1, exptime=60.0)
    no_binning = hdr("no_binning.fits", dpr_type="OBJECT", mjd=60001.1, ins_filt1_name="R", exptime=60.0)
    frames = bias(3, 60000.9) + twilight(2, 60000.95) + [no_time, no_binning]
    d = derive(cascade, frames)
    jobs = {j.inputs[0].file: j for j in jobs_by_task(d)["science"]}
    assert not jobs["no_time.fits"].complete and "MASTER_BIAS" in jobs["no_time.fits"].missing
    assert not jobs["no_binning.fits"].complete and "MASTER_BIAS" in jobs["no_binning.fits"].missing
    assert {e["file"] for e in d.incomplete} >= {"no_time.fits", "no_binning.fits"}


def test_the_complete_copy_of_a_duplicate_is_kept(cascade):
    frames = bias(3, 60000.9) + twilight(2, 60000.95) + [science("s.fits", 60001.1)]
    good = frames[0]
    keywords = {**good.keywords, "bitpix": 16, "naxis": 2, "naxis1": 64, "naxis2": 64}
    header = type(good)
    good = header(path="zzz/good.fits", keywords=keywords, size=11520, mtime=1.0, identity="same")
    cut = header(path="aaa/cut.fits", keywords=keywords, size=5000, mtime=1.0, identity="same")
    d = derive(cascade, [cut, good, *frames[1:]])
    assert d.errors == [{"file": "aaa/cut.fits", "error": "duplicate of zzz/good.fits (identical header); "
                         "ignored; this copy is cut short (5000 bytes, its header announces at least 11520)"}]
    used = {i.file for job in d.jobs for i in job.inputs}
    assert "zzz/good.fits" in used and "aaa/cut.fits" not in used
