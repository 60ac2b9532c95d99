"""The web view in a real headless browser: Debian's chromium driven by Playwright."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from .conftest import SERVE_TOKEN, wait_final

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("chromium is not installed: run 'make test-deps' (Debian package chromium)")
    return path


@pytest.fixture
def page(served):
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="radps-chromium-")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=chromium(), headless=True,
            args=CHROMIUM_ARGS,  # the new empty profile is the user data dir
        )
        try:
            yield context.new_page()
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


def test_the_page_lists_reductions_and_shows_one_with_its_graph_plan_and_timeline(served, page, tmp_path):
    client = served.client
    derived = client.post("/reductions", json={"workflow": "demo0", "inputs": ["night3"], "execute": False})
    run = client.post("/reductions", json={"workflow": "demo0", "inputs": ["night2"], "planner": "bfs"})
    record = wait_final(client, run.json()["id"])
    assert record["status"] == "succeeded"

    page.goto(served.url + "/")
    page.wait_for_selector("#token-form:not([hidden])")  # the API wants the token
    page.fill("#token", SERVE_TOKEN)
    page.click("#token-form button")
    row = page.wait_for_selector(f"tr[data-id='{record['id']}']")
    assert "succeeded" in row.inner_text() and "bfs" in row.inner_text()
    assert "derived" in page.inner_text(f"tr[data-id='{derived.json()['id']}']")
    page.screenshot(path=str(tmp_path / "list.png"))

    page.click(f"tr[data-id='{record['id']}'] a")
    page.wait_for_selector("#graph svg g.job")
    states = page.eval_on_selector_all("#graph g.job", "nodes => nodes.map(n => n.dataset.state)")
    assert states == ["succeeded"] * len(record["jobs"])
    assert page.inner_text("#detail-status") == "succeeded"
    plan_items = page.locator("#plan li")
    assert plan_items.count() == len(record["plan"]["order"])
    assert page.locator("#timeline rect.bar").count() == len(record["jobs"])
    assert page.locator("#refusal").is_hidden()
    assert page.locator("#products li").count() == sum(len(p) for p in record["products"].values())
    page.screenshot(path=str(tmp_path / "detail.png"), full_page=True)


def test_the_page_shows_the_guards_refusal_of_a_proposed_plan(served, page):
    client = served.client
    derived = client.post("/reductions", json={"workflow": "demo0", "inputs": ["night5"], "execute": False}).json()
    order = [job["id"] for job in derived["jobs"]][::-1]  # science first: its calibrations come later
    run = client.post("/reductions", json={"workflow": "demo0", "inputs": ["night5"], "plan": {"order": order}})
    assert run.status_code == 202, run.text
    record = wait_final(client, run.json()["id"])
    assert record["status"] == "succeeded" and record["refused"], record

    page.goto(served.url + "/")
    page.wait_for_selector("#token-form:not([hidden])")
    page.fill("#token", SERVE_TOKEN)
    page.click("#token-form button")
    page.click(f"tr[data-id='{record['id']}'] a")
    page.wait_for_selector("#refusal:not([hidden]) li")
    assert "The guard refused the proposed plan" in page.inner_text("#refusal")
    shown = page.eval_on_selector_all("#refusal li", "items => items.map(i => i.textContent)")
    assert shown == record["refused"] and all(reason.startswith("order: ") for reason in shown)
    assert page.locator("#plan li").count() == len(record["plan"]["order"])  # the baseline that ran
