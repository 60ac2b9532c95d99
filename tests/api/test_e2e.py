"""The service as a user runs it: ``radps-seq serve`` in its own process on loopback."""

from __future__ import annotations

from pathlib import Path

from .conftest import wait_final


def test_submit_poll_and_read_the_graph(served):
    response = served.client.post("/reductions", json={"workflow": "demo0", "inputs": ["night0"]})
    assert response.status_code == 202, response.text
    location = response.headers["location"]
    record = wait_final(served.client, location.rsplit("/", 1)[1])
    assert record["status"] == "succeeded", (record, served.output())
    assert {job["state"] for job in record["jobs"]} == {"succeeded"}
    assert all(Path(p).is_file() for paths in record["products"].values() for p in paths)
    graph = served.client.get(f"{location}/graph").json()
    assert {n["state"] for n in graph["nodes"]} == {"succeeded"}
    assert len(graph["nodes"]) == len(record["jobs"])
    runs = served.client.get("/runs", params={"reduction": record["id"], "limit": 2}).json()
    assert runs["total"] == len(record["jobs"]) and len(runs["items"]) == 2 and runs["next"]


def test_the_served_process_needs_its_token(served):
    import httpx

    with httpx.Client(base_url=served.url) as anonymous:
        assert anonymous.get("/reductions").status_code == 401
        assert anonymous.get("/health").status_code == 200
