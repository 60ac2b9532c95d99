"""Load on a served process (loopback only, bounded counts and time): 50 concurrent
derivation-only submissions and 5 executing reductions, none lost, none duplicated."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from .conftest import wait_final

DERIVATIONS, EXECUTIONS = 50, 5


def test_concurrent_submissions_are_all_recorded_once(served):
    headers = dict(served.client.headers)

    def post(n: int) -> httpx.Response:
        executing = n < EXECUTIONS
        body = {"workflow": "demo0", "inputs": [f"night{n % 6}"], "execute": executing}
        with httpx.Client(base_url=served.url, headers=headers, timeout=120) as client:
            return client.post("/reductions", json=body)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=DERIVATIONS + EXECUTIONS) as pool:
        responses = list(pool.map(post, range(DERIVATIONS + EXECUTIONS)))
    submit_s = time.monotonic() - started
    codes = [r.status_code for r in responses]
    failed = [r.text for r in responses if r.status_code >= 300]
    assert codes == [202] * EXECUTIONS + [201] * DERIVATIONS, f"{failed}\nservice log:\n{served.output()}"
    ids = [r.json()["id"] for r in responses]
    assert len(set(ids)) == len(ids)
    derived = responses[EXECUTIONS:]
    by_night = {}
    for n, response in enumerate(derived, start=EXECUTIONS):
        jobs = [job["id"] for job in response.json()["jobs"]]
        assert by_night.setdefault(n % 6, jobs) == jobs  # same request, same job ids
    finals = [wait_final(served.client, i, timeout=180) for i in ids[:EXECUTIONS]]
    assert [f["status"] for f in finals] == ["succeeded"] * EXECUTIONS, served.output()
    listed = served.client.get("/reductions", params={"limit": 500}).json()
    mine = [item["id"] for item in listed["items"] if item["id"] in set(ids)]
    assert sorted(mine) == sorted(ids)
    statuses = {item["id"]: item["status"] for item in listed["items"]}
    assert {statuses[i] for i in ids[EXECUTIONS:]} == {"derived"}
    print(f"{DERIVATIONS + EXECUTIONS} submissions answered in {submit_s:.1f}s; "
          f"all done after {time.monotonic() - started:.1f}s")
