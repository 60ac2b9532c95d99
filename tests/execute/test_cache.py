"""Smart re-runs: cache keys, reasons, corrupted products, forcing, dry runs."""

import importlib.util
import json
import os
import py_compile
from pathlib import Path

import pytest

from radps_seq.execute import dry_run, execute
from radps_seq.runlog import load_runs

from .helpers import Cascade, bfs, imaging


def statuses(result):
    return {job.id: job.status for job in result.jobs}


def reasons(result, workdir):
    runs = load_runs(workdir, result.reduction)
    return dict(zip(runs["job_id"], runs["cache_reason"], strict=True))


def test_second_run_reuses_everything(tmp_path, workdir):
    c, ids = imaging(tmp_path)
    first = execute(c.graph, bfs(c.graph), workdir=workdir)
    products = {p: Path(p).stat().st_mtime_ns for j in first.jobs for p in j.products}
    second = execute(c.graph, bfs(c.graph), workdir=workdir)
    assert set(statuses(second).values()) == {"cached"}
    assert set(reasons(second, workdir).values()) == {"reused: cache key matches"}
    assert {p: Path(p).stat().st_mtime_ns for j in second.jobs for p in j.products} == products


def test_changed_input_reruns_it_and_what_reads_it(tmp_path, workdir):
    c, ids = imaging(tmp_path)
    execute(c.graph, bfs(c.graph), workdir=workdir)
    flat_file = next(i.file for i in c.graph.nodes[ids["flat"]]["job"].inputs if i.file)
    c.raw("f0", 99.0)  # rewrite the first flat frame with other pixel values
    result = execute(c.graph, bfs(c.graph), workdir=workdir)
    why = reasons(result, workdir)
    assert statuses(result)[ids["bias"]] == "cached"
    assert why[ids["flat"]] == f"input changed: {flat_file}"
    flat_product = workdir / "products" / "flat" / ids["flat"] / "MASTER_FLAT.dat"
    assert why[ids["sci0"]] == f"input changed: {flat_product}"
    assert statuses(result)[ids["sci0"]] == "succeeded"


def test_touching_an_input_without_changing_it_reuses(tmp_path, workdir):
    c, ids = imaging(tmp_path)
    execute(c.graph, bfs(c.graph), workdir=workdir)
    raw = Path(next(i.file for i in c.graph.nodes[ids["bias"]]["job"].inputs))
    raw.write_bytes(raw.read_bytes())  # new mtime, same content
    result = execute(c.graph, bfs(c.graph), workdir=workdir)
    assert set(statuses(result).values()) == {"cached"}


def test_changed_parameters_are_named(tmp_path, workdir):
    c = Cascade(tmp_path)
    raw = [(c.raw("b0"), "BIAS")]
    c.job("bias", files=raw, params={"sigma": 3})
    execute(c.graph, bfs(c.graph), workdir=workdir)
    c2 = Cascade(tmp_path)
    c2.job("bias", files=raw, params={"sigma": 4})
    result = execute(c2.graph, bfs(c2.graph), workdir=workdir)
    assert list(reasons(result, workdir).values()) == ["parameters changed: sigma"]


def test_changed_recipe_code_is_detected(tmp_path, workdir):
    from radps_seq.cascade import Workflow

    origin = tmp_path / "wf" / "edit_wkf.py"
    origin.parent.mkdir()
    origin.write_text("")
    source = (
        "from radps_seq.recipes.registry import Product, RecipeResult, recipe\n"
        "@recipe('t_edited')\n"
        "def edited(inputs, params, scratch):\n"
        "    (scratch / 'P.dat').write_text({!r})\n"
        "    return RecipeResult([Product(str(scratch / 'P.dat'), 'P')])\n"
    )
    (origin.parent / "edit_recipes.py").write_text(source.format("one"))
    workflow = Workflow("edit", {}, {}, origin=str(origin))
    c = Cascade(tmp_path)
    job = c.job("edit", recipe="t_edited", files=[(c.raw("x"), "RAW")], products=("P",))
    execute(c.graph, bfs(c.graph), workdir=workdir, workflow=workflow)
    (origin.parent / "edit_recipes.py").write_text(source.format("two"))
    result = execute(c.graph, bfs(c.graph), workdir=workdir, workflow=workflow)
    assert reasons(result, workdir)[job] == "recipe code changed"
    assert (workdir / "products" / "edit" / job / "P.dat").read_text() == "two"


def _stale_bytecode(path: Path, old: str, new: str) -> None:
    """``path`` holds ``new`` while its ``__pycache__`` holds ``old``'s bytecode, with the
    size and mtime CPython checks both equal: what an edit within one second leaves."""
    assert len(old.encode()) == len(new.encode())
    path.write_text(old)
    py_compile.compile(
        str(path),
        cfile=importlib.util.cache_from_source(str(path)),
        invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP,
    )
    stat = path.stat()
    path.write_text(new)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


RECIPE = (
    "from radps_seq.recipes.registry import Product, RecipeResult, recipe\n"
    "@recipe('t_stale')\n"
    "def stale(inputs, params, scratch):\n"
    "    (scratch / 'P.dat').write_text({!r})\n"
    "    return RecipeResult([Product(str(scratch / 'P.dat'), 'P')])\n"
)


def test_a_recipe_edited_within_the_second_never_runs_from_stale_bytecode(tmp_path, workdir):
    from radps_seq.cascade import Workflow

    origin = tmp_path / "wf" / "stale_wkf.py"
    origin.parent.mkdir()
    origin.write_text("")
    recipes = origin.parent / "stale_recipes.py"
    recipes.write_text(RECIPE.format("one"))
    workflow = Workflow("stale", {}, {}, origin=str(origin))
    c = Cascade(tmp_path)
    job = c.job("stale", recipe="t_stale", files=[(c.raw("x"), "RAW")], products=("P",))
    execute(c.graph, bfs(c.graph), workdir=workdir, workflow=workflow)
    _stale_bytecode(recipes, RECIPE.format("one"), RECIPE.format("two"))
    result = execute(c.graph, bfs(c.graph), workdir=workdir, workflow=workflow)
    assert reasons(result, workdir)[job] == "recipe code changed"
    assert (workdir / "products" / "stale" / job / "P.dat").read_text() == "two"
    again = execute(c.graph, bfs(c.graph), workdir=workdir, workflow=workflow)
    assert reasons(again, workdir)[job] == "reused: cache key matches"


FUNCTION_WKF = (
    "from edps import task, data_source, classification_rule\n"
    "from .fnstale_functions import write\n"
    "raw = data_source('RAW').with_classification_rule("
    "classification_rule('RAW', {'dpr.type': 'RAW'})).build()\n"
    "writing = task('writing').with_function(write).with_main_input(raw).build()\n"
)
FUNCTION = (
    "from radps_seq.recipes import Product, RecipeResult\n"
    "def write(inputs, params, scratch):\n"
    "    (scratch / 'P.dat').write_text({!r})\n"
    "    return RecipeResult([Product(str(scratch / 'P.dat'), 'P')])\n"
)


def test_a_task_function_edited_within_the_second_never_runs_from_stale_bytecode(
    tmp_path, workdir
):
    from radps_seq.cascade.loader import load_workflow

    package = tmp_path / "fnstale"
    package.mkdir()
    (package / "fnstale_wkf.py").write_text(FUNCTION_WKF)
    functions = package / "fnstale_functions.py"
    functions.write_text(FUNCTION.format("one"))
    c = Cascade(tmp_path)
    job = c.job("writing", recipe="write", files=[(c.raw("x"), "RAW")], products=("P",))
    first = execute(c.graph, bfs(c.graph), workdir=workdir, workflow=load_workflow(package))
    assert first.status == "succeeded", first.jobs[0].error
    _stale_bytecode(functions, FUNCTION.format("one"), FUNCTION.format("two"))
    result = execute(c.graph, bfs(c.graph), workdir=workdir, workflow=load_workflow(package))
    assert reasons(result, workdir)[job] == "recipe code changed"
    assert (workdir / "products" / "writing" / job / "P.dat").read_text() == "two"


@pytest.mark.parametrize("damage", ["corrupt", "delete"])
def test_damaged_product_is_recomputed_with_the_reason(tmp_path, workdir, damage):
    c, ids = imaging(tmp_path)
    execute(c.graph, bfs(c.graph), workdir=workdir)
    product = workdir / "products" / "bias" / ids["bias"] / "MASTER_BIAS.dat"
    good = product.read_text()
    if damage == "corrupt":
        product.write_text("X" * len(good))
    else:
        product.unlink()
    result = execute(c.graph, bfs(c.graph), workdir=workdir)
    word = "corrupted" if damage == "corrupt" else "missing"
    assert reasons(result, workdir)[ids["bias"]] == f"product {word}: MASTER_BIAS.dat"
    assert product.read_text() == good
    # the recomputed product is identical, so its consumers are reused
    assert statuses(result)[ids["flat"]] == "cached"


def test_force_and_force_downstream(tmp_path, workdir):
    c, ids = imaging(tmp_path)
    execute(c.graph, bfs(c.graph), workdir=workdir)
    forced = execute(c.graph, bfs(c.graph), workdir=workdir, force=True)
    assert set(reasons(forced, workdir).values()) == {"forced"}
    downstream = execute(c.graph, bfs(c.graph), workdir=workdir, force_downstream=["flat"])
    why = reasons(downstream, workdir)
    assert why[ids["bias"]] == "reused: cache key matches"
    assert why[ids["flat"]] == "forced"
    assert why[ids["sci1"]] == f"forced downstream of {ids['flat']}"


def test_dry_run_says_what_would_happen_and_touches_nothing(tmp_path, workdir):
    c, ids = imaging(tmp_path)
    before = {d.job: (d.action, d.reason) for d in dry_run(c.graph, bfs(c.graph), workdir=workdir)}
    assert before[ids["bias"]] == ("run", "no previous result")
    assert before[ids["flat"]] == ("run", f"upstream will run: bias job {ids['bias']}")
    assert not (workdir / "products").exists()

    execute(c.graph, bfs(c.graph), workdir=workdir)
    after = dry_run(c.graph, bfs(c.graph), workdir=workdir)
    assert {(d.action, d.reason) for d in after} == {("reuse", "reused: cache key matches")}
    assert [d.job for d in after] == bfs(c.graph).order

    (workdir / "products" / "flat" / ids["flat"] / "MASTER_FLAT.dat").write_text("bad")
    damaged = {d.job: d for d in dry_run(c.graph, bfs(c.graph), workdir=workdir)}
    assert damaged[ids["bias"]].action == "reuse"
    assert damaged[ids["flat"]].reason == "product corrupted: MASTER_FLAT.dat"
    assert damaged[ids["sci0"]].reason == f"upstream will run: flat job {ids['flat']}"
    forced = dry_run(c.graph, bfs(c.graph), workdir=workdir, force_downstream=["bias"])
    assert {d.reason for d in forced} == {"forced", f"forced downstream of {ids['bias']}"}
    assert json.loads((workdir / "products" / "flat" / ids["flat"] / "manifest.json").read_text())


def test_dry_run_reports_skips_and_failures_ahead(tmp_path, workdir):
    c = Cascade(tmp_path)
    raw = c.raw("s")
    fix = c.job("fix", files=[(raw, "SCIENCE")], products=("SCIENCE",), skippable=True)
    use = c.job("use", parents={fix: ("main", "SCIENCE")}, target=True)
    lost = c.job("lost", files=[(c.raw("gone"), "RAW")], target=True)
    after = c.job("after", parents={lost: ("main", "PRODUCT")}, target=True)
    Path(tmp_path / "raw" / "gone.fits").unlink()
    decisions = {d.job: d for d in dry_run(c.graph, bfs(c.graph, skip=[fix]), workdir=workdir)}
    assert (decisions[fix].action, decisions[fix].reason) == ("skip", "skipped by plan")
    assert (decisions[use].action, decisions[use].reason) == ("run", "no previous result")
    assert decisions[lost].reason.startswith("will fail: input file missing: ")
    assert decisions[after].reason == f"will fail: blocked by lost job {lost}"
    assert [d.to_dict()["action"] for d in decisions.values()] == ["skip", "run", "run", "run"]


def test_the_cache_key_covers_the_input_category(tmp_path, workdir):
    from radps_seq.cascade import Task, Workflow

    c = Cascade(tmp_path)
    bias = c.job("bias", files=[(c.raw("b"), "BIAS")], products=("MASTER_BIAS",))
    use = c.job("use", parents={bias: ("MASTER_BIAS", "MASTER_BIAS")}, target=True)
    plain = Workflow("w", {"bias": Task("bias", recipe="t_combine"),
                           "use": Task("use", recipe="t_combine")}, {})
    execute(c.graph, bfs(c.graph), workdir=workdir, workflow=plain)
    # the same file, the same job id, but the recipe now reads it as another category
    mapped = Workflow("w", {"bias": Task("bias", recipe="t_combine"),
                            "use": Task("use", recipe="t_combine", input_map={"MASTER_BIAS": "MB"})}, {})
    result = execute(c.graph, bfs(c.graph), workdir=workdir, workflow=mapped)
    product = workdir / "products" / "bias" / bias / "MASTER_BIAS.dat"
    assert reasons(result, workdir) == {bias: "reused: cache key matches",
                                        use: f"input changed: {product}"}
    sof = (workdir / "products" / "use" / use / "input.sof").read_text()
    assert sof == f"{product} MB\n"


def test_cache_key_composition():
    """What the key depends on (recipe, code version, parameters, input categories and
    contents) and what it does not (input paths, input order), on one machine."""
    from radps_seq.execute.cache import cache_key, components
    from radps_seq.execute.result import FileRef

    inputs = [FileRef("/a/x.fits", "RAW", "s1"), FileRef("/a/y.fits", "FLAT", "s2")]
    base = cache_key(components("python:r", "1+abc", {"k": 1}, inputs))
    moved = [FileRef("/elsewhere/" + r.path.rsplit("/", 1)[1], r.category, r.sha256) for r in inputs]
    assert cache_key(components("python:r", "1+abc", {"k": 1}, moved)) == base
    assert cache_key(components("python:r", "1+abc", {"k": 1}, inputs[::-1])) == base
    changed = {
        "recipe": components("python:q", "1+abc", {"k": 1}, inputs),
        "version": components("python:r", "1+abd", {"k": 1}, inputs),
        "parameters": components("python:r", "1+abc", {"k": 2}, inputs),
        "category": components("python:r", "1+abc", {"k": 1}, [FileRef("/a/x.fits", "BIAS", "s1"), inputs[1]]),
        "content": components("python:r", "1+abc", {"k": 1}, [FileRef("/a/x.fits", "RAW", "s9"), inputs[1]]),
        "swapped categories": components("python:r", "1+abc", {"k": 1}, [
            FileRef("/a/x.fits", "FLAT", "s1"), FileRef("/a/y.fits", "RAW", "s2")]),
        "one input fewer": components("python:r", "1+abc", {"k": 1}, inputs[:1]),
    }
    keys = {what: cache_key(parts) for what, parts in changed.items()}
    assert all(key != base for key in keys.values()), keys
    assert len(set(keys.values())) == len(keys)
