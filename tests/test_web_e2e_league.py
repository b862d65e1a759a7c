"""The 团组织's screens in a real browser (web/e2e/league.mjs, Chromium at 390×844 against a local stack): the
我的 counters, 采用 of a help request an individual sent, 发布 in three steps linking it (a wrong leader SMS
code refused under its field first), 我的发布, a volunteer organization's claim confirmed in 待确认, 评分, 我的积分
and 组织信息管理. Screenshots: web/test-results/league/."""
from pathlib import Path

import pytest

from tests.local_stack_client import Http, activate_demo_league, publish_demand, serving, sms_code
from tests.web_stack import built_client, run_script

LEAGUE_PASSWORD = "League2024demo"
CONTACT_MOBILE = "13900000051"
SEEDED_LEADER_MOBILE = "13900000052"
UI_LEADER_MOBILE = "13900000053"
HELP_TITLE = "【乡村云支教】我需要补习英语"
CLAIMED_TITLE = "需要招募5位英语老师为乡村孩子在线辅导课程"
pytestmark = [pytest.mark.web, pytest.mark.xdist_group("local_stack")]


def _seed(http: Http, data_dir: Path) -> None:
    """The demo 团组织 activated; a help request to it from the demo individual; a published demand of it with a
    pending claim by the demo 志愿服务组织."""
    league = activate_demo_league(http, data_dir, LEAGUE_PASSWORD).json()["access_token"]
    league_id = http.get("/me", league).json()["account_id"]

    person = http.login("individual", "13900000001", "Demo1234").json()["access_token"]
    sent = http.post("/sms/codes", {"phone": CONTACT_MOBILE, "purpose": "help_contact"}, person)
    assert sent.status_code == 202, sent.text
    helped = http.post("/help-requests", {
        "kind": "cloud_tutoring", "org_id": league_id, "title": HELP_TITLE, "student_name": "赵小二",
        "gender": "男", "grade": "小学三年级", "school": "李村小学", "city": "深圳市", "address": "深圳市李村小学",
        "subjects": [{"subject": "英语", "score": 44}, {"subject": "数学", "score": 76}],
        "interests": ["绘画", "棋类"], "contact_name": "赵雷", "contact_phone": CONTACT_MOBILE,
        "sms_code": sms_code(data_dir, CONTACT_MOBILE)}, person)
    assert helped.status_code == 201, helped.text

    demand_id = publish_demand(http, data_dir, league, {
        "title": CLAIMED_TITLE, "demand_type": "关爱未成年人", "volunteers_needed": 5,
        "content": "孩子们的英语基础较弱，需要线上辅导。", "period_start": "2099-07-01", "period_end": "2099-07-31",
        "guarantees": ["交通补贴"]}, SEEDED_LEADER_MOBILE)

    volunteer = http.login("organization", "demo_volunteer", "Demo1234").json()["access_token"]
    claimed = http.post(f"/demands/{demand_id}/claims", {"message": "我们有5位英语老师可以在周末线上辅导"}, volunteer)
    assert claimed.status_code == 201, claimed.text


def test_in_chromium_a_league_org_adopts_publishes_confirms_and_rates(tmp_path):
    dist = built_client(tmp_path / "dist")
    data_dir = tmp_path / "data"
    with serving(data_dir, tmp_path / "stack.log", "--client-dir", str(dist)) as stack:
        _seed(Http(stack.api), data_dir)
        base_url = stack.url   # the built client, same-origin with the API under /api (make run)
        report, screenshots = run_script("league", {
            "baseUrl": base_url, "smsLog": str(data_dir / "sms.log"),
            "league": {"login": "demo_league", "password": LEAGUE_PASSWORD},
            "leaderMobile": UI_LEADER_MOBILE, "helpTitle": HELP_TITLE, "claimedTitle": CLAIMED_TITLE})
    assert report["countersBefore"] == {"待确认": "1", "待认领": "1", "待评分": "0"}
    assert "验证码" in report["wrongCodeMessage"]
    assert report["published"] is True
    assert report["myDemands"] >= 2
    assert report["countersAfter"] == {"待确认": "0", "待认领": "1", "待评分": "0"}
    assert {p.name for p in screenshots.glob("*.png")} >= {
        "me.png", "help-inbox.png", "help-request.png", "help-adopted.png", "publish-content.png",
        "publish-link-picker.png", "publish-org.png", "publish-code-refused.png", "publish-done.png",
        "my-demands.png", "claim-inbox.png", "claim-confirmed.png", "ratings-owed.png", "rate.png", "rated.png",
        "points.png", "profile.png"}
