import importlib.metadata
import subprocess
import sys
import textwrap

import pytest

from radps_seq.recipes import (
    Product,
    RecipeError,
    RecipeNotFound,
    RecipeResult,
    get_recipe,
    recipe,
    recipe_version,
    registered_recipes,
    registry,
)


@pytest.fixture(autouse=True)
def isolated_registry(monkeypatch):
    """Recipes registered by a test disappear after it."""
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))


def test_a_registered_recipe_is_found_by_name_with_its_version():
    @recipe("test_double", version="3")
    def double(inputs, params, scratch):
        return RecipeResult([Product(str(scratch / "x.fits"), "X")], {"n": 2.0})

    assert get_recipe("test_double") is double
    assert double.recipe_name == "test_double"
    assert recipe_version(double).startswith("3+")
    assert "test_double" in registered_recipes()


def test_an_unknown_recipe_is_a_clear_key_error():
    with pytest.raises(RecipeNotFound) as caught:
        get_recipe("no_such_recipe_anywhere")
    assert isinstance(caught.value, KeyError)
    assert "no_such_recipe_anywhere" in str(caught.value)


def test_another_function_cannot_take_a_registered_name():
    @recipe("test_taken")
    def first(inputs, params, scratch):
        return RecipeResult([])

    with pytest.raises(RecipeError, match="already registered"):

        @recipe("test_taken")
        def second(inputs, params, scratch):
            return RecipeResult([Product("a", "B")])


def test_a_cascade_recipes_file_is_imported_on_demand(tmp_path):
    module = tmp_path / "mycascade_recipes.py"
    module.write_text(textwrap.dedent("""
        from radps_seq.recipes import RecipeResult, recipe

        @recipe("test_from_cascade_file")
        def from_file(inputs, params, scratch):
            return RecipeResult([], {"answer": 42.0})
    """))
    fn = get_recipe("test_from_cascade_file", [module])
    assert fn([], {}, tmp_path).qc == {"answer": 42.0}
    # importing the same file again does not re-register or fail
    assert get_recipe("test_from_cascade_file", [module]) is fn


def test_a_broken_cascade_recipes_file_names_itself(tmp_path):
    module = tmp_path / "broken_recipes.py"
    module.write_text("raise RuntimeError('boom')\n")
    with pytest.raises(RecipeError, match="broken_recipes.py.*boom"):
        get_recipe("anything", [module])


def test_entry_points_provide_recipes(tmp_path, monkeypatch):
    package = tmp_path / "plugin_recipes_pkg.py"
    package.write_text(textwrap.dedent("""
        from radps_seq.recipes import RecipeResult, recipe

        @recipe("test_from_plugin")
        def plugin(inputs, params, scratch):
            return RecipeResult([])
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    point = importlib.metadata.EntryPoint(
        name="plugin", value="plugin_recipes_pkg", group=registry.ENTRY_POINT_GROUP
    )
    seen_groups = []

    def entry_points(group):
        seen_groups.append(group)
        return [point]

    monkeypatch.setattr(registry.importlib.metadata, "entry_points", entry_points)
    assert get_recipe("test_from_plugin").recipe_name == "test_from_plugin"
    assert seen_groups == ["radps_seq.recipes"]


def test_the_version_changes_when_the_code_changes(tmp_path):
    versions = []
    for n, body in enumerate(("return RecipeResult([])", "return RecipeResult([], {'a': 1.0})")):
        module = tmp_path / f"v{n}_recipes.py"
        module.write_text(
            "from radps_seq.recipes import RecipeResult, recipe\n\n"
            f"@recipe('test_versioned_{n}', version='2')\n"
            "def versioned(inputs, params, scratch):\n"
            f"    {body}\n"
        )
        versions.append(recipe_version(get_recipe(f"test_versioned_{n}", [module])))
    assert versions[0].startswith("2+") and versions[1].startswith("2+")
    assert versions[0] != versions[1]


def test_every_imaging_recipe_is_registered():
    from radps_seq.recipes.imaging import RECIPES

    assert set(RECIPES) <= set(registered_recipes())


def test_recipes_import_nothing_from_the_engine():
    code = (
        "import sys, radps_seq.recipes.imaging\n"
        "print(sorted(m for m in sys.modules if m.startswith('radps_seq.')"
        " and not m.startswith('radps_seq.recipes')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # the one shared module is the stdlib-only source loader (no stale bytecode)
    assert out.stdout.strip() == "['radps_seq.source_import']"
