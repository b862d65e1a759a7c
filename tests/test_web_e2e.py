"""The H5 client in a real browser: Debian's Chromium (playwright-core, web/e2e/smoke.mjs) at 390×844 against
the built client (vite preview, its /api proxy pointed at a local stack; tests/web_stack.py). Screenshots:
web/test-results/smoke/."""
from pathlib import Path

import pytest

from tests.local_stack_client import Http, activate_demo_league, publish_demand, serving
from tests.web_stack import built_client, run_script

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
    publish_demand(http, data_dir, league, {
        "title": "需要招募8位数学老师为乡村孩子在线辅导课程", "demand_type": "关爱未成年人", "volunteers_needed": 8,
        "content": "他们上学期数学成绩中等偏下，解方程是弱项。", "period_start": "2099-06-05",
        "period_end": "2099-06-08", "guarantees": ["餐饮保障", "交通补贴"]}, PUBLISHER_MOBILE)


def test_in_chromium_the_gate_sign_in_home_and_a_demand_detail_work(tmp_path):
    dist = built_client(tmp_path / "dist")
    data_dir = tmp_path / "data"
    with serving(data_dir, tmp_path / "stack.log", "--client-dir", str(dist)) as stack:
        _seed(Http(stack.api), data_dir)
        base_url = stack.url   # the built client, same-origin with the API under /api (make run)
        calls, screenshots = run_script("smoke", {
            "baseUrl": base_url, "smsLog": str(data_dir / "sms.log"),
            "volunteer": {"login": "demo_volunteer", "password": "Demo1234"}, "freshLeague": FRESH_LEAGUE})
    assert calls["anonymousHomeCalls"] == ["GET /api/stats/totals", "GET /api/demands/recommended"]
    assert sorted(calls["signedInHomeCalls"]) == ["GET /api/demands/recommended",
                                                  "GET /api/me/notifications/unread-count", "GET /api/stats/totals"]
    assert {p.name for p in screenshots.glob("*.png")} >= {
        "home-anonymous.png", "password-gate.png", "password-refused.png", "login-refused.png", "me.png",
        "home.png", "demand.png", "demand-org.png"}
