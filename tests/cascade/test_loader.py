import importlib
import shutil
import sys
import textwrap
import threading
import types
from pathlib import Path

import pytest

from radps_seq.cascade import Task
from radps_seq.cascade.loader import SEARCH_PATH_ENV, find_workflow_file, load_workflow
from radps_seq.errors import WorkflowError

FIXTURES = Path(__file__).parent / "fixtures" / "edps_pkgs"
FAKEINST = FIXTURES / "fakeinst"

MINIMAL_WKF = """\
from edps import task, data_source

raw = data_source("RAW").build()
{task_name} = task("{task_name}").with_recipe("r").with_main_input(raw).build()
"""


def make_package(root: Path, name: str, files: dict[str, str] | None = None, task_name: str = "reduce") -> Path:
    """A workflow package ``root/name`` with ``name_wkf.py`` unless ``files`` says otherwise."""
    folder = root / name
    folder.mkdir(parents=True)
    files = files if files is not None else {f"{name}_wkf.py": MINIMAL_WKF.format(task_name=task_name)}
    for file_name, text in files.items():
        (folder / file_name).write_text(textwrap.dedent(text))
    return folder


def private_modules():
    return [n for n in sys.modules if n.split(".")[0] in ("edps", "radps_seq_workflows")]


def test_load_by_file_by_folder_and_by_path_object():
    by_file = load_workflow(str(FAKEINST / "fakeinst_wkf.py"))
    by_folder = load_workflow(str(FAKEINST))
    by_path = load_workflow(FAKEINST)
    for workflow in (by_file, by_folder, by_path):
        assert workflow.name == "fakeinst"
        assert workflow.origin == str((FAKEINST / "fakeinst_wkf.py").resolve())
        assert "science" in workflow.tasks


def test_folder_with_another_name_loads_its_single_wkf_file(tmp_path):
    folder = make_package(tmp_path, "my-cascade", {
        "imaging_wkf.py": MINIMAL_WKF.format(task_name="stack"),
        "imaging_parameters.yaml": "main: {is_default: yes, workflow_parameters: {n: 1}}\n",
        "helpers.py": "X = 1\n",
    })
    workflow = load_workflow(folder)
    assert workflow.name == "imaging"
    assert list(workflow.tasks) == ["stack"]
    assert workflow.parameters.select().workflow_parameters == {"n": 1}


def test_folder_without_or_with_several_wkf_files(tmp_path):
    empty = make_package(tmp_path, "empty", {"notes.txt": "nothing"})
    with pytest.raises(WorkflowError, match=r"empty: no workflow file \(\*_wkf.py\) in this folder"):
        load_workflow(empty)
    several = make_package(tmp_path, "several", {"a_wkf.py": "", "b_wkf.py": ""})
    with pytest.raises(WorkflowError, match=r"several workflow files \(a_wkf.py, b_wkf.py\)"):
        load_workflow(several)


def test_a_file_must_be_python(tmp_path):
    folder = make_package(tmp_path, "x", {"x_wkf.txt": ""})
    with pytest.raises(WorkflowError, match=r"x_wkf.txt: a workflow file must be a Python \(.py\) file"):
        load_workflow(folder / "x_wkf.txt")


def test_dotted_id_found_under_the_search_path(tmp_path):
    shutil.copytree(FAKEINST, tmp_path / "eso" / "fakeinst")
    workflow = load_workflow("eso.fakeinst", search_path=[tmp_path])
    assert workflow.name == "fakeinst"
    assert workflow.origin == str(tmp_path / "eso" / "fakeinst" / "fakeinst_wkf.py")
    # EDPS names workflows <package>.<module>; that form works too.
    assert load_workflow("eso.fakeinst.fakeinst_wkf", search_path=[tmp_path]).name == "fakeinst"


def test_dotted_id_found_through_the_environment(tmp_path, monkeypatch):
    make_package(tmp_path / "second", "envflow")
    monkeypatch.setenv(SEARCH_PATH_ENV, f"{tmp_path / 'first'}:{tmp_path / 'second'}")
    assert list(load_workflow("envflow").tasks) == ["reduce"]


def test_argument_comes_before_environment(tmp_path, monkeypatch):
    make_package(tmp_path / "arg", "dup", task_name="from_argument")
    make_package(tmp_path / "env", "dup", task_name="from_environment")
    monkeypatch.setenv(SEARCH_PATH_ENV, str(tmp_path / "env"))
    assert list(load_workflow("dup", search_path=[tmp_path / "arg"]).tasks) == ["from_argument"]
    assert list(load_workflow("dup").tasks) == ["from_environment"]


def test_project_cascades_are_on_the_search_path():
    workflow = load_workflow("demo0")
    assert Path(workflow.origin).parent.name == "demo0"
    assert Path(workflow.origin).parent.parent.name == "cascades"


def test_missing_id_lists_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setenv(SEARCH_PATH_ENV, str(tmp_path / "env"))
    with pytest.raises(WorkflowError) as error:
        load_workflow("eso.nosuch", search_path=[tmp_path / "arg"])
    message = str(error.value)
    assert message.startswith("workflow 'eso.nosuch' not found; looked for ")
    assert str(tmp_path / "arg" / "eso" / "nosuch") in message
    assert str(tmp_path / "env" / "eso" / "nosuch") in message
    assert str(Path("cascades", "eso", "nosuch")) in message


def test_missing_path_and_bad_id(tmp_path):
    with pytest.raises(WorkflowError, match="no such file or directory: .*nowhere/x_wkf.py"):
        load_workflow(str(tmp_path / "nowhere" / "x_wkf.py"))
    with pytest.raises(WorkflowError, match="'not-an-id' is neither an existing path nor a workflow id"):
        load_workflow("not-an-id")


def test_bare_folder_name_in_the_working_directory(tmp_path, monkeypatch):
    make_package(tmp_path, "local")
    monkeypatch.chdir(tmp_path)
    assert find_workflow_file("local") == (tmp_path / "local" / "local_wkf.py").resolve()


def test_import_error_names_file_line_and_error(tmp_path, monkeypatch):
    make_package(tmp_path, "x", {"x_wkf.py": """\
        from edps import task

        # the data source was never defined
        bias = (task("bias")
                .with_main_input(raw_bias)
                .build())
        """})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(WorkflowError) as error:
        load_workflow("x")
    assert str(error.value) == "x/x_wkf.py line 5: NameError: name 'raw_bias' is not defined"
    assert isinstance(error.value.__cause__, NameError)


def test_error_in_a_sibling_module_names_that_module(tmp_path, monkeypatch):
    make_package(tmp_path, "x", {
        "x_wkf.py": "from .x_datasources import *\n",
        "x_datasources.py": "from edps import data_source\n\nraw = data_source('A').with_min_group_size(0)\n",
    })
    monkeypatch.chdir(tmp_path)
    with pytest.raises(WorkflowError, match=r"^data_source\('A'\): min group size .* \(x/x_datasources.py:3\)$"):
        load_workflow("x")


def test_syntax_error_names_file_and_line(tmp_path):
    folder = make_package(tmp_path, "x", {"x_wkf.py": "from .x_rules import *\n", "x_rules.py": "a = 1\ndef f(:\n"})
    with pytest.raises(WorkflowError, match=rf"^{folder}/x_rules.py line 2: SyntaxError: "):
        load_workflow(folder)


def test_unknown_edps_name_is_not_supported_yet_at_its_line(tmp_path):
    folder = make_package(tmp_path, "x", {"x_wkf.py": "import os\nfrom edps import no_such_builder\n"})
    with pytest.raises(WorkflowError, match=r"^not supported yet: edps.no_such_builder \(.*x/x_wkf.py:2\)$"):
        load_workflow(folder)


def test_inconsistent_workflow_is_reported_by_collect(tmp_path):
    folder = make_package(tmp_path, "x", {"x_wkf.py": """\
        from edps import task, data_source
        raw = data_source("RAW").build()
        a = task("same").with_main_input(raw).build()
        b = task("same").with_main_input(raw).build()
        """})
    with pytest.raises(WorkflowError, match="workflow 'x': two different tasks are named 'same'"):
        load_workflow(folder)


def test_nothing_stays_in_sys_modules(tmp_path):
    before = private_modules()
    load_workflow(FAKEINST)
    with pytest.raises(WorkflowError):
        load_workflow(make_package(tmp_path, "bad", {"bad_wkf.py": "from edps import task\nraise RuntimeError('x')\n"}))
    assert private_modules() == before == []
    assert "edps" not in sys.modules
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("edps")


def test_a_preexisting_edps_module_is_put_back(monkeypatch, tmp_path):
    fake = types.ModuleType("edps")
    fake.version = "real edps 99"
    monkeypatch.setitem(sys.modules, "edps", fake)
    workflow = load_workflow(FAKEINST)  # imports names the fake module does not have
    assert "bias" in workflow.tasks
    assert sys.modules["edps"] is fake and not hasattr(fake, "task")
    with pytest.raises(WorkflowError):
        load_workflow(make_package(tmp_path, "bad", {"bad_wkf.py": "import edps.nothing\n"}))
    assert sys.modules["edps"] is fake and "edps.nothing" not in sys.modules


def test_loading_twice_gives_independent_objects():
    first, second = load_workflow(FAKEINST), load_workflow(FAKEINST)
    assert first.tasks["science"] is not second.tasks["science"]
    assert first.data_sources["BIAS"] is not second.data_sources["BIAS"]
    fn_first = first.tasks["flat"].dynamic_parameters["filter"]
    fn_second = second.tasks["flat"].dynamic_parameters["filter"]
    assert fn_first is not fn_second and fn_first.__module__ != fn_second.__module__


def test_equal_module_names_in_two_packages_do_not_collide(tmp_path):
    for root, task_name in (("one", "alpha"), ("two", "beta")):
        make_package(tmp_path / root, "same", {
            "same_wkf.py": "from .same_tasks import *\n",
            "same_tasks.py": MINIMAL_WKF.format(task_name=task_name),
        })
    assert list(load_workflow(tmp_path / "one" / "same").tasks) == ["alpha"]
    assert list(load_workflow(tmp_path / "two" / "same").tasks) == ["beta"]


def test_package_init_runs_and_relative_imports_reach_it(tmp_path):
    folder = make_package(tmp_path, "withinit", {
        "__init__.py": "RECIPE = 'from_init'\n",
        "withinit_wkf.py": """\
            from edps import task, data_source
            from . import RECIPE
            raw = data_source("RAW").build()
            t = task("t").with_recipe(RECIPE).with_main_input(raw).build()
            """,
    })
    assert load_workflow(folder).tasks["t"].recipe == "from_init"


def test_without_parameters_file_the_sets_are_empty(tmp_path):
    workflow = load_workflow(make_package(tmp_path, "plain"))
    assert workflow.parameters.sets == {}
    assert workflow.parameters.select().name == "default"


def test_functions_keep_working_after_their_modules_left(tmp_path):
    folder = make_package(tmp_path, "late", {
        "late_wkf.py": """\
            from edps import task, data_source, JobParameters, get_parameter
            from .late_helpers import threshold

            def is_deep(params: JobParameters) -> bool:
                return get_parameter(params, "depth") > threshold()

            raw = data_source("RAW").build()
            t = task("t").with_main_input(raw).with_condition(is_deep).build()
            """,
        "late_helpers.py": "def threshold():\n    return 2\n",
    })
    from radps_seq.derive.job_parameters import JobParameters

    condition = load_workflow(folder).tasks["t"].condition
    assert condition(JobParameters({"depth": 3})) is True
    assert condition(JobParameters({"depth": 1})) is False


def test_tasks_are_cascade_tasks():
    assert all(isinstance(t, Task) for t in load_workflow("demo0").tasks.values())


class _ImportsWhenCompared(str):
    """A ``sys.modules`` key that, the first time the loader compares it while walking
    the module names, makes another thread import a new module and waits for it: the
    interleaving of a service thread importing while another loads a workflow."""

    __hash__ = str.__hash__

    def __new__(cls, value: str, fresh: str):
        key = super().__new__(cls, value)
        key.fresh, key.done = fresh, False
        return key

    def _import_elsewhere(self) -> None:
        if not self.done:
            self.done = True
            thread = threading.Thread(target=importlib.import_module, args=(self.fresh,))
            thread.start()
            thread.join()

    def __eq__(self, other):
        self._import_elsewhere()
        return str.__eq__(self, other)

    def startswith(self, *args):
        self._import_elsewhere()
        return str.startswith(self, *args)


@pytest.mark.parametrize("walk", ["edps names", "private package names"])
def test_a_module_imported_by_another_thread_during_the_load_is_no_error(tmp_path, monkeypatch, walk):
    # a service loading workflows on its request threads answered 500 (RuntimeError:
    # dictionary changed size during iteration) when another thread imported a module
    # while the loader walked sys.modules
    (tmp_path / "fresh_during_load.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    key = _ImportsWhenCompared("a_module_seen_while_loading", "fresh_during_load")
    monkeypatch.setitem(sys.modules, key, types.ModuleType("a_module_seen_while_loading"))
    monkeypatch.delitem(sys.modules, "fresh_during_load", raising=False)
    if walk == "private package names":  # the edps walks pass the key before this one
        from radps_seq.cascade import edps_compat

        monkeypatch.setattr(edps_compat, "_is_edps",
                            lambda name: str.__eq__(name, "edps") or str.startswith(name, "edps."))
    workflow = load_workflow(FAKEINST)
    assert "bias" in workflow.tasks
    assert key.done and "fresh_during_load" in sys.modules
    assert private_modules() == []
