"""Every rule of the service's security: token, data roots, workflows by name, limits,
and messages instead of tracebacks."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest

from .conftest import service_config

TOKEN = "s3cret-token-for-tests"


@pytest.fixture
def guarded(site, tmp_path):
    from fastapi.testclient import TestClient

    from radps_seq.api import create_app

    config = service_config(site, tmp_path / "w", token=TOKEN, body_limit=4096)
    with TestClient(create_app(config, start_dispatcher=False)) as client:
        yield client


AUTH = {"Authorization": f"Bearer {TOKEN}"}


def body(**extra):
    return {"workflow": "demo0", "inputs": ["night0"], "execute": False, **extra}


@pytest.mark.parametrize("path", ["/reductions", "/workflows", "/runs", "/openapi.json", "/reductions/x1"])
def test_every_route_but_health_needs_the_token(guarded, path):
    assert guarded.get(path).status_code == 401
    assert guarded.get(path, headers={"Authorization": "Bearer wrong-token-here"}).status_code == 401
    assert guarded.get(path, headers={"Authorization": TOKEN}).status_code == 401  # no scheme
    assert guarded.get(path, headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401
    assert guarded.get(path, headers=AUTH).status_code in (200, 404)


def test_health_and_the_static_page_need_no_token_but_hold_no_data(guarded):
    assert guarded.get("/health").json()["status"] == "ok"
    page = guarded.get("/")
    assert page.status_code == 200 and "<table id=\"reductions\">" in page.text
    assert guarded.post("/reductions", json=body()).status_code == 401
    assert guarded.post("/reductions", json=body(), headers=AUTH).status_code == 201


def test_the_token_is_compared_in_constant_time():
    import inspect

    from radps_seq.api import security

    assert "hmac.compare_digest" in inspect.getsource(security.TokenGuard)


@pytest.fixture
def outside(site, tmp_path):
    """A FITS file and a folder outside the data root, and links to them from inside."""
    from radps_seq.testing.demo0_night import demo0_night

    elsewhere = tmp_path / "elsewhere"
    demo0_night(elsewhere)
    data = site["data"]
    links = data / f"links-{tmp_path.name}"
    links.mkdir()
    (links / "file.fits").symlink_to(elsewhere / "BIAS_0.fits")
    (links / "dir").symlink_to(elsewhere)
    inner = data / f"inner-{tmp_path.name}"
    inner.mkdir()
    (inner / "sneaky.fits").symlink_to(elsewhere / "FLAT_0.fits")
    yield {"elsewhere": elsewhere, "links": links, "inner": inner}


def _index_paths(workdir):
    found = []
    for db in workdir.glob("*.sqlite"):
        with sqlite3.connect(db) as conn:
            for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'"):
                found += [str(r) for r in conn.execute(f"SELECT * FROM {table}")]
    return found


def test_inputs_outside_the_data_roots_are_refused_and_not_read(client, site, outside, tmp_path):
    workdir = tmp_path / "w"
    assert client.post("/reductions", json=body()).status_code == 201  # the header index exists
    assert any("night0" in row for row in _index_paths(workdir))
    cases = [
        "../" + outside["elsewhere"].name,
        "night0/../../" + outside["elsewhere"].name,
        str(outside["elsewhere"]),
        str(outside["elsewhere"] / "BIAS_0.fits"),
        "/etc/passwd",
        f"{outside['links'].name}/file.fits",
        f"{outside['links'].name}/dir",
        outside["links"].name,  # a folder inside whose links point out
        outside["inner"].name,
    ]
    for given in cases:
        response = client.post("/reductions", json=body(inputs=["night0", given]))
        assert response.status_code == 403, (given, response.text)
        assert "outside the data roots" in response.json()["detail"]
    assert not any(str(outside["elsewhere"]) in row for row in _index_paths(workdir))
    assert client.get("/reductions").json()["total"] == 1


def test_a_missing_input_is_404_and_a_link_inside_the_roots_is_fine(client, site):
    assert client.post("/reductions", json=body(inputs=["night-none"])).status_code == 404
    link = site["data"] / "night0-link"
    if not link.exists():
        link.symlink_to(site["data"] / "night0")
    assert client.post("/reductions", json=body(inputs=["night0-link"])).status_code == 201


@pytest.mark.parametrize("workflow", ["../cascades/demo0", "/tmp/evil_wkf.py", "demo0_wkf.py/..", "os.path",
                                      "imaging", "nope"])
def test_workflows_come_only_from_the_workflow_folders(client, workflow, tmp_path):
    evil = tmp_path / "evil_wkf.py"
    marker = tmp_path / "imported"
    evil.write_text(f"open({str(marker)!r}, 'w').write('x')\n")
    response = client.post("/reductions", json=body(workflow=workflow))
    assert response.status_code == 422, response.text
    assert "workflow" in response.json()["detail"]
    assert not marker.exists()


@pytest.mark.parametrize(
    "changes, word",
    [
        ({"targets": ["nosuchtask"]}, "nosuchtask"),
        ({"meta_targets": ["nosuchmeta"]}, "nosuchmeta"),
        ({"planner": "nosuchplanner"}, "nosuchplanner"),
        ({"planner": "oracle"}, "offline"),
        ({"parameter_set": "nosuchset"}, "nosuchset"),
        ({"model": "/tmp/model.pkl"}, "model"),
        ({"model": "../models/default"}, "model"),
        ({"recipe_parameters": {"nosuchtask": {}}}, "nosuchtask"),
        ({"recipe_parameters": {"bias": {"x": 1}}}, "recipe_parameters"),
        ({"planer": "dfs"}, "planer"),
        ({"inputs": []}, "inputs"),
        ({"workers": 0}, "workers"),
        ({"workflow": 3}, "workflow"),
    ],
)
def test_bad_requests_get_a_4xx_that_says_what_is_wrong(client, changes, word):
    response = client.post("/reductions", json=body(**changes))
    assert response.status_code == 422, response.text
    assert word in response.json()["detail"]
    assert "Traceback" not in response.text


def test_malformed_json_and_wrong_types_are_4xx(client):
    for raw in ["{", "[]", '"x"', "null", '{"workflow": "demo0", "inputs": "night0"}']:
        response = client.post("/reductions", content=raw, headers={"Content-Type": "application/json"})
        assert response.status_code == 422, (raw, response.text)
        assert "Traceback" not in response.text and response.json()["detail"]


def test_bodies_over_the_limit_are_refused(guarded):
    big = json.dumps(body(inputs=["night0"] * 2000))
    response = guarded.post("/reductions", content=big, headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 413 and "limit" in response.json()["detail"]

    def chunks():  # no Content-Length: the limit holds while the body streams in
        for _ in range(100):
            yield b" " * 1000

    streamed = guarded.post("/reductions", content=chunks(), headers={**AUTH, "Content-Type": "application/json"})
    assert streamed.status_code == 413


def test_unknown_reductions_and_bad_ids(client):
    assert client.get("/reductions/0123456789abcdef").status_code == 404
    assert client.get("/reductions/..%2Fetc").status_code == 404
    assert client.post("/reductions/0123456789abcdef/cancel").status_code == 404


def test_an_internal_error_reaches_the_client_as_a_message_without_traceback(site, tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from radps_seq.api import create_app, views

    def broken(*_args, **_kwargs):
        raise ZeroDivisionError("boom in the view")

    monkeypatch.setattr(views, "runs", broken)
    app = create_app(service_config(site, tmp_path / "w"), start_dispatcher=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/runs")
    assert response.status_code == 500
    assert "Traceback" not in response.text and "boom" not in response.text
    assert "internal error" in response.json()["detail"]


def test_the_service_binds_to_loopback_by_default():
    from click.testing import CliRunner

    from radps_seq.cli import cli

    help_text = CliRunner().invoke(cli, ["serve", "--help"]).output
    assert "127.0.0.1" in help_text and "--token-env" in help_text


def test_token_env_must_be_set(tmp_path, monkeypatch):
    from radps_seq.api.config import token_from
    from radps_seq.errors import RadpsError

    monkeypatch.delenv("RADPS_TEST_TOKEN", raising=False)
    with pytest.raises(RadpsError, match="RADPS_TEST_TOKEN"):
        token_from("RADPS_TEST_TOKEN", {})
    monkeypatch.setenv("RADPS_TEST_TOKEN", TOKEN)
    assert token_from("RADPS_TEST_TOKEN", {}) == TOKEN
    assert os.environ["RADPS_TEST_TOKEN"] == TOKEN
