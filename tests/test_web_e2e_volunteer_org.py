"""The 志愿服务组织's and the 志愿者's screens in a real browser (web/e2e/volunteer-org.mjs, tests/web_stack.py):
a photo uploaded in 完善信息 (to the local stack's moto S3) and shown again after the save, a GIF refused;
我要认领 on a demand the demo 团组织 published, 我的申请, the leader's phones once the 团组织 confirms, 发布活动
with a photo, the roster and the check-in code; the 完善信息 提示 for an organization without a profile; an
individual signing up, seeing the activity's photo and checking in with the code on the organization's screen.
Screenshots: web/test-results/volunteer-org/."""
from pathlib import Path

import pytest

from tests.local_stack_client import Http, activate_demo_league, publish_demand, serving, sms_code
from tests.web_stack import built_client, run_script

LEAGUE_PASSWORD = "League2024demo"
PUBLISHER_MOBILE = "13900000042"
BARE_ORG = {"login": "e2e_bare_org", "password": "Bare2024org", "phone": "13900000043"}
DEMAND_TITLE = "需要招募8位数学老师为乡村孩子在线辅导课程"
# A stack and a browser are heavy on two cores: they share the worker of the other local-stack tests.
pytestmark = [pytest.mark.web, pytest.mark.xdist_group("local_stack")]


def _seed(http: Http, data_dir: Path) -> str:
    """A demand the demo 团组织 published, and an approved 志愿服务组织 that never completed its profile."""
    league = activate_demo_league(http, data_dir, LEAGUE_PASSWORD).json()["access_token"]
    demand_id = publish_demand(http, data_dir, league, {
        "title": DEMAND_TITLE, "demand_type": "关爱未成年人", "volunteers_needed": 8,
        "content": "他们上学期数学成绩中等偏下，解方程是弱项。", "period_start": "2099-06-05",
        "period_end": "2099-06-08", "guarantees": ["餐饮保障"]}, PUBLISHER_MOBILE)

    assert http.post("/sms/codes", {"phone": BARE_ORG["phone"], "purpose": "org_contact"}).status_code == 202
    registered = http.post("/volunteer-orgs", {
        "account_name": BARE_ORG["login"], "password": BARE_ORG["password"], "org_name": "深圳市数学支教志愿者协会",
        "org_kind": "registered", "credit_code": "51440300MJL0000129", "filing_number": "粤民备2020001",
        "contact_name": "周强", "contact_phone": BARE_ORG["phone"], "sms_code": sms_code(data_dir, BARE_ORG["phone"])})
    assert registered.status_code == 201, registered.text
    operator = http.login("organization", "demo_operator", "Demo1234").json()["access_token"]
    approved = http.post(f"/admin/volunteer-orgs/{registered.json()['account_id']}/approve", None, operator)
    assert approved.status_code == 200, approved.text
    return demand_id


def test_in_chromium_an_organization_claims_publishes_an_activity_and_a_volunteer_checks_in(tmp_path):
    dist = built_client(tmp_path / "dist")
    data_dir = tmp_path / "data"
    with serving(data_dir, tmp_path / "stack.log", "--client-dir", str(dist)) as stack:
        demand_id = _seed(Http(stack.api), data_dir)
        base_url = stack.url   # the built client, same-origin with the API under /api (make run)
        report, screenshots = run_script("volunteer-org", {
            "baseUrl": base_url, "smsLog": str(data_dir / "sms.log"), "demandId": demand_id,
            "volunteerOrg": {"login": "demo_volunteer", "password": "Demo1234"},
            "league": {"login": "demo_league", "password": LEAGUE_PASSWORD},
            "bareOrg": BARE_ORG, "individual": {"login": "13900000001", "password": "Demo1234"}})
    assert report["pendingLabel"] == "申请认领中"
    assert report["claimedLabel"] == "认领成功"
    assert report["leaderMobile"] == PUBLISHER_MOBILE
    assert report["refusedWith"].startswith("提示")
    assert report["refusedField"]
    assert len(report["checkInCode"]) == 6 and report["checkInCode"].isdigit()
    assert report["wrongCode"]
    assert report["rosterStatus"] == "已签到"
    assert report["refusedImage"] == "请上传 JPG、PNG 或 WebP 格式的图片"
    assert report["photoShown"] and report["activityPhotoShown"]
    assert {p.name for p in screenshots.glob("*.png")} >= {
        "org-me.png", "org-profile.png", "claim-form.png", "claim-sent.png", "demand-pending.png", "my-claims.png",
        "demand-contacts.png", "publish-form.png", "publish-refused.png", "roster-empty.png", "check-in-code.png",
        "claim-profile-incomplete.png", "org-profile-empty.png", "activity.png", "check-in-refused.png",
        "check-in-form.png", "activity-checked-in.png", "service-records.png", "roster.png",
        "my-claims-published.png", "rate-form.png", "org-points.png", "org-favorites.png", "individual-me.png",
        "org-profile-photo.png", "org-profile-saved-photo.png", "activity-photos.png",
    }
