"""A small imager cascade built with the DSL, and in-memory headers for it."""

from __future__ import annotations

import hashlib
import json

import pytest

from radps_seq.cascade import (
    ONE_WEEK,
    QC1_CALIB,
    SAME_NIGHT,
    SCIENCE,
    alternative_associated_inputs,
    classification_rule,
    collect_workflow,
    data_source,
    task,
)
from radps_seq.cascade.parameters import ParameterSet, ParameterSets
from radps_seq.headers import Header


def hdr(path: str, **keywords: object) -> Header:
    """An in-memory header; identity hashes the content (path excluded, like a real file)."""
    normalised = {k.replace("_", "."): v for k, v in keywords.items()}
    if "mjd" in keywords:
        normalised["mjd-obs"] = normalised.pop("mjd")
    normalised.setdefault("origfile", path)
    identity = hashlib.sha1(json.dumps(normalised, sort_keys=True).encode()).hexdigest()
    return Header(path=path, keywords=normalised, size=2880, mtime=0.0, identity=identity)


def build_cascade(**parameters: object):
    binning = ["det.binx"]
    raw_bias = (
        data_source("BIAS")
        .with_classification_rule(classification_rule("BIAS", {"dpr.type": "BIAS"}))
        .with_grouping_keywords(["det.binx", "night"])
        .with_match_keywords(binning, time_range=SAME_NIGHT, level=0)
        .with_match_keywords(binning, time_range=ONE_WEEK, level=1)
        .build()
    )
    raw_twilight = (
        data_source("FLAT_TWILIGHT")
        .with_classification_rule(classification_rule("FLAT_TWILIGHT", {"dpr.type": "FLAT,SKY"}))
        .with_grouping_keywords(["ins.filt1.name", "det.binx", "night"])
        .with_match_keywords(["ins.filt1.name", "det.binx"], time_range=ONE_WEEK, level=0)
        .build()
    )
    raw_dome = (
        data_source("FLAT_DOME")
        .with_classification_rule(classification_rule("FLAT_DOME", {"dpr.type": "FLAT,LAMP"}))
        .with_grouping_keywords(["ins.filt1.name", "det.binx", "night"])
        .with_match_keywords(["ins.filt1.name", "det.binx"], time_range=ONE_WEEK, level=0)
        .build()
    )
    raw_science = (
        data_source("OBJECT")
        .with_classification_rule(classification_rule("OBJECT", {"dpr.type": "OBJECT"}))
        .with_grouping_keywords(["mjd-obs"])
        .with_setup_keywords(["ins.filt1.name", "det.binx", "exptime"])
        .build()
    )
    raw_sky = (
        data_source("SKY")
        .with_classification_rule(classification_rule("SKY", {"dpr.type": "SKY"}))
        .with_match_keywords(["ins.filt1.name"], time_range=SAME_NIGHT, level=0)
        .build()
    )
    bias = task("bias").with_recipe("img_bias").with_main_input(raw_bias).with_meta_targets([QC1_CALIB]).build()
    twilight = (
        task("twilight_flat").with_recipe("img_flat").with_main_input(raw_twilight)
        .with_associated_input(bias, ["MASTER_BIAS"]).with_meta_targets([QC1_CALIB]).build()
    )
    dome = (
        task("dome_flat").with_recipe("img_flat").with_main_input(raw_dome)
        .with_associated_input(bias, ["MASTER_BIAS"]).with_meta_targets([QC1_CALIB]).build()
    )
    science = (
        task("science").with_recipe("img_science").with_main_input(raw_science)
        .with_associated_input(bias, ["MASTER_BIAS"])
        .with_alternatives(
            alternative_associated_inputs()
            .with_associated_input(twilight, ["MASTER_FLAT"])
            .with_associated_input(dome, ["MASTER_FLAT"])
        )
        .with_associated_input(
            raw_sky, min_ret=0, max_ret=2,
            condition=lambda p: p.get_workflow_param("use_sky", True),
        )
        .with_meta_targets([SCIENCE])
        .build()
    )
    workflow = collect_workflow("mini", [science, twilight, dome])
    workflow.parameters = ParameterSets(
        sets={"default": ParameterSet("default", dict(parameters), {"science": {"crclean": True}})},
        default="default",
    )
    return workflow


def bias(n: int, mjd: float, binx: int = 1, night: str = "n1", **kw: object) -> list[Header]:
    return [hdr(f"bias_{night}_{binx}_{i}.fits", dpr_type="BIAS", mjd=mjd + i * 1e-3, det_binx=binx, night=night, **kw) for i in range(n)]


@pytest.fixture
def cascade():
    return build_cascade()
