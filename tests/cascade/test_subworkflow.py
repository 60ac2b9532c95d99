import pytest

from radps_seq.cascade import data_source, subworkflow, task
from radps_seq.cascade.subworkflow import current_subworkflow


def test_tasks_built_inside_a_subworkflow_record_its_name():
    raw = data_source("FLAT").build()

    @subworkflow("flats", "master flats")
    def make_flats(source):
        assert current_subworkflow() == "flats"
        return task("flat").with_main_input(source).build()

    inside = make_flats(raw)
    outside = task("other").with_main_input(raw).build()
    assert inside.subworkflow == "flats"
    assert outside.subworkflow is None
    assert make_flats.subworkflow.name == "flats"
    assert make_flats.subworkflow.description == "master flats"
    assert make_flats.__name__ == "make_flats"
    assert current_subworkflow() is None


def test_nested_subworkflows_use_the_innermost_and_unwind_after_errors():
    raw = data_source("FLAT").build()

    @subworkflow("inner")
    def inner():
        return task("t_inner").with_main_input(raw).build()

    @subworkflow("outer")
    def outer():
        return inner(), task("t_outer").with_main_input(raw).build()

    @subworkflow("failing")
    def failing():
        raise RuntimeError("boom")

    t_inner, t_outer = outer()
    assert (t_inner.subworkflow, t_outer.subworkflow) == ("inner", "outer")
    with pytest.raises(RuntimeError, match="boom"):
        failing()
    assert current_subworkflow() is None  # the failed one left no subworkflow open
