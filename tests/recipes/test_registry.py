import base64
import hashlib
import importlib.metadata
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

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
    """Recipes registered by a test disappear after it. The imaging recipes are imported
    first, into the real registry: a test that loads the entry points imports them too,
    and a module imported into a throw-away copy would never register them again."""
    import radps_seq.recipes.imaging  # noqa: F401

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


def _cascade_file(folder: Path, cascade: str, recipes: dict[str, float]) -> Path:
    """``folder/cascade/<cascade>_recipes.py`` defining each recipe (its QC says which)."""
    (folder / cascade).mkdir(parents=True, exist_ok=True)
    body = ["from radps_seq.recipes import RecipeResult, recipe", ""]
    for n, (name, answer) in enumerate(recipes.items()):
        body += [f"@recipe({name!r})", f"def recipe_{n}(inputs, params, scratch):",
                 f"    return RecipeResult([], {{'from': {answer}}})", ""]
    module = folder / cascade / f"{cascade}_recipes.py"
    module.write_text("\n".join(body))
    return module


def test_another_cascades_recipe_never_stands_in_for_a_missing_one(tmp_path):
    first = _cascade_file(tmp_path, "first", {"test_run_bias": 1.0})
    second = _cascade_file(tmp_path, "second", {"test_run_flat": 2.0})
    assert get_recipe("test_run_bias", [first])([], {}, tmp_path).qc == {"from": 1.0}
    with pytest.raises(RecipeNotFound, match="'test_run_bias'.*second_recipes.py"):
        get_recipe("test_run_bias", [second])
    with pytest.raises(RecipeNotFound, match="'test_run_bias'"):
        get_recipe("test_run_bias")  # no cascade: installed code only
    assert "test_run_bias" not in registered_recipes()


def test_two_cascades_may_each_define_a_recipe_of_the_same_name(tmp_path):
    first = _cascade_file(tmp_path, "first", {"test_shared_name": 1.0})
    second = _cascade_file(tmp_path, "second", {"test_shared_name": 2.0})
    assert get_recipe("test_shared_name", [first])([], {}, tmp_path).qc == {"from": 1.0}
    assert get_recipe("test_shared_name", [second])([], {}, tmp_path).qc == {"from": 2.0}
    assert get_recipe("test_shared_name", [first])([], {}, tmp_path).qc == {"from": 1.0}


def test_a_cascade_sees_installed_recipes_and_its_own_first(tmp_path):
    import radps_seq.recipes.imaging as imaging

    installed = sorted(imaging.RECIPES)[0]
    own = _cascade_file(tmp_path, "own", {installed: 3.0, "test_only_here": 4.0})
    assert get_recipe(installed, [own])([], {}, tmp_path).qc == {"from": 3.0}
    other = _cascade_file(tmp_path, "other", {"test_unrelated": 5.0})
    assert get_recipe(installed, [other]) is registered_recipes()[installed]


def test_one_cascade_file_cannot_define_a_name_twice(tmp_path):
    module = tmp_path / "twice_recipes.py"
    module.write_text(textwrap.dedent("""
        from radps_seq.recipes import RecipeResult, recipe

        @recipe("test_twice")
        def first(inputs, params, scratch):
            return RecipeResult([])

        @recipe("test_twice")
        def second(inputs, params, scratch):
            return RecipeResult([], {"second": 1.0})
    """))
    with pytest.raises(RecipeError, match="twice_recipes.py.*'test_twice' is already registered"):
        get_recipe("test_twice", [module])


def test_an_edited_cascade_file_registers_its_recipes_anew(tmp_path):
    module = _cascade_file(tmp_path, "edited", {"test_edited": 1.0, "test_dropped": 1.0})
    assert get_recipe("test_edited", [module])([], {}, tmp_path).qc == {"from": 1.0}
    _cascade_file(tmp_path, "edited", {"test_edited": 2.0})
    assert get_recipe("test_edited", [module])([], {}, tmp_path).qc == {"from": 2.0}
    with pytest.raises(RecipeNotFound, match="'test_dropped'"):
        get_recipe("test_dropped", [module])


def test_a_broken_cascade_recipes_file_names_itself(tmp_path):
    module = tmp_path / "broken_recipes.py"
    module.write_text("raise RuntimeError('boom')\n")
    with pytest.raises(RecipeError, match="broken_recipes.py.*boom"):
        get_recipe("anything", [module])


PLUGIN = Path(__file__).with_name("fixtures") / "plugin_dist"


def _wheel(source: Path, out: Path) -> Path:
    """A wheel of the plug-in fixture (its files plus the RECORD a wheel must carry)."""
    wheel = out / "radps_seq_test_plugin-1.0-py3-none-any.whl"
    files = sorted(p for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    record = []
    with zipfile.ZipFile(wheel, "w") as archive:
        for path in files:
            name = path.relative_to(source).as_posix()
            data = path.read_bytes()
            archive.writestr(name, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{name},sha256={digest},{len(data)}")
        record.append("radps_seq_test_plugin-1.0.dist-info/RECORD,,")
        archive.writestr("radps_seq_test_plugin-1.0.dist-info/RECORD", "\n".join(record) + "\n")
    return wheel


@pytest.fixture
def installed_plugin(tmp_path, monkeypatch):
    """The plug-in distribution installed by pip into a folder put on ``sys.path``."""
    site = tmp_path / "site"
    wheel = _wheel(PLUGIN, tmp_path)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
         "--disable-pip-version-check", "--target", str(site), str(wheel)],
        check=True, capture_output=True,
    )
    monkeypatch.syspath_prepend(str(site))
    yield site
    sys.modules.pop("radps_seq_test_plugin", None)


def test_entry_points_of_an_installed_distribution_provide_recipes(installed_plugin):
    distribution = importlib.metadata.distribution("radps-seq-test-plugin")
    assert Path(distribution.locate_file("radps_seq_test_plugin")).parent == installed_plugin
    assert "test_from_plugin" not in registered_recipes()
    fn = get_recipe("test_from_plugin")
    assert fn.recipe_name == "test_from_plugin"
    assert fn.__module__ == "radps_seq_test_plugin"
    assert fn([], {}, installed_plugin).qc == {"plugin": 1.0}


def test_without_the_distribution_the_recipe_is_not_found():
    with pytest.raises(RecipeNotFound, match="'test_from_plugin'.*entry points"):
        get_recipe("test_from_plugin")


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
