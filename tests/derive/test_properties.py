"""Property tests of grouping and association against brute-force definitions."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from radps_seq.cascade import (
    ONE_WEEK,
    SAME_NIGHT,
    classification_rule,
    collect_workflow,
    data_source,
    task,
)
from radps_seq.cascade.time_range import night_of
from radps_seq.derive import derive

from .conftest import hdr

times = st.floats(min_value=60000.0, max_value=60030.0, allow_nan=False)
binnings = st.sampled_from([1, 2])


def cascade():
    raw_bias = (
        data_source("BIAS")
        .with_classification_rule(classification_rule("BIAS", {"dpr.type": "BIAS"}))
        .with_grouping_keywords(["origfile"])  # one job per bias frame
        .with_match_keywords(["det.binx"], time_range=SAME_NIGHT, level=0)
        .with_match_keywords(["det.binx"], time_range=ONE_WEEK, level=1)
        .build()
    )
    raw_sci = (
        data_source("OBJECT")
        .with_classification_rule(classification_rule("OBJECT", {"dpr.type": "OBJECT"}))
        .with_grouping_keywords(["det.binx", "tpl.start"])
        .build()
    )
    bias = task("bias").with_main_input(raw_bias).build()
    sci = task("sci").with_main_input(raw_sci).with_associated_input(bias).with_meta_targets(["science"]).build()
    return collect_workflow("p", [sci])


def frames_from(bias_specs, sci_specs):
    frames = [hdr(f"b{n}.fits", dpr_type="BIAS", mjd=t, det_binx=b) for n, (t, b) in enumerate(bias_specs)]
    frames += [
        hdr(f"s{n}.fits", dpr_type="OBJECT", mjd=t, det_binx=b, tpl_start=f"tpl{k}")
        for n, (t, b, k) in enumerate(sci_specs)
    ]
    return frames


bias_lists = st.lists(st.tuples(times, binnings), max_size=12)
sci_lists = st.lists(st.tuples(times, binnings, st.integers(0, 3)), min_size=1, max_size=8)


def expected_bias(trigger, biases):
    """By definition: same night first, then within a week, closest in time, same binning."""
    t, b = trigger.get("mjd-obs"), trigger.get("det.binx")
    same_binning = [x for x in biases if x.get("det.binx") == b]
    for admissible in (
        lambda x: night_of(x.get("mjd-obs")) == night_of(t),
        lambda x: abs(x.get("mjd-obs") - t) <= 7.0,
    ):
        found = [x for x in same_binning if admissible(x)]
        if found:
            best = min(abs(x.get("mjd-obs") - t) for x in found)
            return {x.path for x in found if abs(x.get("mjd-obs") - t) == best}
    return set()


@settings(max_examples=60, deadline=None)
@given(bias_lists, sci_lists)
def test_association_is_the_closest_admissible_candidate(bias_specs, sci_specs):
    frames = frames_from(bias_specs, sci_specs)
    biases = [f for f in frames if f.get("dpr.type") == "BIAS"]
    d = derive(cascade(), frames)
    for job in d.jobs:
        if job.task != "sci":
            continue
        trigger = next(f for f in frames if f.path == job.inputs[0].file)
        expected = expected_bias(trigger, biases)
        parents = [d.graph.nodes[p]["job"] for p in job.parents]
        chosen = {i.file for p in parents for i in p.inputs}
        if expected:
            assert job.complete and chosen <= expected and len(chosen) == 1
            assert all(abs(next(f for f in biases if f.path == c).get("mjd-obs") - trigger.get("mjd-obs")) <= 7.0 for c in chosen)
        else:
            assert not job.complete and job.missing == ["BIAS"]


@settings(max_examples=60, deadline=None)
@given(bias_lists, sci_lists)
def test_a_file_never_lands_in_two_groups_of_one_source(bias_specs, sci_specs):
    frames = frames_from(bias_specs, sci_specs)
    d = derive(cascade(), frames, tasks=["all"])
    for name in ("bias", "sci"):
        seen: list[str] = [i.file for j in d.jobs if j.task == name for i in j.inputs if i.slot == "main"]
        assert len(seen) == len(set(seen))


@settings(max_examples=40, deadline=None)
@given(bias_lists, sci_lists, st.randoms(use_true_random=False))
def test_derivation_does_not_depend_on_input_order(bias_specs, sci_specs, rnd: random.Random):
    frames = frames_from(bias_specs, sci_specs)
    shuffled = list(frames)
    rnd.shuffle(shuffled)
    assert derive(cascade(), frames).to_dict() == derive(cascade(), shuffled).to_dict()
