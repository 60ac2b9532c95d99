from pathlib import Path

import pytest

from radps_seq.cascade.parameters import ParameterSet, ParameterSets
from radps_seq.errors import ParameterError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "x_parameters.yaml"
    path.write_text(text)
    return path


def test_named_sets_and_the_default(tmp_path):
    sets = ParameterSets.load(write(tmp_path, """
quick:
  workflow_parameters: {mode: quick}
full:
  is_default: yes
  workflow_parameters:
    mode: full
    kappa: 3.5
  recipe_parameters:
    bias:
      x.bias.method: median
"""))
    assert list(sets.sets) == ["quick", "full"]
    assert sets.default == "full"
    full = sets.select()
    assert full.name == "full"
    assert full.workflow_parameters == {"mode": "full", "kappa": 3.5}
    assert full.for_task("bias") == {"x.bias.method": "median"}
    assert full.for_task("flat") == {}
    assert sets.select("quick").workflow_parameters == {"mode": "quick"}
    assert sets.select("quick").recipe_parameters == {}


def test_for_task_returns_a_copy(tmp_path):
    sets = ParameterSets.load(write(tmp_path, "a:\n  recipe_parameters:\n    bias: {k: 1}\n"))
    sets.select().for_task("bias")["k"] = 99
    assert sets.select().for_task("bias") == {"k": 1}


def test_per_task_form_is_merged_with_the_recipe_section(tmp_path):
    sets = ParameterSets.load(write(tmp_path, """
only:
  description: tasks keyed directly in the set
  bias: {a: 1, b: 2}
  flat: {c: 3}
  recipe_parameters:
    bias: {b: 20}
"""))
    chosen = sets.select()
    assert chosen.recipe_parameters == {"bias": {"a": 1, "b": 20}, "flat": {"c": 3}}


def test_anchors_aliases_and_merge_keys(tmp_path):
    sets = ParameterSets.load(write(tmp_path, """
base: &base
  is_default: true
  workflow_parameters: &wp
    mode: fast
    grouping: tpl.start
  recipe_parameters: &rp
    bias: {method: median}
deep:
  workflow_parameters:
    <<: *wp
    mode: deep
  recipe_parameters: *rp
qc:
  <<: *base
  is_default: false
  recipe_parameters:
    <<: *rp
    flat: {kappa: 2}
"""))
    assert sets.default == "base"
    assert sets.select("deep").workflow_parameters == {"mode": "deep", "grouping": "tpl.start"}
    assert sets.select("deep").recipe_parameters == {"bias": {"method": "median"}}
    assert sets.select("qc").workflow_parameters == {"mode": "fast", "grouping": "tpl.start"}
    assert sets.select("qc").recipe_parameters == {"bias": {"method": "median"}, "flat": {"kappa": 2}}
    # Aliased sections are shared by the YAML reader; the sets must not be.
    sets.select("deep").recipe_parameters["bias"]["method"] = "mean"
    assert sets.select("base").for_task("bias") == {"method": "median"}


@pytest.mark.parametrize("text,expected", [
    ("3", 3), ("true", True), ("yes", True), ("0.5", 0.5), ("foo", "foo"), ("null", None),
    ("", ""), ("[1, 2]", [1, 2]), ("tpl.start", "tpl.start"), ("{unclosed", "{unclosed"),
])
def test_overrides_read_text_as_yaml_scalars(text, expected):
    base = ParameterSet("s", {"mode": "fast", "kappa": 1}, {"bias": {"m": 1}})
    changed = base.with_overrides({"kappa": text})
    assert changed.workflow_parameters == {"mode": "fast", "kappa": expected}
    assert type(changed.workflow_parameters["kappa"]) is type(expected)
    assert base.workflow_parameters["kappa"] == 1  # the original set is untouched
    assert changed.name == "s" and changed.for_task("bias") == {"m": 1}


def test_overrides_keep_non_text_values_and_add_new_names():
    changed = ParameterSet("s").with_overrides({"n": 7, "flag": False, "new": "2"})
    assert changed.workflow_parameters == {"n": 7, "flag": False, "new": 2}


def test_unknown_set_lists_the_available_ones(tmp_path):
    path = write(tmp_path, "a: {is_default: yes}\nb: {}\n")
    with pytest.raises(ParameterError, match=rf"parameter set 'x' does not exist in {path}; available: a, b"):
        ParameterSets.load(path).select("x")


def test_two_defaults_are_refused(tmp_path):
    path = write(tmp_path, "a: {is_default: yes}\nb: {is_default: yes}\n")
    with pytest.raises(ParameterError, match=rf"{path}: several parameter sets are marked is_default: a, b"):
        ParameterSets.load(path)


def test_select_without_a_default(tmp_path):
    assert ParameterSets.load(write(tmp_path, "only: {workflow_parameters: {a: 1}}\n")).select().name == "only"
    assert ParameterSets.load(write(tmp_path, "x: {}\ndefault: {}\n")).select().name == "default"
    with pytest.raises(ParameterError, match="no parameter set is marked is_default; choose one of: x, y"):
        ParameterSets.load(write(tmp_path, "x: {}\ny: {}\n")).select()


def test_empty_sets_give_an_empty_default():
    chosen = ParameterSets.empty().select()
    assert (chosen.name, chosen.workflow_parameters, chosen.recipe_parameters) == ("default", {}, {})
    with pytest.raises(ParameterError, match="'x' does not exist in the workflow; available: none"):
        ParameterSets.empty().select("x")


def test_an_empty_file_has_no_sets(tmp_path):
    assert ParameterSets.load(write(tmp_path, "# nothing yet\n")).sets == {}


@pytest.mark.parametrize("text,message", [
    ("- a\n- b\n", "expected a mapping of parameter set names to sets, got a list"),
    ("a: 3\n", "parameter set 'a': expected a mapping, got int 3"),
    ("a: {is_default: maybe}\n", "parameter set 'a': is_default must be yes/no, got 'maybe'"),
    ("a: {workflow_parameters: [1]}\n", "parameter set 'a': workflow_parameters must be a mapping, got a list"),
    ("a: {recipe_parameters: text}\n", "recipe_parameters must be a mapping, got the text 'text'"),
    ("a: {recipe_parameters: {bias: 3}}\n", "recipe_parameters: task 'bias' must map parameter names to values"),
    ("a: {wokflow_parameters: 1}\n", "task 'wokflow_parameters' must map .* \\(known set keys: is_default"),
    ("a: {description: [1]}\n", "description must be text"),
    ("a: [unclosed\n", "line 2: invalid YAML"),
])
def test_malformed_files_name_the_file_and_the_problem(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ParameterError, match=rf"^{path}.*{message}"):
        ParameterSets.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(ParameterError, match="nope.yaml: cannot read parameters file"):
        ParameterSets.load(tmp_path / "nope.yaml")
