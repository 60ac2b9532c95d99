"""Job folders reproduce their job: ``run_job_folder`` (``command.sh``) and the EDPS way
of running a recipe without a Python registration (``esorex <recipe> input.sof``)."""

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

from radps_seq.execute import execute, run_job_folder
from radps_seq.runlog import load_runs

from .helpers import Cascade, bfs, imaging


def test_run_job_folder_recomputes_in_place_and_the_next_run_reuses(tmp_path, workdir, capsys):
    c, ids = imaging(tmp_path)
    execute(c.graph, bfs(c.graph), workdir=workdir)
    folder = workdir / "products" / "flat" / ids["flat"]
    product = folder / "MASTER_FLAT.dat"
    good = product.read_text()
    product.write_text("garbage")
    assert run_job_folder(folder) == 0
    assert capsys.readouterr().out.strip() == str(product)
    assert product.read_text() == good
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]
    again = execute(c.graph, bfs(c.graph), workdir=workdir)
    assert {j.status for j in again.jobs} == {"cached"}


def test_run_job_folder_reports_a_failure(tmp_path, workdir, capsys):
    c = Cascade(tmp_path)
    raw = c.raw("a")
    job = c.job("a", files=[(raw, "RAW")])
    execute(c.graph, bfs(c.graph), workdir=workdir)
    os.unlink(raw)
    assert run_job_folder(workdir / "products" / "a" / job) == 1
    assert f"input file missing: {raw}" in capsys.readouterr().err
    assert run_job_folder(tmp_path) == 1
    assert "is not a job folder" in capsys.readouterr().err


def test_command_sh_is_what_reproduces_the_job(tmp_path, workdir):
    c, ids = imaging(tmp_path)
    execute(c.graph, bfs(c.graph), workdir=workdir)
    command = (workdir / "products" / "bias" / ids["bias"] / "command.sh").read_text()
    assert command.splitlines()[0] == "#!/bin/sh"
    assert command.splitlines()[-2:] == ['cd "$(dirname "$0")" || exit 1', "exec radps-seq exec-job ."]


FAKE_ESOREX = textwrap.dedent(
    """\
    #!{python}
    # A stand-in for ESO's esorex: writes one FITS product whose category is in
    # HIERARCH ESO PRO CATG, as pipeline recipes do.
    import sys
    args = sys.argv[1:]
    if args == ["--version"]:
        print("esorex (fake) 3.13"); sys.exit(0)
    out = [a.split("=", 1)[1] for a in args if a.startswith("--output-dir=")][0]
    recipe = [a for a in args if not a.startswith("--")][0]
    sof = open(args[-1]).read().split()
    cards = ["SIMPLE  =                    T", "BITPIX  =                    8",
             "NAXIS   =                    0", "HIERARCH ESO PRO CATG = 'MASTER_BIAS'",
             "HIERARCH ESO PRO REC1 ID = '%s'" % recipe, "END"]
    block = "".join(c.ljust(80) for c in cards).ljust(2880).encode()
    open(out + "/master_bias.fits", "wb").write(block)
    print("fake esorex ran", recipe, "with", len(sof) // 2, "inputs and", args[1:-2])
    """
)


def fake_esorex(bin_dir: Path) -> Path:
    bin_dir.mkdir()
    tool = bin_dir / "esorex"
    tool.write_text(FAKE_ESOREX.format(python=sys.executable))
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    return tool


def test_unregistered_recipe_runs_through_esorex(tmp_path, workdir, monkeypatch):
    tool = fake_esorex(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{tool.parent}{os.pathsep}{os.environ['PATH']}")
    c = Cascade(tmp_path)
    bias = c.job(
        "bias",
        recipe="xsh_mbias",
        files=[(c.raw("b0"), "BIAS"), (c.raw("b1"), "BIAS")],
        params={"xsh.xsh_mbias.stack_method": "median"},
        products=("MASTER_BIAS",),
    )
    use = c.job("use", parents={bias: ("MASTER_BIAS", "MASTER_BIAS")}, target=True)
    result = execute(c.graph, bfs(c.graph), workdir=workdir)
    assert result.status == "succeeded"
    folder = workdir / "products" / "bias" / bias
    manifest = json.loads((folder / "manifest.json").read_text())
    assert [(p["path"], p["category"]) for p in manifest["products"]] == [
        ("master_bias.fits", "MASTER_BIAS")
    ]
    assert "fake esorex ran xsh_mbias with 2 inputs" in (folder / "job.log").read_text()
    sof = (workdir / "products" / "use" / use / "input.sof").read_text()
    assert sof == f"{folder / 'master_bias.fits'} MASTER_BIAS\n"
    command = (folder / "command.sh").read_text().splitlines()[-1]
    assert command.startswith(f"{tool} --output-dir=. xsh_mbias ") and command.endswith(" input.sof")
    assert "--xsh.xsh_mbias.stack_method=median" in command
    runs = load_runs(workdir).set_index("job_id")
    assert runs.loc[bias, "recipe"] == "xsh_mbias" and runs.loc[bias, "cpu_s"] > 0

    # the command line reproduces the product, as in EDPS
    (folder / "master_bias.fits").unlink()
    subprocess.run(["sh", str(folder / "command.sh")], check=True, capture_output=True)
    assert (folder / "master_bias.fits").is_file()
