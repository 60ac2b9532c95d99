"""Requests that must not be accepted silently: one line naming what is wrong, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .conftest import IMAGING, ROOT, radps


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["derive", "-wp", "nosuchparam", "3"],
         "unknown workflow parameter of imaging; known: illumination_correction\n"),
        (["derive", "-wp", "illumination_correction", "maybe"], "expected true or false"),
        (["run", "--workdir", "w", "--dummy", "--no-track", "--planner", "learned"], "needs a model"),
        (["run", "--workdir", "w", "--dummy", "--no-track", "--planner", "bfs", "--model", "m"],
         "--model is for the learned planner"),
        (["run", "--workdir", "w", "--dummy", "--no-track", "--executor", "dask",
          "--scheduler", "tcp://127.0.0.1:9"], "no Dask scheduler answers"),
        (["run", "--workdir", "w", "--dummy", "--no-track", "--executor", "dask",
          "--scheduler", "nonsense"], "not a Dask scheduler address"),
    ],
)
def test_bad_request_is_one_line_and_exit_2(imaging_raw: Path, tmp_path: Path, args, expected):
    command, *rest = args
    result = radps(command, "-w", IMAGING, "-i", str(imaging_raw), *rest, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "internal error" not in result.stderr


def test_a_known_parameter_of_the_right_type_is_accepted(imaging_raw: Path, tmp_path: Path):
    result = radps("derive", "-w", IMAGING, "-i", str(imaging_raw), "-wp",
                   "illumination_correction", "false", cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_a_missing_input_path_is_refused(imaging_raw: Path, tmp_path: Path):
    for command in ("derive", "classify"):
        result = radps(command, "-w", IMAGING, "-i", str(imaging_raw), "rawx", cwd=tmp_path)
        assert result.returncode == 2
        assert result.stderr.strip() == "error: input not found: rawx (give existing files or folders after -i)"


def test_a_typo_in_the_tuning_space_saves_no_trial(tmp_path: Path):
    config = yaml.safe_load((ROOT / "experiments" / "quick.yaml").read_text())
    config["root"] = str(ROOT)
    config["tune"]["space"] = {"learnig_rate": {"low": 0.05, "high": 0.3}}
    (tmp_path / "typo.yaml").write_text(yaml.safe_dump(config))
    result = radps("tune", "typo.yaml", "--trials", "1", "--storage", "sqlite:///optuna.db", cwd=tmp_path)
    assert result.returncode == 2
    assert "tune.space.learnig_rate" in result.stderr and "learning_rate" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "optuna.db").exists()
