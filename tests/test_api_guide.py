"""docs/api.md stays true: its error table is the catalogue, and its lifecycle is a sequence that works."""
from __future__ import annotations

import pathlib
import re
from datetime import timedelta

from chalicelib.errors import ErrorCode
from tests.builders import (
    END,
    START,
    activity_body,
    cloud_form,
    demand_body,
    invoke,
    league_org_session,
    next_phone,
    org_block,
    rating_records,
    register_individual,
    stream_records,
    volunteer,
)

GUIDE = pathlib.Path(__file__).resolve().parent.parent / "docs" / "api.md"
STEP = re.compile(r"^\d+\. `(GET|POST|PUT|DELETE) (\S+)` → (\d{3})", re.M)


def test_the_error_table_is_the_catalogue():
    rows = dict(re.findall(r"^\| `([A-Z_]+)` \| (\d{3}) \|", GUIDE.read_text(encoding="utf-8"), re.M))
    assert rows == {code.name: str(code.status) for code in ErrorCode}


class Recorder:
    """Performs calls like the Api fixture and keeps (method, route template, status) of each."""

    def __init__(self, api) -> None:
        self.api = api
        self.steps: list[tuple[str, str, int]] = []
        self.answers: list = []

    def call(self, method: str, template: str, token: str | None, body=None, query: str = "", **ids) -> dict:
        url = template.format(**ids) + (f"?{query}" if query else "")
        response = self.api.call(method, url, body, token=token)
        self.steps.append((method, template, response.status_code))
        assert response.status_code < 400, (method, url, response.json)
        self.answers.append(response.json)
        return response.json


def test_the_documented_lifecycle_is_what_the_api_does(api, outbox, now):
    run = lifecycle(api, outbox, now)
    documented = [(m, p, int(s)) for m, p, s in STEP.findall(GUIDE.read_text(encoding="utf-8"))]
    assert run.steps == documented


MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _strings(value, path=""):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _strings(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _strings(inner, f"{path}[{index}]")
    elif isinstance(value, str):
        yield path, value


def test_every_moment_the_lifecycle_answers_is_utc_with_z_and_every_day_is_yyyy_mm_dd(api, outbox, now):
    run = lifecycle(api, outbox, now)
    moments = [(path, text) for answer in run.answers for path, text in _strings(answer) if MOMENT.match(text)]
    assert len(moments) > 50 and [m for m in moments if not m[1].endswith("Z")] == []
    days = [(path, text) for answer in run.answers for path, text in _strings(answer)
            if path.endswith(("period_start", "period_end", "as_of"))]
    assert days and [d for d in days if not DAY.match(d[1])] == []


def lifecycle(api, outbox, now) -> Recorder:
    """docs/api.md's lifecycle, call by call, as its roles."""
    run = Recorder(api)
    person = register_individual(api, outbox)["access_token"]
    league = league_org_session(api)["access_token"]
    org = volunteer(api, outbox)
    volunteer_token = org["token"]
    helper = register_individual(api, outbox)["access_token"]

    # 初始需求
    org_id = run.call("GET", "/league-orgs/search", person, query="q=深圳")["items"][0]["account_id"]
    contact = next_phone()
    run.call("POST", "/sms/codes", person, {"phone": contact, "purpose": "help_contact"})
    request_id = run.call("POST", "/help-requests", person, cloud_form(
        org_id=org_id, contact_phone=contact, sms_code=outbox.last_code(contact)))["request_id"]
    run.call("GET", "/me/help-request-inbox", league)
    run.call("POST", "/help-requests/{request_id}/adopt", league, request_id=request_id)

    # 正式需求
    demand_id = run.call("POST", "/demands", league, demand_body(linked_request_ids=[request_id]))["demand_id"]
    leader = next_phone()
    run.call("POST", "/sms/codes", league, {"phone": leader, "purpose": "leader_mobile"})
    published = run.call("POST", "/demands/{demand_id}/publish", league,
                         {"org": org_block(leader, outbox.last_code(leader))}, demand_id=demand_id)
    assert published["status"] == "open"
    run.call("GET", "/demands", None)
    assert "leader_mobile" not in (run.call("GET", "/demands/{demand_id}", volunteer_token,
                                            demand_id=demand_id)["org"] or {})

    # 认领
    claim_id = run.call("POST", "/demands/{demand_id}/claims", volunteer_token, {"message": "我们有数学老师"},
                        demand_id=demand_id)["claim_id"]
    run.call("GET", "/me/claim-inbox", league)
    run.call("POST", "/claims/{claim_id}/confirm", league, claim_id=claim_id)
    detail = run.call("GET", "/demands/{demand_id}", volunteer_token, demand_id=demand_id)
    assert detail["org"]["leader_mobile"] == leader

    # 志愿服务活动
    activity_id = run.call("POST", "/demands/{demand_id}/activities", volunteer_token,
                           activity_body(sign_in_method="扫码或者志愿者证签到签退"), demand_id=demand_id)["activity_id"]
    run.call("GET", "/activities/{activity_id}", None, activity_id=activity_id)
    run.call("POST", "/activities/{activity_id}/signups", helper, activity_id=activity_id)
    now.at = START
    check_in_code = run.call("GET", "/activities/{activity_id}/check-in-code", volunteer_token,
                             activity_id=activity_id)["code"]
    run.call("POST", "/activities/{activity_id}/check-ins", helper, {"code": check_in_code}, activity_id=activity_id)
    now.at = END - timedelta(minutes=1)
    check_out_code = api.get(f"/activities/{activity_id}/check-in-code", token=volunteer_token).json["code"]
    run.call("POST", "/activities/{activity_id}/check-outs", helper, {"code": check_out_code},
             activity_id=activity_id)
    assert run.call("GET", "/me/service-records", helper)["total_hours"] > 3.9

    # 评分 and 积分
    assert [i["claim_id"] for i in run.call("GET", "/me/ratings-owed", league)["items"]] == [claim_id]
    run.call("POST", "/claims/{claim_id}/ratings", league, {"score": 5, "comment": "认真负责"}, claim_id=claim_id)
    run.call("POST", "/claims/{claim_id}/ratings", volunteer_token, {"score": 4}, claim_id=claim_id)
    assert len(run.call("GET", "/demands/{demand_id}/ratings", None, demand_id=demand_id)["items"][0]["ratings"]) == 2
    invoke(api, rating_records(stream_records()))   # what the ratings stream does when deployed
    assert run.call("GET", "/me/points", volunteer_token)["balance"] == 12
    assert run.call("GET", "/help-requests/{request_id}", person, request_id=request_id)["status_label"] == "已发布"

    # 消息 and 数据统计
    assert run.call("GET", "/me/notifications/unread-count", volunteer_token)["unread"] >= 1
    assert set(run.call("GET", "/stats/totals", None)) >= {"as_of", "total", "cities"}
    return run
