"""The operators' screens (运营人员) in Chromium (web/e2e/operator.mjs) against a local stack: 组织审核 approves a
volunteer organization registered over HTTP and refuses a 驳回 without a reason, 账号管理 disables, enables and
resets an individual, 团组织导入 shows the per-row result of a CSV with a bad row, 举报处理 dismisses a report,
数据统计 draws the day the daily job computed. Screenshots: web/test-results/operator/."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.services.credit_code import check_character
from tests.local_stack_client import Http, activate_demo_league, serving, sms_code
from tests.web_stack import built_client, run_script

ROOT = Path(__file__).resolve().parents[1]
OPERATOR = {"login": "demo_operator", "password": "Demo1234"}
ORGS = [  # two registrations waiting for 组织审核: one is approved, the other rejected
    {"account_name": "e2e_vol_approve", "org_name": "深圳市南山区青年志愿者协会", "phone": "13900000041"},
    {"account_name": "e2e_vol_reject", "org_name": "深圳市宝安区义工服务队", "phone": "13900000042"},
]
PUBLISHER_MOBILE = "13900000043"
DEMAND_TITLE = "需要招募6位英语老师为山区孩子在线辅导"
pytestmark = [pytest.mark.web, pytest.mark.xdist_group("local_stack")]


def _register(http: Http, data_dir: Path, org: dict) -> None:
    assert http.post("/sms/codes", {"phone": org["phone"], "purpose": "org_contact"}).status_code == 202
    first17 = "51440300MJL0000" + org["phone"][-2:]
    registered = http.post("/volunteer-orgs", {
        "account_name": org["account_name"], "password": "Passw0rd!e2e", "org_name": org["org_name"],
        "org_kind": "registered", "credit_code": first17 + check_character(first17), "filing_number": "粤民备2020001",
        "contact_name": "王五", "contact_phone": org["phone"], "sms_code": sms_code(data_dir, org["phone"])})
    assert registered.status_code == 201, registered.text


def _reported_demand(http: Http, data_dir: Path) -> None:
    """A published demand that the demo individual reported: one item in 举报处理."""
    league = activate_demo_league(http, data_dir, "League2024demo").json()["access_token"]
    draft = http.post("/demands", {
        "title": DEMAND_TITLE, "demand_type": "关爱未成年人", "volunteers_needed": 6,
        "content": "每周两次线上英语口语课。", "period_start": "2099-06-05", "period_end": "2099-06-08",
        "guarantees": ["餐饮保障"]}, league)
    assert draft.status_code == 201, draft.text
    demand_id = draft.json()["demand_id"]
    assert http.post("/sms/codes", {"phone": PUBLISHER_MOBILE, "purpose": "leader_mobile"}, league).status_code == 202
    published = http.post(f"/demands/{demand_id}/publish", {"org": {
        "region": {"province": "广东省", "city": "深圳市", "district": "罗湖区"},
        "org_name": "中国共产主义青年团深圳市委员会", "leader_name": "李雷", "landline": "0755-88889999",
        "leader_mobile": PUBLISHER_MOBILE, "leader_sms_code": sms_code(data_dir, PUBLISHER_MOBILE),
        "services_content": "英语课程辅导"}}, league)
    assert published.status_code == 200, published.text
    individual = http.login("individual", "13900000001", "Demo1234").json()["access_token"]
    reported = http.post(f"/demands/{demand_id}/reports", {"reason": "false_information", "text": "联系电话无法接通"},
                         individual)
    assert reported.status_code == 201, reported.text


def _daily_totals(data_dir: Path) -> None:
    """The daily job, run now against the stack (its own command: the API has no route for it). It computes
    yesterday (CST) and backfills the days before; today is not a whole day yet, so the seeded demand is not in it."""
    done = subprocess.run([sys.executable, "scripts/manage.py", "--local", "--data-dir", str(data_dir), "daily-totals"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_in_chromium_operators_vet_orgs_manage_accounts_import_and_chart(tmp_path):
    dist = built_client(tmp_path / "dist")
    data_dir = tmp_path / "data"
    with serving(data_dir, tmp_path / "stack.log", "--client-dir", str(dist)) as stack:
        http = Http(stack.api)
        for org in ORGS:
            _register(http, data_dir, org)
        _reported_demand(http, data_dir)
        _daily_totals(data_dir)
        base_url = stack.url   # the built client, same-origin with the API under /api (make run)
        report, screenshots = run_script("operator", {
            "baseUrl": base_url, "smsLog": str(data_dir / "sms.log"), "operator": OPERATOR,
            "orgs": ORGS, "demandTitle": DEMAND_TITLE})
        operator = http.login("organization", OPERATOR["login"], OPERATOR["password"]).json()["access_token"]
        statuses = {o["account_name"]: o["status"] for status in ("active", "rejected") for o in
                    http.get(f"/admin/volunteer-orgs?status={status}", operator).json()["items"]}
        individuals = http.get("/admin/accounts?role=individual&status=disabled", operator).json()["items"]
        imported = http.login("organization", "e2e_gd_sz_ns", "000000")
    assert statuses[ORGS[0]["account_name"]] == "active" and statuses[ORGS[1]["account_name"]] == "rejected"
    assert individuals == []  # disabled, then enabled again
    assert imported.status_code == 200, imported.text  # the good row, imported on its own
    assert re.search(r"[\u4e00-\u9fff]", report["rejectRefused"]), report  # the server's Chinese message
    assert report["resetSentTo"] == "139****0001"
    assert report["importRows"][0].startswith("2") and "无误" in report["importRows"][0]
    assert report["importRows"][1].startswith("3") and "无误" not in report["importRows"][1]
    assert report["importDone"] == "导入成功：新建 1 个，已存在未变 0 个。"
    assert report["stats"] == "chart" and report["latestDemands"] == "0", report
    assert {p.name for p in screenshots.glob("*.png")} >= {
        "me-operator.png", "orgs.png", "orgs-desktop.png", "org-reject-refused.png", "orgs-approved.png",
        "accounts.png", "accounts-disabled.png", "accounts-reset.png", "import-refused.png", "import-done.png",
        "league-single-refused.png", "reports.png", "report-detail.png", "stats.png", "audit-log.png",
        "parked-events.png"}
