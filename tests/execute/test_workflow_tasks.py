"""What the cascade's task specs change at execution: Python function tasks, output and
input filters, input maps."""

import textwrap

from radps_seq.cascade import CategoryFilter, FilterMode, Task, Workflow
from radps_seq.cascade.loader import load_workflow
from radps_seq.execute import execute

from .helpers import Cascade, bfs

WKF = textwrap.dedent(
    """\
    from edps import task, data_source, classification_rule

    from .fn_functions import halve

    raw = (data_source("RAW")
           .with_classification_rule(classification_rule("RAW", {"dpr.type": "RAW"}))
           .build())
    halving = task("halving").with_function(halve).with_main_input(raw).build()
    """
)

FUNCTIONS = textwrap.dedent(
    """\
    from pathlib import Path

    from radps_seq.recipes import Product, RecipeResult


    def halve(inputs, params, scratch):
        size = sum(Path(i.path).stat().st_size for i in inputs) // 2
        (scratch / "HALF.dat").write_text(str(size))
        return RecipeResult([Product(str(scratch / "HALF.dat"), "HALF")], qc={"size": size})
    """
)


def test_function_task_runs_in_its_own_process(tmp_path, workdir):
    package = tmp_path / "fn"
    package.mkdir()
    (package / "fn_wkf.py").write_text(WKF)
    (package / "fn_functions.py").write_text(FUNCTIONS)
    workflow = load_workflow(package / "fn_wkf.py")
    c = Cascade(tmp_path)
    raw = c.raw("r")
    job = c.job("halving", recipe="halve", files=[(raw, "RAW")], products=("HALF",), target=True)
    result = execute(c.graph, bfs(c.graph), workdir=workdir, workflow=workflow)
    assert result.status == "succeeded", result.jobs[0].error
    half = workdir / "products" / "halving" / job / "HALF.dat"
    assert int(half.read_text()) == (tmp_path / "raw" / "r.fits").stat().st_size // 2


def test_output_filter_input_map_and_input_filter(tmp_path, workdir):
    workflow = Workflow(
        "filters",
        {
            "bias": Task(
                "bias",
                recipe="t_combine",
                output_filter=CategoryFilter(("MASTER_BIAS", "BIAS_MAP")),
            ),
            "whole": Task(
                "whole",
                recipe="t_combine",
                input_filter=CategoryFilter(("BIAS_MAP",), FilterMode.REJECT),
            ),
            "mapped": Task("mapped", recipe="t_combine", input_map={"MASTER_BIAS": "MB"}),
        },
        {},
    )
    c = Cascade(tmp_path)
    bias = c.job(
        "bias", files=[(c.raw("b"), "BIAS")], products=("MASTER_BIAS", "BIAS_MAP", "BIAS_QC")
    )
    # asks for the task (its default category): all it passes on, less what it rejects
    whole = c.job("whole", parents={bias: ("BIAS", "BIAS")}, target=True)
    # derivation already renamed the request: MB is MASTER_BIAS under the input map
    mapped = c.job("mapped", parents={bias: ("MB", "MB")}, target=True)
    result = execute(c.graph, bfs(c.graph), workdir=workdir, workflow=workflow)
    assert result.status == "succeeded"
    folder = workdir / "products" / "bias" / bias
    assert (folder / "BIAS_QC.dat").is_file()  # made, kept, but not passed on
    sof = (workdir / "products" / "whole" / whole / "input.sof").read_text()
    assert sof == f"{folder / 'MASTER_BIAS.dat'} MASTER_BIAS\n"
    sof = (workdir / "products" / "mapped" / mapped / "input.sof").read_text()
    assert sof == f"{folder / 'MASTER_BIAS.dat'} MB\n"
