import json
from pathlib import Path

from radps_seq.execute import execute
from radps_seq.runlog import load_runs

from .helpers import bfs, imaging


def read(path):
    return Path(path).read_text()


def test_run_writes_edps_job_folders_and_summary(tmp_path, workdir):
    c, ids = imaging(tmp_path / "data")
    result = execute(c.graph, bfs(c.graph), workdir=workdir, workers=2, output_dir=tmp_path / "out")
    summary = result.to_dict()
    assert set(summary) == {"reduction", "status", "planner", "makespan_s", "jobs"}
    assert summary["status"] == "succeeded" and result.exit_code == 0
    assert summary["planner"] == "bfs"
    assert [j["status"] for j in summary["jobs"]] == ["succeeded"] * 4
    assert set(summary["jobs"][0]) == {"id", "label", "task", "status", "wall_s", "products", "error",
                                       "blocked_by", "log"}

    folder = workdir / "products" / "flat" / ids["flat"]
    assert {p.name for p in folder.iterdir()} == {
        "input.sof",
        "parameters.json",
        "command.sh",
        "job.log",
        "manifest.json",
        "MASTER_FLAT.dat",
    }
    sof = read(folder / "input.sof").splitlines()
    bias_product = workdir / "products" / "bias" / ids["bias"] / "MASTER_BIAS.dat"
    assert f"{bias_product} MASTER_BIAS" in sof
    assert sum(line.endswith(" FLAT") for line in sof) == 2
    assert json.loads(read(folder / "parameters.json")) == {"categories": ["MASTER_FLAT"]}
    assert "combining 3 inputs" in read(folder / "job.log")
    assert read(folder / "command.sh").endswith("exec radps-seq exec-job .\n")

    science = [j for j in summary["jobs"] if j["task"] == "science"]
    delivered = sorted(
        p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.dat")
    )
    assert delivered == sorted(f"science/{j['id']}/SCIENCE_REDUCED.dat" for j in science)
    runs = load_runs(workdir)
    assert sorted(runs["status"]) == ["succeeded"] * 4


def test_progress_lines_go_to_stderr(tmp_path, workdir, capsys):
    c, ids = imaging(tmp_path / "data")
    execute(c.graph, bfs(c.graph), workdir=workdir, progress=True, dummy=True)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("0/4 jobs (1 running)")
    assert lines[-1].startswith("4/4 jobs (4 succeeded)")
