"""志愿服务记录证明 in a real browser (web/e2e/certificates.mjs, Chromium at 390×844 against a local stack): seeded
over HTTP, the demo volunteer attended an activity of the demo 志愿服务组织 that gives its certificate consent
(checked in, then out about 40 s into the service so hours count). Then through the UI: 申请证明 (the consent box
required, a 证件号码 with a wrong check character refused under its field), 我的证明 (待出具, the masked number),
the organization's 证明申请 → 出具 with a seal uploaded (purpose `seal`), 我的证明 shows the number with 验证 and
its status filter, the public 证明验证 page signed out shows 有效 with the masked name only, 撤销 (an empty reason
refused), the page shows 已撤销 with its date (and an unknown number 未查询到); a second request 不予出具 and
deleted by the volunteer.
Screenshots: web/test-results/certificates/."""
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.builders import resident_id
from tests.local_stack_client import Http, activate_demo_league, publish_demand, serving
from tests.web_stack import built_client, run_script

LEAGUE_PASSWORD = "League2024demo"
PUBLISHER_MOBILE = "13900000052"
VOLUNTEER = {"login": "13900000001", "password": "Demo1234"}
ORG = {"login": "demo_volunteer", "password": "Demo1234"}
ORG_NAME = "深圳市阳光志愿服务中心（演示）"
REAL_NAME = "陈志远"
ID_NUMBER = resident_id("44010519900307123")
# The same number with another check character: refused (MOD 11-2).
BAD_ID_NUMBER = ID_NUMBER[:-1] + ("1" if ID_NUMBER[-1] != "1" else "2")
AT_SITE = {"latitude": 22.6, "longitude": 114.12}
SERVED_SECONDS = 40   # 40 s of service: 0.01 h
ID_REFUSED = "证件号码格式或校验位有误"
UNKNOWN = "ZS2000-00000-00000"   # well formed, never issued
# A stack and a browser are heavy on two cores: they share the worker of the other local-stack tests.
pytestmark = [pytest.mark.web, pytest.mark.xdist_group("local_stack")]


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _seed(http: Http, data_dir: Path) -> None:
    """A demand of the demo 团组织 claimed by the demo 志愿服务组织 (confirmed), its activity counting hours with the
    certificate consent, starting 2 s after publishing; the demo individual signs up, checks in and, once the
    service has run SERVED_SECONDS, out."""
    league = activate_demo_league(http, data_dir, LEAGUE_PASSWORD).json()["access_token"]
    demand_id = publish_demand(http, data_dir, league, {
        "title": "需要招募志愿者为社区长者提供陪伴服务", "demand_type": "关爱未成年人", "volunteers_needed": 3,
        "content": "每周一次陪伴社区长者。", "period_start": "2099-06-05", "period_end": "2099-06-30",
        "guarantees": ["餐饮保障"]}, PUBLISHER_MOBILE)
    org = http.login("organization", ORG["login"], ORG["password"]).json()["access_token"]
    claim = http.post(f"/demands/{demand_id}/claims", {"message": "我们可以提供陪伴服务"}, org)
    assert claim.status_code == 201, claim.text
    confirmed = http.post(f"/claims/{claim.json()['claim_id']}/confirm", None, league)
    assert confirmed.status_code == 200, confirmed.text

    now = datetime.now(UTC).replace(microsecond=0)
    start = now + timedelta(seconds=3)
    activity = http.post(f"/demands/{demand_id}/activities", {
        "title": "社区长者陪伴志愿服务", "activity_type": "志愿服务活动（计入服务时长）", "category": "社区服务",
        "volunteers_to_recruit": 3, "contact_name": "陈静", "contact_mobile": "13987654321",
        "recruit_start": _iso(now - timedelta(hours=1)), "recruit_end": _iso(now + timedelta(hours=1)),
        "service_start": _iso(start), "service_end": _iso(now + timedelta(hours=2)),
        "address": "深圳市龙岗区布吉街道某社区", "coordinates": {"longitude": 114.12, "latitude": 22.6},
        "sign_in_method": "定位签到签退", "attendance_radius_km": 3, "who_may_sign_up": "所有志愿者可报名",
        "tags": [], "service_targets": ["孤寡老人"], "guarantees": [], "introduction": "陪伴社区长者聊天、读报。",
        "service_content": "每位志愿者陪伴一位长者两小时。", "certificate_consent": True}, org)
    assert activity.status_code == 201, activity.text
    activity_id = activity.json()["activity_id"]

    person = http.login("individual", VOLUNTEER["login"], VOLUNTEER["password"]).json()["access_token"]
    assert http.post(f"/activities/{activity_id}/signups", None, person).status_code == 201
    checked_in = http.post(f"/activities/{activity_id}/check-ins", AT_SITE, person)
    assert checked_in.status_code == 201, checked_in.text
    time.sleep(max(0.0, (start + timedelta(seconds=SERVED_SECONDS) - datetime.now(UTC)).total_seconds()))
    checked_out = http.post(f"/activities/{activity_id}/check-outs", AT_SITE, person)
    assert checked_out.status_code == 200, checked_out.text


def test_in_chromium_a_certificate_is_requested_issued_verified_and_revoked(tmp_path):
    dist = built_client(tmp_path / "dist")
    data_dir = tmp_path / "data"
    with serving(data_dir, tmp_path / "stack.log", "--client-dir", str(dist)) as stack:
        http = Http(stack.api)
        _seed(http, data_dir)
        started = time.monotonic()
        report, screenshots = run_script("certificates", {
            "baseUrl": stack.url, "volunteer": VOLUNTEER, "org": ORG, "orgName": ORG_NAME, "realName": REAL_NAME,
            "badIdNumber": BAD_ID_NUMBER, "idNumber": ID_NUMBER, "unknownNumber": UNKNOWN})
        seconds = time.monotonic() - started
        person = http.login("individual", VOLUNTEER["login"], VOLUNTEER["password"]).json()["access_token"]
        mine = http.get("/me/certificate-requests", person).json()["items"]
        verified = http.session.get(f"{stack.api}/certificates/{report['number']}", timeout=15).json()
    print(f"certificates.mjs ran {seconds:.0f} s")
    assert report["consentRequired"] == "请阅读并勾选同意后再提交"
    assert report["idRefused"] == ID_REFUSED
    assert report["requestedLabel"] == "待出具"
    assert report["maskedNumber"] == f"{ID_NUMBER[:4]}{'*' * 10}{ID_NUMBER[-4:]}"
    assert report["issuedLabel"] == "已出具" and report["hours"] == "0.01 小时"
    assert report["pdfName"] == f"志愿服务记录证明-{report['number']}.pdf" and report["pdfHead"] == "%PDF-"
    assert report["filteredOut"] == 0
    assert report["unknownNumber"] == "未查询到该证明，请核对证明编号"
    assert report["verifyValid"] == "有效"
    assert "陈*远" in report["verifyText"] and REAL_NAME not in report["verifyText"]
    assert ID_NUMBER not in report["verifyText"] and ORG_NAME in report["verifyText"]
    assert report["revokeRefused"]
    assert report["verifyRevoked"] == "已撤销" and report["revokedOn"].startswith("撤销于 20")
    assert sorted(report["signedOutCalls"]) == [f"GET /api/certificates/{n}" for n in (UNKNOWN, report["number"])]
    assert report["refusedLabel"] == "不予出具" and report["refuseReason"] == "期间内的服务已另行出具证明"
    assert report["deleted"] is True
    # What the screens said is what the server holds.
    assert [(m["status"], (m["certificate"] or {}).get("number")) for m in mine] == [("revoked", report["number"])]
    assert verified["valid"] is False and verified["masked_name"] == "陈*远"
    assert {p.name for p in screenshots.glob("*.png")} >= {
        "00-individual-me.png", "00-org-me.png", "01-my-certificates-empty.png", "02-request-form.png",
        "03-request-org-picker.png",
        "04-request-id-refused.png", "05-my-certificates-requested.png", "06-inbox-requested.png",
        "07-issue-form.png", "08-inbox-issued.png", "09-my-certificates-issued.png", "10-verify-form.png",
        "11-verify-valid.png", "12-revoke-refused.png", "13-inbox-revoked.png", "14-verify-revoked.png",
        "15-refuse-form.png", "16-my-certificates-refused.png", "17-delete-confirm.png",
        "18-my-certificates-after-delete.png"}
