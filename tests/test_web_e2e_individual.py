"""The 个人用户's screens in a real browser (web/e2e/individual.mjs): 注册 with an SMS code, 求助 (青年云支教) to the
demo 团组织, 发布成功, 我的求助 and its progress, 收藏 and 我的收藏, 忘记密码; a wrong SMS code and a score over 150
refused under their fields. Screenshots: web/test-results/individual/."""
from pathlib import Path

import pytest

from tests.local_stack_client import Http, activate_demo_league, publish_demand, serving
from tests.web_stack import built_client, run_script

NEW_INDIVIDUAL = {"phone": "13900000041", "name": "赵雷", "password": "Zhao2024lei"}
CONTACT_PHONE = "13900000042"
PUBLISHER_MOBILE = "13900000043"
DEMO_INDIVIDUAL = {"phone": "13900000001", "newPassword": "Demo2024new"}
DEMO_LEAGUE_NAME = "中国共产主义青年团深圳市委员会"
DEMAND_TITLE = "需要招募8位数学老师为乡村孩子在线辅导课程"
pytestmark = [pytest.mark.web, pytest.mark.xdist_group("local_stack")]


def _seed(http: Http, data_dir: Path) -> None:
    """The demo 团组织 activated (only activated ones are offered by the search) with one published demand."""
    league = activate_demo_league(http, data_dir, "League2024demo").json()["access_token"]
    publish_demand(http, data_dir, league, {
        "title": DEMAND_TITLE, "demand_type": "关爱未成年人", "volunteers_needed": 8,
        "content": "他们上学期数学成绩中等偏下，解方程是弱项。", "period_start": "2099-06-05",
        "period_end": "2099-06-08", "guarantees": ["餐饮保障"]}, PUBLISHER_MOBILE)


def test_an_individual_registers_asks_for_help_and_follows_it(tmp_path):
    dist = built_client(tmp_path / "dist")
    data_dir = tmp_path / "data"
    with serving(data_dir, tmp_path / "stack.log", "--client-dir", str(dist)) as stack:
        http = Http(stack.api)
        _seed(http, data_dir)
        base_url = stack.url   # the built client, same-origin with the API under /api (make run)
        report, screenshots = run_script("individual", {
            "baseUrl": base_url, "smsLog": str(data_dir / "sms.log"), "newIndividual": NEW_INDIVIDUAL,
            "contactPhone": CONTACT_PHONE, "orgQuery": "深圳市委", "orgName": DEMO_LEAGUE_NAME,
            "demoIndividual": DEMO_INDIVIDUAL})
        # What the UI did is what the server holds: the request reached the 团组织's inbox.
        league = http.login("organization", "demo_league", "League2024demo").json()["access_token"]
        inbox = http.get("/me/help-request-inbox", league).json()["items"]
    assert report["wrongCodeMessage"] == "验证码错误"
    assert report["scoreMessage"] == "分数须为0-150（最多一位小数）"
    assert report["myHelpStatus"] == "待采用"
    assert report["adoptedFilterEmpty"] is True
    assert report["progress"][:1] == ["待采用"] and "已发布" in report["progress"]
    assert "英语44分" in report["description"] and "数学76.5分" in report["description"]
    assert "其他课程（最多选3项）：绘画,棋类,朗诵" in report["description"]
    assert report["favorite"] == DEMAND_TITLE and report["unfavorited"] is True
    assert report["resetSignedIn"] is True
    assert [(r["title"], r["submitter_name"], r["status"]) for r in inbox] == [
        ("【乡村云支教】我需要补习英语", NEW_INDIVIDUAL["name"], "pending")]
    assert {p.name for p in screenshots.glob("*.png")} >= {
        "login-links.png", "register-refused.png", "me-individual.png", "help-form.png", "help-general.png",
        "help-org-search.png", "help-refused.png", "help-done.png", "my-help-requests.png", "help-request-detail.png",
        "favorites.png", "password-reset.png",
    }
