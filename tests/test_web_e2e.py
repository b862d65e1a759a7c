"""The H5 client in a real browser: Debian's Chromium (playwright-core, web/e2e/smoke.mjs) at 390×844 against
the built client (vite preview, its /api proxy pointed at a local stack). Screenshots: web/test-results/."""
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.local_stack_client import Http, activate_demo_league, free_ports, serving, sms_code

WEB = Path(__file__).resolve().parent.parent / "web"
VITE = WEB / "node_modules" / ".bin" / "vite"
SCREENSHOTS = WEB / "test-results"
FRESH_LEAGUE = {"login": "e2e_league", "mobile": "13900000031", "newPassword": "League2024e2e"}
PUBLISHER_MOBILE = "13900000032"
# A stack and a browser are heavy on two cores: they share the worker of the other local-stack tests.
pytestmark = [pytest.mark.web, pytest.mark.xdist_group("local_stack")]


def _seed(http: Http, data_dir: Path) -> None:
    """A published demand for the lists, and a 团组织 still on 000000 for the gate."""
    operator = http.login("organization", "demo_operator", "Demo1234").json()["access_token"]
    created = http.post("/admin/league-orgs", {
        "org_name": "中国共产主义青年团深圳市福田区委员会", "account_name": FRESH_LEAGUE["login"],
        "region": {"province": "广东省", "city": "深圳市", "district": "福田区"},
        "leader_mobile": FRESH_LEAGUE["mobile"]}, operator)
    assert created.status_code == 201, created.text
    league = activate_demo_league(http, data_dir, "League2024demo").json()["access_token"]
    draft = http.post("/demands", {
        "title": "需要招募8位数学老师为乡村孩子在线辅导课程", "demand_type": "关爱未成年人", "volunteers_needed": 8,
        "content": "他们上学期数学成绩中等偏下，解方程是弱项。", "period_start": "2099-06-05",
        "period_end": "2099-06-08", "guarantees": ["餐饮保障", "交通补贴"]}, league)
    assert draft.status_code == 201, draft.text
    sent = http.post("/sms/codes", {"phone": PUBLISHER_MOBILE, "purpose": "leader_mobile"}, league)
    assert sent.status_code == 202, sent.text
    published = http.post(f"/demands/{draft.json()['demand_id']}/publish", {"org": {
        "region": {"province": "广东省", "city": "深圳市", "district": "罗湖区"},
        "org_name": "中国共产主义青年团深圳市委员会", "leader_name": "李雷", "landline": "0755-88889999",
        "leader_mobile": PUBLISHER_MOBILE, "leader_sms_code": sms_code(data_dir, PUBLISHER_MOBILE),
        "services_content": "数学课程辅导"}}, league)
    assert published.status_code == 200, published.text


def _wait_until_serving(url: str, preview: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        assert preview.poll() is None, log.read_text(encoding="utf-8")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        assert time.monotonic() < deadline, f"vite preview not serving in 30 s:\n{log.read_text(encoding='utf-8')}"
        time.sleep(0.2)


def test_in_chromium_the_gate_sign_in_home_and_a_demand_detail_work(tmp_path):
    assert VITE.exists(), "web/node_modules is missing: make test installs it (npm ci)"
    dist = tmp_path / "dist"
    built = subprocess.run([str(VITE), "build", "--outDir", str(dist), "--emptyOutDir"], cwd=WEB,
                           capture_output=True, text=True, timeout=180, env={**os.environ, "YCE_WRITE_DTS": "0"})
    assert built.returncode == 0, built.stdout + built.stderr
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)

    data_dir = tmp_path / "data"
    with serving(data_dir, tmp_path / "stack.log") as stack:
        _seed(Http(stack.url), data_dir)
        port = free_ports(1)[0]
        preview_log = tmp_path / "preview.log"
        with open(preview_log, "wb") as log:
            preview = subprocess.Popen(
                [str(VITE), "preview", "--outDir", str(dist), "--host", "127.0.0.1", "--port", str(port),
                 "--strictPort"], cwd=WEB, env={**os.environ, "YCE_API_ORIGIN": stack.url},
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_until_serving(base_url, preview, preview_log)
            config = {"baseUrl": base_url, "outDir": str(SCREENSHOTS), "smsLog": str(data_dir / "sms.log"),
                      "volunteer": {"login": "demo_volunteer", "password": "Demo1234"}, "freshLeague": FRESH_LEAGUE}
            smoke = subprocess.run(["node", "e2e/smoke.mjs", json.dumps(config)], cwd=WEB, capture_output=True,
                                   text=True, timeout=240)
        finally:
            os.killpg(preview.pid, signal.SIGKILL)
            preview.wait()
    assert smoke.returncode == 0, f"{smoke.stdout}{smoke.stderr}\nscreenshots: {SCREENSHOTS}"
    calls = json.loads(smoke.stdout.strip().splitlines()[-1])
    assert calls["anonymousHomeCalls"] == ["GET /api/stats/totals", "GET /api/demands/recommended"]
    assert sorted(calls["signedInHomeCalls"]) == ["GET /api/demands/recommended",
                                                  "GET /api/me/notifications/unread-count", "GET /api/stats/totals"]
    assert {p.name for p in SCREENSHOTS.glob("*.png")} >= {
        "home-anonymous.png", "password-gate.png", "password-refused.png", "login-refused.png", "me.png",
        "home.png", "demand.png", "demand-org.png"}
