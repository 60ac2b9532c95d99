import importlib
import sys
import types

import pytest

from radps_seq import cascade
from radps_seq.cascade.edps_compat import EDPS_MODULES, edps_modules
from radps_seq.derive.job_parameters import JobParameters


def edps_entries():
    return sorted(n for n in sys.modules if n == "edps" or n.startswith("edps."))


def test_edps_names_exist_inside_the_block_only():
    assert edps_entries() == []
    with edps_modules():
        import edps
        from edps import ONE_DAY, FilterMode, data_source, task
        from edps import JobParameters as JP
        from edps.generator.time_range import SAME_NIGHT, UNLIMITED, RelativeTimeRange

        assert task is cascade.task and data_source is cascade.data_source
        assert FilterMode is cascade.FilterMode and JP is JobParameters
        assert ONE_DAY is cascade.ONE_DAY and SAME_NIGHT is cascade.SAME_NIGHT
        assert UNLIMITED is cascade.UNLIMITED and RelativeTimeRange is cascade.RelativeTimeRange
        assert edps.generator.time_range is sys.modules["edps.generator.time_range"]
        assert edps_entries() == sorted(EDPS_MODULES)
    assert edps_entries() == []
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("edps")


def test_star_import_of_time_ranges_gives_every_range():
    namespace: dict = {}
    with edps_modules():
        exec("from edps.generator.time_range import *", namespace)
    for name in ("SAME_NIGHT", "ONE_DAY", "ONE_WEEK", "ONE_MONTH", "UNLIMITED", "IN_THE_PAST",
                 "RelativeTimeRange"):
        assert namespace[name] is getattr(cascade, name)


def test_top_level_exposes_what_edps_workflows_import():
    expected = {
        "task", "data_source", "classification_rule", "match_rules", "match", "subworkflow",
        "alternative_associated_inputs", "FilterMode", "SCIENCE", "QC1_CALIB", "QC0",
        "CALCHECKER", "IDP", "RelativeTimeRange", "ONE_DAY", "SAME_NIGHT", "UNLIMITED",
        "ClassifiedFitsFile", "FitsFile", "File", "JobParameters", "RecipeInputs",
        "RecipeInvocationArguments", "RecipeInvocationResult", "InvokerProvider",
        "ProductRenamer", "ReportInput", "get_parameter", "List", "Job",
    }
    with edps_modules():
        import edps

        assert expected <= set(dir(edps))


def test_get_parameter_reads_workflow_parameters():
    with edps_modules():
        from edps import get_parameter
    params = JobParameters({"mode": "fast"})
    assert get_parameter(params, "mode") == "fast"
    assert get_parameter(params, "absent", 3) == 3


def test_annotations_with_edps_types_evaluate():
    with edps_modules():
        from edps import ClassifiedFitsFile, List
        from edps import JobParameters as JP

        def is_bias(f: ClassifiedFitsFile) -> bool: ...

        def pick(files: List[ClassifiedFitsFile], params: JP) -> str: ...

    assert pick.__annotations__["params"] is JobParameters


def test_a_preexisting_edps_module_is_restored_untouched(monkeypatch):
    real = types.ModuleType("edps")
    real.marker = "the real one"
    sub = types.ModuleType("edps.something")
    monkeypatch.setitem(sys.modules, "edps", real)
    monkeypatch.setitem(sys.modules, "edps.something", sub)
    with edps_modules():
        assert sys.modules["edps"] is not real
        assert "edps.something" not in sys.modules
    assert sys.modules["edps"] is real and sys.modules["edps.something"] is sub
    assert vars(real).keys() == {"__name__", "__doc__", "__package__", "__loader__", "__spec__", "marker"}


def test_modules_made_inside_are_removed_even_after_an_error():
    with pytest.raises(RuntimeError), edps_modules():
        sys.modules["edps.extra"] = types.ModuleType("edps.extra")
        raise RuntimeError("workflow failed")
    assert edps_entries() == []


def test_each_block_gets_fresh_modules():
    with edps_modules():
        import edps

        edps.task = "overwritten by a workflow"
        first = edps
    with edps_modules():
        import edps

        assert edps is not first and edps.task is cascade.task


def test_unknown_submodule_is_a_plain_import_error():
    with edps_modules(), pytest.raises(ModuleNotFoundError, match="edps.nonexistent"):
        importlib.import_module("edps.nonexistent")
