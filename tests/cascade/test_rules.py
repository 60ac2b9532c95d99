import pytest

from radps_seq.cascade import ONE_DAY, UNLIMITED, classification_rule, match, match_rules


def test_classification_rule_from_keywords_lowercases_names():
    rule = classification_rule("BIAS", {"DPR.TYPE": "BIAS", "pro.catg": None})
    assert rule.tag == "BIAS"
    assert dict(rule.keywords) == {"dpr.type": "BIAS", "pro.catg": None}
    assert rule.function is None


def test_classification_rule_from_function():
    def is_flat(f):
        return f["dpr.type"] == "FLAT"

    rule = classification_rule("FLAT", is_flat)
    assert rule.function is is_flat
    assert rule.keywords is None
    assert "is_flat" in repr(rule)


def test_classification_rule_rejects_other_things():
    with pytest.raises(TypeError, match=r"classification_rule\('X', ...\).*got list"):
        classification_rule("X", ["dpr.type"])


def test_match_rules_keep_order_levels_and_ranges():
    def same_chip(ref, f):
        return True

    rules = (match_rules()
             .with_match_keywords(["DET.BINX", "det.biny"], time_range=ONE_DAY, level=0)
             .with_match_function(same_chip, level=2))
    first, second = rules.rules
    assert first.keywords == ("det.binx", "det.biny")
    assert first.time_range == ONE_DAY and first.level == 0
    assert second.function is same_chip
    assert second.time_range == UNLIMITED and second.level == 2
    assert bool(rules) and not bool(match_rules())


def test_match_rules_accept_a_single_keyword_string():
    rules = match_rules().with_match_keywords("ins.mode")
    assert rules.rules[0].keywords == ("ins.mode",)


def test_match_compares_the_given_keywords_only():
    ref = {"det.binx": 1, "det.biny": 1, "exptime": 10}
    assert match(ref, {"det.binx": 1, "det.biny": 1, "exptime": 99}, ["DET.BINX", "det.biny"])
    assert not match(ref, {"det.binx": 2, "det.biny": 1}, ["det.binx"])
    assert not match(ref, {"det.biny": 1}, ["det.binx"])
