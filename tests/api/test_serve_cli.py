"""``radps-seq serve`` refuses what it cannot serve with one line and exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def serve(*args: str, env: dict | None = None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "radps_seq.cli", "serve", *args], capture_output=True,
                          text=True, timeout=60, env={**os.environ, **(env or {})}, cwd=cwd)


def test_help_is_fast_to_reach_and_names_the_options():
    result = serve("--help")
    assert result.returncode == 0
    for option in ("--host", "--port", "--data-root", "--workdir", "--workflow-dir", "--max-concurrent",
                   "--token-env", "--config"):
        assert option in result.stdout


@pytest.mark.parametrize(
    "args, env, message",
    [
        ([], {}, "--data-root"),
        (["--data-root", "nowhere"], {}, "nowhere"),
        (["--data-root", "."], {"RADPS_UNSET_TOKEN": ""}, "RADPS_UNSET_TOKEN"),
        (["--data-root", ".", "--workflow-dir", "nowhere"], {}, "nowhere"),
        (["--data-root", ".", "--scheduler", "tcp://127.0.0.1:1"], {}, "--executor dask"),
        (["--data-root", ".", "--max-concurrent", "0"], {}, "max-concurrent"),
    ],
)
def test_bad_settings_exit_2_with_a_message(tmp_path, args, env, message):
    if env:
        args = [*args, "--token-env", next(iter(env))]
    result = serve(*args, "--workdir", str(tmp_path / "w"), env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_config_file_with_a_token_must_be_private_and_known(tmp_path):
    config = tmp_path / "serve.yaml"
    config.write_text("token: a-long-enough-token\ndata_roots: [.]\n")
    config.chmod(0o644)
    result = serve("--config", str(config), "--workdir", str(tmp_path / "w"), cwd=tmp_path)
    assert result.returncode == 2 and "chmod 600" in result.stderr
    config.write_text("tokn: a-long-enough-token\n")
    result = serve("--config", str(config), cwd=tmp_path)
    assert result.returncode == 2 and "tokn" in result.stderr


def test_a_config_file_token_guards_the_service(site, tmp_path):
    from .conftest import Served

    config = tmp_path / "serve.yaml"
    config.write_text(f"token: from-the-config-file\ndata_roots: [{site['data']}]\n"
                      f"workflow_dirs: [{site['workflows']}]\n")
    config.chmod(0o600)
    served = Served(["--config", str(config), "--no-track"], tmp_path / "w")
    try:
        assert served.client.get("/workflows").status_code == 401
        ok = served.client.get("/workflows", headers={"Authorization": "Bearer from-the-config-file"})
        assert [w["name"] for w in ok.json()["workflows"]] == ["demo0"]
    finally:
        served.stop()
