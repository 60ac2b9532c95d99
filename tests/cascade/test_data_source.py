import pytest

from radps_seq.cascade import (
    ONE_WEEK,
    SAME_NIGHT,
    UNLIMITED,
    Cluster,
    classification_rule,
    data_source,
)


def test_every_builder_method_stores_its_value():
    bias_rule = classification_rule("BIAS", {"dpr.type": "BIAS"})

    def same_chip(ref, f):
        return True

    source = (data_source("raw_bias")
              .with_classification_rule(bias_rule)
              .with_classification_rule("BIAS_FAST", {"dpr.type": "BIAS", "det.read.speed": 2})
              .with_grouping_keywords(["TPL.START", "det.binx"])
              .with_setup_keywords(["DET.BINX"])
              .with_match_keywords(["det.binx"], time_range=SAME_NIGHT, level=0)
              .with_match_function(same_chip, time_range=ONE_WEEK, level=1)
              .with_min_group_size(3)
              .with_cluster("MJD-OBS", 0.5)
              .build())
    assert source.name == "raw_bias"
    assert source.classification_rules[0] is bias_rule
    assert source.classification_rules[1].keywords == {"dpr.type": "BIAS", "det.read.speed": 2}
    assert source.tags == source.categories == ["BIAS", "BIAS_FAST"]
    assert source.grouping_keywords == ["tpl.start", "det.binx"]
    assert source.setup_keywords == ["det.binx"]
    keyword_rule, function_rule = source.match_rules.rules
    assert keyword_rule.keywords == ("det.binx",) and keyword_rule.time_range is SAME_NIGHT
    assert function_rule.function is same_chip and function_rule.level == 1
    assert source.min_group_size == 3
    assert source.cluster == Cluster("mjd-obs", 0.5)


def test_defaults_are_those_of_edps():
    source = data_source("FLAT").build()
    assert source.tags == ["FLAT"]
    assert source.grouping_keywords == [] and source.setup_keywords == []
    assert not source.match_rules
    assert source.min_group_size == 1 and source.cluster is None
    assert data_source("X").with_match_keywords(["a"]).build().match_rules.rules[0].time_range == UNLIMITED


def test_unnamed_source_takes_its_first_tag():
    source = data_source().with_classification_rule("MASTER_BIAS", {"pro.catg": "MASTER_BIAS"}).build()
    assert source.name == "MASTER_BIAS"


def test_a_single_keyword_string_is_one_keyword():
    source = data_source("X").with_grouping_keywords("tpl.start").with_setup_keywords("det.binx").build()
    assert source.grouping_keywords == ["tpl.start"]
    assert source.setup_keywords == ["det.binx"]


def test_sources_compare_by_identity():
    a, b = data_source("X").build(), data_source("X").build()
    assert a != b and a == a
    assert len({a, b}) == 2


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"data_source\('X'\): min group size must be >= 1"):
        data_source("X").with_min_group_size(0)
    with pytest.raises(ValueError, match="needs a name or at least one classification rule"):
        data_source().build()
