import json

import pytest

from radps_seq.errors import RadpsError
from radps_seq.plan import Plan, PlanError


def test_json_round_trip_keeps_every_field(tmp_path):
    plan = Plan(
        planner="critical-path",
        order=["a", "b", "c"],
        skip=["b"],
        predictions={"a": {"runtime_s": 1.5, "p_noop": None}, "b": {"p_noop": 0.97}},
    )
    assert Plan.from_json(plan.to_json()) == plan
    assert Plan.from_dict(json.loads(json.dumps(plan.to_dict()))) == plan
    plan.save(tmp_path / "plan.json")
    assert Plan.load(tmp_path / "plan.json") == plan


def test_to_dict_matches_the_documented_shape():
    assert Plan("bfs", ["a"]).to_dict() == {
        "planner": "bfs",
        "order": ["a"],
        "skip": [],
        "predictions": {},
    }


def test_hand_written_order_only_plan_is_accepted():
    plan = Plan.from_json('{"order": ["x", "y"]}')
    assert plan == Plan("manual", ["x", "y"])


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ('{"planner": "bfs"}', "'order'"),
        ('{"order": "a,b"}', "'order'"),
        ('{"order": ["a", 3]}', "'order'[1]"),
        ('{"order": [], "skip": {"a": 1}}', "'skip'"),
        ('{"order": [], "planner": 7}', "'planner'"),
        ('{"order": [], "predictions": []}', "'predictions'"),
        ('{"order": [], "predictions": {"a": 1.0}}', "'predictions'['a']"),
        ('{"order": [], "predictions": {"a": {"runtime_s": "slow"}}}', "['runtime_s']"),
        ('{"order": [], "predictions": {"a": {"p_noop": true}}}', "['p_noop']"),
        ('{"order": [], "skips": []}', "'skips'"),
        ("[1, 2]", "JSON object"),
        ("{order: []}", "not valid JSON"),
    ],
)
def test_malformed_plan_file_names_the_file_and_field(tmp_path, document, field):
    path = tmp_path / "bad.json"
    path.write_text(document)
    with pytest.raises(PlanError) as info:
        Plan.load(path)
    assert str(path) in str(info.value)
    assert field in str(info.value)
    assert isinstance(info.value, RadpsError)


def test_missing_plan_file_is_a_project_error(tmp_path):
    with pytest.raises(PlanError, match="cannot read"):
        Plan.load(tmp_path / "nope.json")
