"""Radio recipes: archives of CASA tables, category matching, CASA configured offline, and
a clear error when a measurement set no longer matches its descriptor."""

import subprocess
import sys

import pytest

from radps_seq.recipes import RecipeError, RecipeInput, get_recipe
from radps_seq.recipes.radio import RECIPES
from radps_seq.recipes.radio.casa import installed
from radps_seq.recipes.radio.products import of_category, one, pack, sha256, unpack

needs_casa = pytest.mark.skipif(not installed(), reason="needs the casa extra")


def test_every_radio_recipe_is_registered_without_importing_casa():
    code = ("import sys, radps_seq.recipes.radio as r; from radps_seq.recipes import registered_recipes;"
            "assert set(r.RECIPES) <= set(registered_recipes());"
            "assert 'casatools' not in sys.modules and 'casatasks' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
    assert len(RECIPES) == 12


def test_tables_pack_reproducibly_and_unpack(tmp_path):
    table = tmp_path / "a.ms"
    (table / "sub").mkdir(parents=True)
    (table / "table.dat").write_bytes(b"x" * 100)
    (table / "sub" / "f").write_text("y")
    first = pack(table, tmp_path, "MS", "one")
    (table / "table.dat").touch()  # a new mtime must not change the archive
    second = pack(table, tmp_path, "MS", "two")
    assert sha256(first.path) == sha256(second.path)
    out = tmp_path / "unpacked"
    out.mkdir()
    restored = unpack(RecipeInput(first.path, "MS"), out)
    assert (restored / "sub" / "f").read_text() == "y" and restored.name == "a.ms"


def test_categories_match_by_part():
    inputs = [RecipeInput("a", "MS"), RecipeInput("b", "CALTABLE_BANDPASS"), RecipeInput("c", "MS_SELFCAL")]
    assert [i.path for i in of_category(inputs, "MS")] == ["a", "c"]
    assert one(inputs, "BANDPASS", "stage").path == "b"
    with pytest.raises(RecipeError, match="no GAIN input"):
        one(inputs, "GAIN", "stage")


@needs_casa
def test_casa_runs_offline_with_one_thread():
    code = ("import os; from radps_seq.recipes.radio.casa import casa; c = casa();"
            "import casatools, casadata;"
            "assert os.environ['OMP_NUM_THREADS'] == '1';"
            "from casaconfig import config;"
            "assert config.measurespath == casadata.datapath and not config.measures_auto_update;"
            "assert not config.data_auto_update; print(c.version)")
    env = {k: v for k, v in __import__("os").environ.items() if k != "OMP_NUM_THREADS"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().startswith("6.7.0")


@needs_casa
def test_import_refuses_a_measurement_set_changed_after_it_was_described(tmp_path):
    from radps_seq.sim.radio import simulate

    summary = simulate(tmp_path / "raw", datasets=1, seed=2)
    eb = summary.datasets[0].id
    with open(tmp_path / "raw" / f"{eb}.ms" / "table.f1", "ab") as handle:
        handle.write(b"\0")
    scratch = tmp_path / "job"
    scratch.mkdir()
    with pytest.raises(RecipeError, match=f"{eb}.fits.*does not match its ms.sha256"):
        get_recipe("radio_import")([RecipeInput(str(tmp_path / "raw" / f"{eb}.fits"), "EB")], {}, scratch)
