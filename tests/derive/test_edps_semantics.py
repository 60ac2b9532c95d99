"""EDPS semantics (API.md section 5), one scenario each, on the conformance package."""

from __future__ import annotations

from pathlib import Path

import pytest

from radps_seq.cascade.loader import load_workflow
from radps_seq.derive import derive

from .conftest import hdr

CONFORM = Path(__file__).resolve().parents[1] / "fixtures" / "conform"
N = 60400.0


@pytest.fixture(scope="module")
def wkf():
    return load_workflow(CONFORM)


def bias_files(tpl="b1", mjd=N + 0.8, binx=1):
    return [hdr(f"BIAS_{tpl}_{i}.fits", instrume="CONF", dpr_catg="CALIB", dpr_type="BIAS", tpl_start=tpl,
                mjd=mjd + i * 1e-3, det_binx=binx, det_read_speed="fast") for i in range(3)]


def dark_files(mjd=N + 0.82):
    return [hdr(f"DARK_{i}.fits", instrume="CONF", dpr_catg="CALIB", dpr_type="DARK", tpl_start="d1",
                exptime=60.0, mjd=mjd + i * 1e-3, det_binx=1, det_read_speed="fast") for i in range(2)]


def flat_files(kind="SKY", mjd=N + 0.97):
    return [hdr(f"FLAT_{kind}_{i}.fits", instrume="CONF", dpr_catg="CALIB", dpr_type=f"FLAT,{kind}",
                ins_filt1_name="R", mjd=mjd + i * 1e-3, det_binx=1, det_read_speed="fast") for i in range(2)]


def science_files(mode="IMAGING", mjd=N + 1.1, exptimes=(300.0, 300.0)):
    return [hdr(f"SCIENCE_{i}.fits", instrume="CONF", dpr_catg="SCIENCE", dpr_type="OBJECT", tpl_start="s1",
                ins_mode=mode, ins_filt1_name="R", object="NGC 1", exptime=t, mjd=mjd + i * 0.01,
                det_binx=1, det_read_speed="fast") for i, t in enumerate(exptimes)]


def sky_files(n=1, mjd=N + 1.12):
    return [hdr(f"SKY_{i}.fits", instrume="CONF", dpr_catg="SCIENCE", dpr_type="SKY", ins_filt1_name="R",
                mjd=mjd + i * 1e-3) for i in range(n)]


def arc_files(mjd=N + 1.05):
    return [hdr(f"ARC_{t}.fits", instrume="CONF", dpr_catg="CALIB", dpr_type=t, tpl_start="a1", ins_mode="SPEC",
                mjd=mjd, det_binx=1, det_read_speed="fast") for t in ("WAVE", "WAVE,LAMP")]


def master(category, path, mjd, **kw):
    return hdr(path, instrume="CONF", pro_catg=category, mjd=mjd, **kw)


def jobs_of(d, task):
    return [j for j in d.jobs if j.task == task]


def sof(job, by_task):
    """(category, file name or upstream task) lines of a job's set-of-frames."""
    return sorted((i.category, i.file or by_task[i.job]) for i in job.inputs)


def tasks_by_id(d):
    return {j.id: j.task for j in d.jobs}


def night():
    return bias_files() + dark_files() + flat_files() + science_files() + sky_files()


def test_product_selection_by_rule_objects_and_the_sof_shows_it(wkf):
    d = derive(wkf, night(), tasks=["quicklook", "errors_qc", "dark"])
    by_task = tasks_by_id(d)
    (quicklook,) = jobs_of(d, "quicklook")
    (errors_qc,) = jobs_of(d, "errors_qc")
    (science,) = jobs_of(d, "science")
    assert sof(quicklook, by_task) == [("SCI_REDUCED", "science")]
    assert sof(errors_qc, by_task) == [("SCI_ERRORS", "science")]
    assert science.products == ["SCI_ERRORS", "SCI_REDUCED"]
    # the idiom: with_associated_input(bias, [master_bias_class, bias_stats_class])
    (dark,) = jobs_of(d, "dark")
    assert ("MASTER_BIAS", "bias") in sof(dark, by_task)


def test_output_filter_keeps_a_product_from_consumers(wkf):
    d = derive(wkf, night(), tasks=["dark"])
    (dark,) = jobs_of(d, "dark")
    (bias,) = jobs_of(d, "bias")
    assert sorted(bias.products) == ["BIAS_STATS", "MASTER_BIAS"]
    assert sof(dark, tasks_by_id(d)) == [("DARK", "DARK_0.fits"), ("DARK", "DARK_1.fits"),
                                         ("MASTER_BIAS", "bias")]


def test_quality_levels_preference_and_threshold(wkf):
    # the only biases were taken three nights before: level 1 of the science's rules
    frames = bias_files(mjd=N - 2.2) + flat_files() + science_files() + dark_files()
    d = derive(wkf, frames, tasks=["science"])
    (science,) = jobs_of(d, "science")
    assert science.complete and science.level == 1
    # quality_threshold 0 stops the search at level 0
    strict = derive(wkf, frames, tasks=["science"], workflow_parameters={"quality_threshold": "0"})
    (science,) = jobs_of(strict, "science")
    # (the flat's bias is level 1 too, so no complete flat job is left either)
    assert not science.complete and science.missing == [
        "MASTER_BIAS", "MASTER_FLAT (none of the alternatives matched: flat or MASTER_FLAT)"]
    # an on-disk master of the same night is level 0: per quality level it beats the raw job
    frames.append(master("MASTER_BIAS", "mb.fits", N + 0.9, det_binx=1))
    d = derive(wkf, frames, tasks=["science"])
    (science,) = jobs_of(d, "science")
    assert ("MASTER_BIAS", "mb.fits") in sof(science, tasks_by_id(d)) and science.level == 0
    # raw first: every level of raw calibrations is searched before any master
    d = derive(wkf, frames, tasks=["science"], association_preference="raw")
    (science,) = jobs_of(d, "science")
    assert ("MASTER_BIAS", "bias") in sof(science, tasks_by_id(d)) and science.level == 1


def test_min_ret_counts_jobs_not_files(wkf):
    one = derive(wkf, bias_files() + dark_files(), tasks=["bias_trend"])
    (trend,) = jobs_of(one, "bias_trend")
    assert not trend.complete and trend.missing == ["MASTER_BIAS (need 2, found 1)"]
    two = derive(wkf, bias_files("b1") + bias_files("b2", N + 0.85) + dark_files(), tasks=["bias_trend"])
    (trend,) = jobs_of(two, "bias_trend")
    assert trend.complete and len(trend.parents) == 2


def test_large_max_ret_takes_every_file_in_range(wkf):
    d = derive(wkf, night()[:-1] + sky_files(5), tasks=["science"], association_preference="raw")
    (science,) = jobs_of(d, "science")
    assert d.graph.nodes[science.id]["slots"]["SKY"] == {"min_ret": 0, "files": 5}


def test_condition_on_an_input_false_true_and_missing(wkf):
    imaging = derive(wkf, night(), tasks=["science"])
    (science,) = jobs_of(imaging, "science")
    assert science.complete and "arc" not in set(tasks_by_id(imaging).values())
    spec = night()[:-3] + science_files("SPEC") + sky_files()
    (science,) = jobs_of(derive(wkf, spec, tasks=["science"]), "science")
    assert not science.complete and science.missing == ["DISP_SOL"]
    d = derive(wkf, spec + arc_files() + [master("LINE_CATALOG", "lines.fits", N)], tasks=["science"])
    (science,) = jobs_of(d, "science")
    assert science.complete and ("DISP_SOL", "arc") in sof(science, tasks_by_id(d))


def test_condition_on_a_task_removes_its_jobs(wkf):
    assert len(jobs_of(derive(wkf, night(), tasks=["quicklook"]), "quicklook")) == 1
    full = derive(wkf, night(), tasks=["quicklook"], parameter_set_name="full_parameters")
    assert jobs_of(full, "quicklook") == []


def test_alternatives_with_sort_keys_take_the_closest(wkf):
    frames = night()
    late_static = master("MASTER_FLAT", "static_flat.fits", N + 1.1, ins_filt1_name="R")
    d = derive(wkf, frames + [late_static], tasks=["science"])
    (science,) = jobs_of(d, "science")
    assert ("FLAT_FIELD", "static_flat.fits") in sof(science, tasks_by_id(d))
    early_static = master("MASTER_FLAT", "static_flat.fits", N - 20, ins_filt1_name="R")
    d = derive(wkf, frames + [early_static], tasks=["science"])
    (science,) = jobs_of(d, "science")
    assert ("FLAT_FIELD", "flat") in sof(science, tasks_by_id(d))


def test_input_filter_changes_only_the_sof(wkf):
    frames = bias_files() + arc_files()
    without = derive(wkf, frames, tasks=["arc"])
    (arc,) = jobs_of(without, "arc")
    assert not arc.complete and arc.missing == ["LINE_CATALOG"]
    d = derive(wkf, frames + [master("LINE_CATALOG", "lines.fits", N)], tasks=["arc"])
    (arc,) = jobs_of(d, "arc")
    assert arc.complete
    assert sof(arc, tasks_by_id(d)) == [("ARC", "ARC_WAVE,LAMP.fits"), ("ARC", "ARC_WAVE.fits"),
                                        ("MASTER_BIAS", "bias")]
    # the science's SKY is filtered out of its SOF but still associated (its slot counts it)
    d = derive(wkf, night(), tasks=["science"])
    (science,) = jobs_of(d, "science")
    assert all(c != "SKY" for c, _ in sof(science, tasks_by_id(d)))
    assert d.graph.nodes[science.id]["slots"]["SKY"]["files"] == 1


def test_input_map_renames_in_the_sof(wkf):
    d = derive(wkf, night(), tasks=["science"])
    (science,) = jobs_of(d, "science")
    assert ("FLAT_FIELD", "flat") in sof(science, tasks_by_id(d))
    assert all(c != "MASTER_FLAT" for c, _ in sof(science, tasks_by_id(d)))


def test_dynamic_parameters_and_job_processing(wkf):
    frames = night()[:-3] + science_files(exptimes=(300.0, 0.5)) + sky_files()
    d = derive(wkf, frames, tasks=["science", "flat"])
    (science,) = jobs_of(d, "science")
    assert science.dynamic_parameters == {"mode": "IMAGING"}
    # the first hook dropped the short exposure, the second summed what was left
    assert [i.file for i in science.main_inputs] == ["SCIENCE_0.fits"]
    assert science.parameters == {"conf.conf_science.sky_subtract": True,
                                  "conf.science.total_exptime": 300.0}
    assert {j.dynamic_parameters["kind"] for j in jobs_of(d, "flat")} == {"FLAT_SKY"}


def test_rules_with_two_classifications_never_mix_their_files(wkf):
    d = derive(wkf, bias_files() + flat_files("LAMP", N + 0.85) + flat_files("SKY"), tasks=["flat"])
    groups = sorted(sorted(i.category for i in j.main_inputs) for j in jobs_of(d, "flat"))
    assert groups == [["FLAT_LAMP", "FLAT_LAMP"], ["FLAT_SKY", "FLAT_SKY"]]
