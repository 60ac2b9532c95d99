"""Cascade and recipe modules are compiled from their source, whatever __pycache__ holds."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import py_compile
import sys

import pytest

from radps_seq.execute.recipe_call import RecipeCallError, RecipeRef, check_version
from radps_seq.source_import import edited_since_import, from_source


def _stale(path, old: str, new: str) -> None:
    path.write_text(old)
    py_compile.compile(str(path), cfile=importlib.util.cache_from_source(str(path)),
                       invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)
    stat = path.stat()
    path.write_text(new)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


@pytest.fixture
def package(tmp_path, monkeypatch):
    root = tmp_path / "lib"
    (root / "stalepkg").mkdir(parents=True)
    (root / "stalepkg" / "__init__.py").write_text("from . import mod\n")
    monkeypatch.syspath_prepend(str(root))
    yield root / "stalepkg"
    for name in [n for n in sys.modules if n == "stalepkg" or n.startswith("stalepkg.")]:
        del sys.modules[name]


def test_a_plain_import_trusts_the_stale_bytecode(package):
    # the hazard itself: without from_source CPython runs the old code
    _stale(package / "mod.py", "VALUE = 'one'\n", "VALUE = 'two'\n")
    assert importlib.import_module("stalepkg.mod").VALUE == "one"


def test_from_source_compiles_the_current_text(package):
    _stale(package / "mod.py", "VALUE = 'one'\n", "VALUE = 'two'\n")
    with from_source(package / "mod.py"):
        module = importlib.import_module("stalepkg.mod")
    assert module.VALUE == "two"
    assert not edited_since_import(module)
    (package / "mod.py").write_text("VALUE = 'three'\n")
    assert edited_since_import(module)


def test_the_source_text_seen_by_inspect_is_the_compiled_one(package):
    old = "def f():\n    return 'one'\n"
    new = "def f():\n    return 'two'\n"
    (package / "mod.py").write_text(old)
    with from_source(package):
        first = importlib.import_module("stalepkg.mod")
    assert inspect.getsource(first.f) == old
    for name in ("stalepkg", "stalepkg.mod"):
        del sys.modules[name]
    _stale(package / "mod.py", old, new)  # same size and mtime: linecache keeps ``old``
    with from_source(package):
        second = importlib.import_module("stalepkg.mod")
    assert second.f() == "two" and inspect.getsource(second.f) == new


def test_code_other_than_the_hashed_code_is_refused():
    def recipe(inputs, params, scratch):
        return None

    from radps_seq.recipes.registry import recipe_version

    ref = RecipeRef("function", "recipe", recipe_version(recipe), "t")
    check_version(recipe, ref)
    with pytest.raises(RecipeCallError, match="changed after the run was planned"):
        check_version(recipe, RecipeRef("function", "recipe", "1+000000000000", "t"))


def test_an_import_walking_the_finders_meanwhile_skips_none(tmp_path):
    # another thread's import walks sys.meta_path while a cascade's block ends: taking
    # the block's finder out of that very list made the walk skip the next finder
    with from_source(tmp_path):
        walked = sys.meta_path
        finders = iter(walked)
        first = next(finders)  # the other import asks the first finder, then the block ends
        expected = list(walked)
    assert [first, *finders] == expected
    assert first not in sys.meta_path  # the block's finder is gone all the same
