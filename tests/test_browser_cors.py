"""CORS in a real browser against the real local stack: a page on an allowed origin logs in, lists demands and
opens one; a page on another origin is refused (web/e2e/cors.mjs, Debian's Chromium via playwright-core).

Needs /usr/bin/chromium (`make test` installs it: scripts/ensure_chromium.sh) and web/node_modules (npm ci).
Deselect with `-m "not browser"`.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.builders import demand_body, org_block
from tests.local_stack_client import ROOT, Http, Stack, activate_demo_league, free_ports, sms_code

CHROMIUM = Path("/usr/bin/chromium")
SCRIPT = ROOT / "web" / "e2e" / "cors.mjs"
SCREENSHOTS = ROOT / "web" / "test-results"
LEADER_MOBILE = "13700000077"
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("local_stack")]


def published_demand(http: Http, data_dir: Path) -> str:
    """The demo 团组织, activated, publishes one demand; returns its id."""
    league = activate_demo_league(http, data_dir, "League1234")
    assert league.status_code == 200, league.text
    token = league.json()["access_token"]
    draft = http.post("/demands", demand_body(), token)
    assert draft.status_code == 201, draft.text
    assert http.post("/sms/codes", {"phone": LEADER_MOBILE, "purpose": "leader_mobile"}, token).status_code == 202
    block = org_block(LEADER_MOBILE, sms_code(data_dir, LEADER_MOBILE))
    published = http.post(f"/demands/{draft.json()['demand_id']}/publish", {"org": block}, token)
    assert published.status_code == 200, published.text
    return published.json()["demand_id"]


def test_a_page_on_an_allowed_origin_logs_in_lists_and_opens_a_demand_and_another_origin_is_refused(tmp_path):
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: run `make test` (scripts/ensure_chromium.sh installs it) " \
                              "or deselect these tests with -m 'not browser'"
    node = shutil.which("node")
    assert node and (ROOT / "web" / "node_modules" / "playwright-core").exists(), \
        "node and web/node_modules are needed: run `make test` (npm ci in web/)"
    allowed_port, other_port = free_ports(2)
    stack = Stack(tmp_path / "data", tmp_path / "stack.log")
    try:
        stack.start("--allow-origin", f"http://127.0.0.1:{allowed_port}")
        stack.wait_until_ready()
        demand_id = published_demand(Http(stack.api), stack.data_dir)

        done = subprocess.run([node, str(SCRIPT), "--api", stack.api, "--allowed-port", str(allowed_port),
                               "--other-port", str(other_port), "--screenshots", str(SCREENSHOTS)],
                              cwd=ROOT, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stdout + done.stderr
        seen = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        stack.kill()   # its state is not needed again, so no clean stop (tests/test_local_stack.py has those)

    allowed = seen["allowed"]
    assert (allowed["login"], allowed["list"], allowed["detail"]) == (200, 200, 200), seen
    assert allowed["listed"] == [demand_id] and allowed["detail_id"] == demand_id
    assert allowed["title"] == demand_body()["title"]
    # Fetch rejects both calls from the other origin, and Chromium says why: CORS, not the network.
    assert seen["other"] == {"login": "TypeError: Failed to fetch", "health": "TypeError: Failed to fetch"}, seen
    blocked = [line for line in seen["console"] if "blocked by CORS policy" in line]
    assert len(blocked) == 2 and all(f"'http://127.0.0.1:{other_port}'" in line for line in blocked), seen["console"]
    assert (SCREENSHOTS / "cors-allowed-origin.png").stat().st_size > 0
