"""The REST API through FastAPI's TestClient, with real worker processes and recipes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import service_config, wait_final, wait_for


def submit(client, **body):
    body = {"workflow": "demo0", "inputs": ["night0"], **body}
    return client.post("/reductions", json=body)


def test_derivation_only_returns_the_job_graph_at_once(client):
    response = submit(client, execute=False)
    assert response.status_code == 201, response.text
    record = response.json()
    assert response.headers["location"] == f"/reductions/{record['id']}"
    assert record["status"] == "derived" and record["execute"] is False
    tasks = sorted(job["task"] for job in record["jobs"])
    assert tasks == ["bias", "flat", "object", "object"]
    assert {job["state"] for job in record["jobs"]} == {"derived"}
    assert [j for j in record["jobs"] if j["target"]] and record["targets"] == ["object"]
    again = client.get(record["id"] and f"/reductions/{record['id']}").json()
    assert [j["id"] for j in again["jobs"]] == [j["id"] for j in record["jobs"]]


def test_an_executed_reduction_runs_in_the_background_and_records_everything(client):
    response = submit(client, inputs=["night1"], planner="bfs")
    assert response.status_code == 202, response.text
    assert response.json()["status"] in ("queued", "running")
    assert len(response.json()["jobs"]) == 4  # derived at once: the graph is visible while it waits
    record = wait_final(client, response.json()["id"])
    assert record["status"] == "succeeded", record
    assert record["planner"] == "bfs"
    assert {job["state"] for job in record["jobs"]} == {"succeeded"}
    assert sorted(record["plan"]["order"]) == sorted(job["id"] for job in record["jobs"])
    assert record["refused"] == []
    assert set(record["products"]) == {job["id"] for job in record["jobs"]}
    for paths in record["products"].values():
        assert all(Path(p).is_file() for p in paths)
    timings = record["timings"]
    assert timings["started_ts"] >= timings["created_ts"] and timings["total_s"] > 0
    assert len(timings["jobs"]) == len(record["jobs"])
    runs = client.get("/runs", params={"reduction": record["id"]}).json()
    assert runs["total"] == len(record["jobs"])
    assert {row["status"] for row in runs["items"]} == {"succeeded"}
    # the same request again: every job is reused
    second = wait_final(client, submit(client, inputs=["night1"], planner="bfs").json()["id"])
    assert {job["state"] for job in second["jobs"]} == {"cached"}
    assert [j["id"] for j in second["jobs"]] == [j["id"] for j in record["jobs"]]


def test_graph_formats(client):
    record = submit(client, inputs=["night2"], execute=False).json()
    ids = {job["id"] for job in record["jobs"]}
    graph = client.get(f"/reductions/{record['id']}/graph").json()
    assert {n["id"] for n in graph["nodes"]} == ids
    assert len(graph["edges"]) == sum(len(j["parents"]) for j in record["jobs"])
    dot = client.get(f"/reductions/{record['id']}/graph", params={"format": "dot"})
    assert dot.text.startswith('digraph "demo0"') and all(i in dot.text for i in ids)
    mermaid = client.get(f"/reductions/{record['id']}/graph", params={"format": "mermaid"}).text
    assert mermaid.startswith("flowchart LR") and mermaid.count("-->") == len(graph["edges"])
    svg = client.get(f"/reductions/{record['id']}/graph", params={"format": "svg"})
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.count('class="job"') == len(ids)
    bad = client.get(f"/reductions/{record['id']}/graph", params={"format": "png"})
    assert bad.status_code == 422 and "format" in bad.json()["detail"]


def test_listing_is_paginated_and_filtered(client):
    ids = [submit(client, inputs=[f"night{n % 3}"], execute=False).json()["id"] for n in range(5)]
    page = client.get("/reductions", params={"limit": 2}).json()
    assert page["total"] == 5 and [r["id"] for r in page["items"]] == ids[::-1][:2]
    seen = []
    url = "/reductions?limit=2"
    while url:
        page = client.get(url).json()
        seen += [r["id"] for r in page["items"]]
        url = page["next"]
    assert seen == ids[::-1]
    assert client.get("/reductions", params={"status": "succeeded"}).json()["total"] == 0
    assert client.get("/reductions", params={"status": "derived"}).json()["total"] == 5
    bad = client.get("/reductions", params={"status": "done"})
    assert bad.status_code == 422 and "done" in bad.json()["detail"]


def test_workflows_and_tasks(client):
    names = [w["name"] for w in client.get("/workflows").json()["workflows"]]
    assert names == ["demo0"]
    tasks = client.get("/workflows/demo0/tasks").json()
    assert [t["name"] for t in tasks["tasks"]] == ["bias", "flat", "object"]
    missing = client.get("/workflows/nope/tasks")
    assert missing.status_code == 404 and "nope" in missing.json()["detail"]


def test_a_workflow_edited_on_disk_is_reloaded_on_the_next_request(client, site):
    before = client.get("/workflows/demo0/tasks").json()
    wkf = site["workflows"] / "demo0" / "demo0_wkf.py"
    original = wkf.read_text()
    try:
        wkf.write_text(original.replace("task('flat')", "task('flatfield')"))
        after = client.get("/workflows/demo0/tasks").json()
        record = submit(client, inputs=["night3"], execute=False).json()
    finally:
        wkf.write_text(original)
    assert "flat" in [t["name"] for t in before["tasks"]]
    assert "flatfield" in [t["name"] for t in after["tasks"]]
    assert "flatfield" in {job["task"] for job in record["jobs"]}


def test_cancel_a_running_and_a_queued_reduction(site, tmp_path):
    from fastapi.testclient import TestClient

    from radps_seq.api import create_app

    config = service_config(site, tmp_path / "w", max_concurrent=1)
    with TestClient(create_app(config)) as client:
        running = submit(client, inputs=["night4"], parameter_set="slow").json()["id"]
        queued = submit(client, inputs=["night5"], parameter_set="slow").json()["id"]
        wait_for(lambda: "pending" in job_states(client, running), 60.0)  # jobs are under way
        assert client.get(f"/reductions/{queued}").json()["status"] == "queued"
        assert client.post(f"/reductions/{queued}/cancel").json()["status"] == "cancelled"
        cancelled = client.post(f"/reductions/{running}/cancel").json()
        assert cancelled["status"] == "cancelled"
        again = client.post(f"/reductions/{running}/cancel")
        assert again.status_code == 409 and "cancelled" in again.json()["detail"]
        final = wait_final(client, running)
        assert final["status"] == "cancelled"
        states = [job["state"] for job in final["jobs"]]
        assert "cancelled" in states and "running" not in states and "pending" not in states
        wait_for(lambda: client.get("/health").json()["running"] == 0)  # the worker ended
        assert client.get(f"/reductions/{queued}").json()["status"] == "cancelled"


def job_states(client, reduction_id):
    return [job["state"] for job in client.get(f"/reductions/{reduction_id}").json()["jobs"]]


def test_after_a_restart_waiting_reductions_resume_and_finished_ones_are_listed(site, tmp_path):
    from fastapi.testclient import TestClient

    from radps_seq.api import create_app

    config = service_config(site, tmp_path / "w")
    with TestClient(create_app(config, start_dispatcher=False)) as client:
        derived = submit(client, execute=False).json()["id"]
        waiting = [submit(client, inputs=[f"night{n}"]).json()["id"] for n in (1, 2)]
        assert {client.get(f"/reductions/{i}").json()["status"] for i in waiting} == {"queued"}
    with TestClient(create_app(config)) as client:
        assert [wait_final(client, i)["status"] for i in waiting] == ["succeeded", "succeeded"]
        listed = [r["id"] for r in client.get("/reductions").json()["items"]]
        assert listed == [*waiting[::-1], derived]


def test_a_tracked_reduction_links_to_its_mlflow_run(site, tmp_path):
    from fastapi.testclient import TestClient
    from mlflow.tracking import MlflowClient

    from radps_seq.api import create_app

    config = service_config(site, tmp_path / "w", mlflow_ui="http://127.0.0.1:5001")
    config.track, config.tracking_uri = True, f"sqlite:///{tmp_path / 'mlflow.db'}"
    with TestClient(create_app(config)) as client:
        record = wait_final(client, submit(client, inputs=["night1"]).json()["id"], timeout=120)
    assert record["status"] == "succeeded"
    link = record["mlflow"]
    assert link["url"] == f"http://127.0.0.1:5001/#/experiments/{link['experiment_id']}/runs/{link['run_id']}"
    run = MlflowClient(config.tracking_uri).get_run(link["run_id"])
    assert run.data.tags["radps_seq.reduction"] == record["id"] and run.data.params["sequencer"] == "dfs"


def test_a_request_with_nothing_to_reduce_is_refused_before_it_is_queued(client):
    response = submit(client, inputs=["night0/catalog.fits"])
    assert response.status_code == 422 and "nothing to reduce" in response.json()["detail"]
    assert client.get("/reductions").json()["total"] == 0


def test_a_reduction_running_when_the_service_stops_resumes_on_the_next_start(site, tmp_path):
    from fastapi.testclient import TestClient

    from radps_seq.api import create_app

    config = service_config(site, tmp_path / "w")
    with TestClient(create_app(config)) as client:
        reduction = submit(client, inputs=["night5"], parameter_set="slow").json()["id"]
        wait_for(lambda: "pending" in job_states(client, reduction), 60.0)
    with TestClient(create_app(config, start_dispatcher=False)) as client:
        assert client.get(f"/reductions/{reduction}").json()["status"] == "queued"
    with TestClient(create_app(config)) as client:
        record = wait_final(client, reduction, timeout=120)
    assert record["status"] == "succeeded"
    assert {job["state"] for job in record["jobs"]} <= {"succeeded", "cached"}


def test_recipe_parameters_of_a_request_reach_the_job_ids_and_the_recipes(client, site):
    plain = {j["task"]: j["id"] for j in submit(client, inputs=["night4"], execute=False).json()["jobs"]}
    overridden = {"object": {"seconds": "0.2"}}
    derived = submit(client, inputs=["night4"], execute=False, recipe_parameters=overridden)
    assert derived.status_code == 201, derived.text
    ids = {j["task"]: j["id"] for j in derived.json()["jobs"]}
    assert ids["bias"] == plain["bias"] and ids["flat"] == plain["flat"]  # upstream of the change
    assert ids["object"] != plain["object"]
    assert derived.json()["request"]["recipe_parameters"] == overridden
    record = wait_final(client, submit(client, inputs=["night4"], recipe_parameters=overridden).json()["id"])
    assert record["status"] == "succeeded", record
    assert {j["task"]: j["id"] for j in record["jobs"]} == ids
    (product,) = record["products"][ids["object"]]
    assert json.loads((Path(product).parent / "parameters.json").read_text()) == {"seconds": 0.2}
    # the set the recipe parameters come from, as -rps does: every task changes
    slow = {j["task"]: j["id"] for j in submit(client, inputs=["night4"], execute=False,
                                               recipe_parameter_set="slow").json()["jobs"]}
    assert all(slow[t] != plain[t] for t in plain)


@pytest.mark.parametrize(("recipe_parameters", "named"), [
    ({"biass": {"seconds": 1}}, "biass"),
    ({"bias": {"secnds": 1}}, "'secnds'"),
    ({"bias": {"seconds": "slow"}}, "expected a number"),
])
def test_a_recipe_parameter_the_cascade_does_not_know_is_refused_by_name(client, recipe_parameters, named):
    response = submit(client, execute=False, recipe_parameters=recipe_parameters)
    assert response.status_code == 422
    assert named in response.json()["detail"] and "recipe_parameters" in response.json()["detail"]
    assert client.get("/reductions").json()["total"] == 0  # nothing was recorded


def test_a_proposed_plan_is_checked_by_the_guard_and_an_illegal_one_refused(client):
    derived = submit(client, inputs=["night5"], execute=False).json()
    by_task = {j["task"]: j["id"] for j in derived["jobs"] if j["task"] != "object"}
    science = [j["id"] for j in derived["jobs"] if j["task"] == "object"]
    legal = [by_task["bias"], by_task["flat"], *science]
    accepted = wait_final(client, submit(client, inputs=["night5"], plan={"order": legal}).json()["id"])
    assert accepted["status"] == "succeeded" and accepted["refused"] == []
    assert accepted["plan"]["order"] == legal and accepted["planner"] == "manual"
    # science before its calibrations, and a target skipped: refused, the baseline runs
    illegal = {"order": [*science, by_task["flat"], by_task["bias"]], "skip": science[:1]}
    response = submit(client, inputs=["night5"], plan=illegal, force=True)
    assert response.status_code == 202 and response.json()["planner"] == "manual"
    refused = wait_final(client, response.json()["id"])
    assert refused["status"] == "succeeded", refused
    kinds = sorted({reason.split(":")[0] for reason in refused["refused"]})
    assert kinds == ["not-skippable", "order", "target-skipped"]
    assert refused["planner"] == "bfs" and refused["plan"]["order"] != illegal["order"]
    both = submit(client, inputs=["night5"], plan={"order": legal}, planner="dfs")
    assert both.status_code == 422 and "not both" in both.json()["detail"]
    unreadable = submit(client, inputs=["night5"], plan={"order": legal, "skp": []})
    assert unreadable.status_code == 422 and "skp" in unreadable.json()["detail"]
