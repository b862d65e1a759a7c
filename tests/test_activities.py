"""Volunteer activities: publishing by the confirmed claimant, sign-ups, attendance, hours, cancellation."""
from __future__ import annotations

import json
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from chalicelib import clock
from chalicelib.auth.principal import Principal
from chalicelib.data.accounts import phone_key
from chalicelib.data.activities import Activity, AttendanceRecord, Signup
from chalicelib.data.demands import Demand, DemandEvent
from chalicelib.errors import AppError, ErrorCode
from chalicelib.reference import AccountStatus, Role
from chalicelib.services import activities
from chalicelib.services.accounts import insert_account, new_account
from tests.builders import (
    AT_SITE,
    END,
    SITE,
    START,
    activity_body,
    applied,
    claimed_demand,
    code,
    hide_demand,
    individual,
    iso,
    league_org_session,
    next_phone,
    north_of_site,
    open_demand,
    operator_token,
    publish_demand,
    published,
    register_individual,
    signed_up,
    submitted,
    volunteer,
)
from tests.clock import T0


@pytest.fixture
def world(api, outbox, now):
    publisher = league_org_session(api)
    did, org, claim = claimed_demand(api, outbox, publisher["access_token"])
    return {"publisher": publisher["access_token"], "did": did, "org": org, "claim": claim}


CODE_METHOD = "扫码或者志愿者证签到签退"   # the organization shows a rotating code on site


def delete(api, path, token):
    return api.call("DELETE", path, token=token)


def timeline(did: str) -> list[tuple]:
    return [(e.action, e.from_status, e.to_status, e.reason) for e in DemandEvent.query(did)]


# ---------------------------------------------------------------- publishing

def test_the_first_activity_moves_the_demand_and_its_help_requests_and_blocks_withdrawal(api, outbox, now):

    publisher = league_org_session(api)
    token = publisher["access_token"]
    individual = register_individual(api, outbox)
    rid = submitted(api, outbox, individual, publisher["account_id"])["request_id"]
    did, org, claim = claimed_demand(api, outbox, token, linked_request_ids=[rid])

    first = published(api, org, did)
    assert first["status"] == "published" and first["phase"] == "recruiting"
    assert first["coordinates"] == {"longitude": 116.608858, "latitude": 39.812562}
    assert first["service_start"] == "2099-06-04T00:00:00Z" and first["signed_up_count"] == 0
    assert first["seats_left"] == 8 and first["counts_hours"] is True and first["org_name"] == "深圳市义工联合会"
    assert Demand.get(did).status == "in_service"
    assert api.get(f"/help-requests/{rid}", token=individual["access_token"]).json["status"] == "published"
    assert api.get(f"/demands/{did}").json["progress"][2] == {"step": 3, "label": "发布活动", "done": True}

    refused = api.post(f"/claims/{claim['claim_id']}/withdraw", {}, token=org["token"])
    assert refused.status_code == 409 and code(refused) == "CLAIM_NOT_WITHDRAWABLE"

    now.at += timedelta(seconds=1)
    second = published(api, org, did, title="第二期", coordinates={"longitude": 114.05, "latitude": 22.54})
    assert Demand.get(did).status == "in_service"
    events = timeline(did)
    assert events.count(("in_service", "claimed", "in_service", None)) == 1
    assert [e[0] for e in events].count("activity_published") == 2
    listed = api.get(f"/demands/{did}/activities").json
    assert [a["activity_id"] for a in listed["items"]] == [second["activity_id"], first["activity_id"]]
    detail = api.get(f"/activities/{first['activity_id']}")
    assert detail.status_code == 200 and detail.json == first
    assert "check_in_secret" not in json.dumps(detail.json)


def test_the_public_activity_page_carries_the_org_contact_and_no_volunteer_data(api, outbox, world):
    aid = published(api, world["org"], world["did"])["activity_id"]
    volunteer_ = signed_up(api, outbox, aid)
    page = api.get(f"/activities/{aid}")
    assert page.json["signed_up_count"] == 1 and page.json["contact_mobile"] == "18826480174"
    text = json.dumps([page.json, api.get(f"/demands/{world['did']}/activities").json], ensure_ascii=False)
    assert volunteer_["phone"] not in text and volunteer_["account_id"] not in text and "张三" not in text
    assert volunteer_["phone"][-4:] not in text.replace("18826480174", "")

    hide_demand(world["did"])
    assert api.get(f"/activities/{aid}").status_code == 404
    assert api.get(f"/demands/{world['did']}/activities").status_code == 404
    assert api.get(f"/activities/{aid}", token=world["org"]["token"]).status_code == 200
    assert api.get("/activities/" + "0" * 32).status_code == 404


def test_only_the_confirmed_claimant_publishes(api, outbox, world):
    did = world["did"]
    others = {
        "anonymous": (None, 401), "individual": (individual(api, outbox)["token"], 403),
        "operator": (operator_token(api, "op_act"), 403), "publisher": (world["publisher"], 403),
        "other_volunteer": (volunteer(api, outbox)["token"], 404),
    }
    for who, (token, status) in others.items():
        response = api.post(f"/demands/{did}/activities", activity_body(), token=token)
        assert response.status_code == status, (who, response.json)
    assert Demand.get(did).status == "claimed" and list(Activity.by_demand.query(did)) == []
    assert api.post("/demands/" + "0" * 32 + "/activities", activity_body(),
                    token=world["org"]["token"]).status_code == 404

    # A pending applicant of an open demand is no claimant either.
    open_did = publish_demand(api, outbox, world["publisher"])["demand_id"]
    applicant = volunteer(api, outbox)
    applied(api, applicant, open_did)
    refused = api.post(f"/demands/{open_did}/activities", activity_body(), token=applicant["token"])
    assert refused.status_code == 404 and Demand.get(open_did).status == "open"


GOOD_LIMITS = [
    ("title", "题" * 50), ("volunteers_to_recruit", 1), ("volunteers_to_recruit", 1000),
    ("contact_name", "名" * 20), ("contact_mobile", "+86 188-2648-0174"), ("address", "址" * 100),
    ("introduction", "介" * 500), ("service_content", "容" * 500), ("attendance_radius_km", 0.1),
    ("attendance_radius_km", 50),
    ("tags", ["适合亲子体验", "适合中小学生参加", "适合大学生参加", "适合团体参加", "线上服务"]),
    ("tags", []), ("coordinates", {"longitude": -180, "latitude": -90}), ("coordinates", "180，90"),
    ("service_targets", ["青少年", "孤寡老人"]), ("guarantees", []), ("category", "其他"),
    ("recruit_end", iso(END)), ("sign_in_method", "定位签到签退"),
]

BAD_LIMITS = [
    ("title", "题" * 51), ("title", " "), ("volunteers_to_recruit", 0), ("volunteers_to_recruit", 1001),
    ("volunteers_to_recruit", "八"), ("contact_name", "名" * 21), ("contact_mobile", "12345678901"),
    ("address", "址" * 101), ("introduction", "介" * 501), ("service_content", "容" * 501),
    ("attendance_radius_km", 0.09), ("attendance_radius_km", 50.1),
    ("tags", ["适合亲子体验", "适合中小学生参加", "适合大学生参加", "适合团体参加", "线上服务", "周末活动"]),
    ("tags", ["适合亲子体验", "适合亲子体验"]), ("tags", ["随便"]),
    ("coordinates", {"longitude": 180.1, "latitude": 39}), ("coordinates", {"longitude": 116, "latitude": 90.1}),
    ("coordinates", "39.8"), ("coordinates", {"longitude": 116}), ("activity_type", "志愿服务活动"),
    ("category", "娱乐"), ("sign_in_method", "人脸识别"), ("who_may_sign_up", "仅限本组织志愿者"),
    ("service_targets", []), ("service_targets", ["外星人"]), ("guarantees", ["现金"]),
    ("recruit_start", "2099-05-31T23:00:00"), ("recruit_start", iso(T0 + timedelta(days=2))),
    ("recruit_end", iso(END + timedelta(minutes=1))), ("service_end", iso(START)),
    ("service_start", iso(T0 - timedelta(minutes=1))), ("recruit_end", iso(T0 - timedelta(minutes=1))),
    ("certificate_consent", False), ("certificate_consent", None), ("status", "cancelled"),
    ("signed_up_count", 3),
]


TIME_FIELDS = {"recruit_start", "recruit_end", "service_start", "service_end"}


def test_field_limits_on_both_sides(api, outbox, world):
    org, did = world["org"], world["did"]
    for name, value in BAD_LIMITS:
        body = activity_body(**{name: value})
        if name == "service_start" or (name == "recruit_end" and value < iso(T0)):
            body["recruit_start"] = iso(T0 - timedelta(hours=2))
        response = api.post(f"/demands/{did}/activities", body, token=org["token"])
        assert response.status_code == 400, (name, value, response.json)
        roots = {f["path"].split(".")[0].split("[")[0] for f in response.json["error"]["fields"]}
        assert roots <= ({name} | TIME_FIELDS if name in TIME_FIELDS else {name}) and roots, (name, roots)
    assert list(Activity.by_demand.query(did)) == [] and Demand.get(did).status == "claimed"
    for name, value in GOOD_LIMITS:
        response = api.post(f"/demands/{did}/activities", activity_body(**{name: value}), token=org["token"])
        assert response.status_code == 201, (name, value, response.json)
    no_hours = published(api, org, did, activity_type="公益活动（不计入服务时长）", certificate_consent=False)
    assert no_hours["counts_hours"] is False and no_hours["certificate_consent"] is False
    assert len(list(Activity.by_demand.query(did))) == len(GOOD_LIMITS) + 1


# ---------------------------------------------------------------- who may call what

def test_each_route_refuses_callers_that_are_not_its_own_and_changes_nothing(api, outbox, world):
    aid = published(api, world["org"], world["did"])["activity_id"]
    tokens = {"anonymous": None, "owner": world["org"]["token"], "other_volunteer": volunteer(api, outbox)["token"],
              "individual": individual(api, outbox)["token"], "publisher": world["publisher"],
              "operator": operator_token(api, "op_act_matrix")}
    org_only = {"anonymous": 401, "other_volunteer": 404, "individual": 403, "publisher": 403, "operator": 403}
    person_only = {"anonymous": 401, "owner": 403, "other_volunteer": 403, "publisher": 403, "operator": 403}
    routes = [
        ("POST", f"/activities/{aid}/cancel", {"reason": "天气原因"}, org_only),
        ("GET", f"/activities/{aid}/signups", None, org_only),
        ("GET", f"/activities/{aid}/check-in-code", None, org_only),
        ("POST", f"/activities/{aid}/signups", None, person_only),
        ("DELETE", f"/activities/{aid}/signups/me", None, {**person_only, "individual": 404}),
        ("POST", f"/activities/{aid}/check-ins", AT_SITE, {**person_only, "individual": 403}),
        ("POST", f"/activities/{aid}/check-outs", AT_SITE, {**person_only, "individual": 403}),
        ("GET", "/me/signups", None, person_only),
        ("GET", "/me/service-records", None, person_only),
    ]
    before = Activity.get(aid).serialize()
    for method, path, body, expected in routes:
        for who, status in expected.items():
            response = api.call(method, path, body, token=tokens[who])
            assert response.status_code == status, (method, path, who, response.json)
    assert Activity.get(aid).serialize() == before
    assert Signup.count(aid) == 0
    assert code(api.post(f"/activities/{aid}/check-ins", AT_SITE, token=tokens["individual"])) == "NOT_SIGNED_UP"


# ---------------------------------------------------------------- sign-ups

def test_the_activity_page_tells_an_individual_their_own_sign_up_and_no_one_else_theirs(api, outbox, world):
    aid = published(api, world["org"], world["did"])["activity_id"]
    person, other = individual(api, outbox), individual(api, outbox)
    assert api.get(f"/activities/{aid}", token=person["token"]).json["my_signup"] is None   # 报名 still offered
    assert api.post(f"/activities/{aid}/signups", token=person["token"]).status_code == 201
    mine = api.get(f"/activities/{aid}", token=person["token"]).json["my_signup"]
    assert (mine["status"], mine["status_label"], mine["checked_in"]) == ("signed_up", "已报名", False)
    for token in (other["token"], world["org"]["token"], None):
        assert api.get(f"/activities/{aid}", token=token).json["my_signup"] is None
    delete(api, f"/activities/{aid}/signups/me", person["token"])
    assert api.get(f"/activities/{aid}", token=person["token"]).json["my_signup"]["status"] == "cancelled"


def test_sign_up_inside_the_window_while_seats_remain_once_per_person(api, outbox, world, now):
    aid = published(api, world["org"], world["did"], volunteers_to_recruit=2,
                    recruit_start=iso(T0 + timedelta(hours=1)))["activity_id"]
    first, second, third = (individual(api, outbox) for _ in range(3))
    early = api.post(f"/activities/{aid}/signups", token=first["token"])
    assert early.status_code == 409 and code(early) == "SIGNUP_CLOSED"
    now.at = T0 + timedelta(hours=1)
    assert api.post(f"/activities/{aid}/signups", token=first["token"]).status_code == 201
    assert code(api.post(f"/activities/{aid}/signups", token=first["token"])) == "ALREADY_SIGNED_UP"
    assert api.post(f"/activities/{aid}/signups", token=second["token"]).status_code == 201
    full = api.post(f"/activities/{aid}/signups", token=third["token"])
    assert full.status_code == 409 and code(full) == "ACTIVITY_FULL"
    assert api.get(f"/activities/{aid}").json["phase"] == "full"
    assert Activity.get(aid).signed_up_count == 2 and Signup.count(aid) == 2

    cancelled = delete(api, f"/activities/{aid}/signups/me", first["token"])
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert Activity.get(aid).signed_up_count == 1
    assert delete(api, f"/activities/{aid}/signups/me", first["token"]).status_code == 404
    assert api.post(f"/activities/{aid}/signups", token=third["token"]).status_code == 201
    assert code(api.post(f"/activities/{aid}/signups", token=first["token"])) == "ACTIVITY_FULL"
    mine = api.get("/me/signups", token=first["token"]).json["items"]
    assert [(s["activity_id"], s["status"]) for s in mine] == [(aid, "cancelled")]
    assert mine[0]["activity"]["title"] == "【云支教】招募8位数学老师帮助乡村小学生"

    now.at = T0 + timedelta(days=2)   # recruit_end
    late = api.post(f"/activities/{aid}/signups", token=first["token"])
    assert late.status_code == 409 and code(late) == "SIGNUP_CLOSED"
    now.at = START
    refused = delete(api, f"/activities/{aid}/signups/me", second["token"])
    assert refused.status_code == 409 and code(refused) == "SIGNUP_NOT_CANCELLABLE"
    assert Activity.get(aid).signed_up_count == 2


def test_the_roster_shows_names_and_masked_phones_to_the_organization_only(api, outbox, world):
    aid = published(api, world["org"], world["did"])["activity_id"]
    volunteer_ = signed_up(api, outbox, aid)
    roster = api.get(f"/activities/{aid}/signups", token=world["org"]["token"])
    assert roster.status_code == 200
    [entry] = roster.json["items"]
    phone = volunteer_["phone"]
    assert entry["display_name"] == "张三" and entry["masked_phone"] == f"{phone[:3]}****{phone[-4:]}"
    assert entry["status"] == "signed_up" and entry["checked_in"] is False
    assert phone not in json.dumps(roster.json)


def _individual(i: int) -> Principal:
    phone = next_phone()
    account = new_account(role=Role.INDIVIDUAL, login=phone, display_name=f"志愿者{i}", password_hash="x",
                          status=AccountStatus.ACTIVE, phone=phone)
    insert_account(account, [(phone_key(phone), AppError(ErrorCode.PHONE_ALREADY_REGISTERED))])
    return Principal(account.account_id, Role.INDIVIDUAL)


def _stored_activity(*, seats: int, service_in: timedelta) -> str:
    """An activity written directly (race tests run on moto's server with the real clock)."""
    did = open_demand(secrets.token_hex(16))
    moment = clock.now()
    aid = secrets.token_hex(16)
    Activity(aid, demand_id=did, org_id="org", org_name="组织", status="published", title="活动",
             activity_type="志愿服务活动（计入服务时长）", category="文明实践", volunteers_to_recruit=seats,
             signed_up_count=0, contact_name="李雷", contact_mobile="18826480174",
             recruit_start=moment - timedelta(hours=1), recruit_end=moment + timedelta(days=1),
             service_start=moment + service_in, service_end=moment + service_in + timedelta(hours=4),
             address="地址", longitude=SITE[1], latitude=SITE[0], sign_in_method="定位签到签退",
             attendance_radius_km=3, who_may_sign_up="所有志愿者可报名", introduction="介绍", service_content="内容",
             certificate_consent=True, counts_hours=True, check_in_secret=secrets.token_hex(32),
             created_at=moment, updated_at=moment).save()
    return aid


def _race(work, items):
    def attempt(item):
        try:
            return work(item), None
        except AppError as exc:
            return None, exc.code.name

    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(attempt, items))


def test_racing_sign_ups_never_exceed_the_seats(dynamodb_server, outbox):
    aid = _stored_activity(seats=5, service_in=timedelta(days=2))
    people = [_individual(i) for i in range(16)]
    results = _race(lambda p: activities.sign_up(p, aid), people)
    assert sum(1 for s, _ in results if s is not None) == 5
    assert {err for _, err in results if err} <= {"ACTIVITY_FULL", "STATE_CONFLICT"}
    assert Activity.get(aid, consistent_read=True).signed_up_count == 5
    assert [s.status for s in Signup.query(aid, consistent_read=True)] == ["signed_up"] * 5


def test_racing_check_ins_of_one_volunteer_open_one_record(dynamodb_server, outbox):
    from chalicelib.schemas.activities import AttendanceIn

    aid = _stored_activity(seats=5, service_in=timedelta(minutes=10))
    volunteer_ = _individual(0)
    activities.sign_up(volunteer_, aid)
    here = AttendanceIn.model_validate(AT_SITE)
    results = _race(lambda _: activities.check_in(volunteer_, aid, here), list(range(8)))
    assert sum(1 for r, _ in results if r is not None) == 1
    assert {err for _, err in results if err} <= {"ALREADY_CHECKED_IN", "STATE_CONFLICT"}
    records = AttendanceRecord.query(volunteer_.account_id, consistent_read=True)
    assert len(list(records)) == 1
    signup = Signup.get(aid, volunteer_.account_id, consistent_read=True)
    assert signup.open_check_in is not None and signup.check_in_day_count == 1


# ---------------------------------------------------------------- attendance

def test_check_in_inside_the_radius_only(api, outbox, world, now):
    aid = published(api, world["org"], world["did"], sign_in_method="定位签到签退")["activity_id"]
    volunteer_ = signed_up(api, outbox, aid)
    now.at = START + timedelta(minutes=5)
    outside = api.post(f"/activities/{aid}/check-ins", north_of_site(3.1), token=volunteer_["token"])
    assert outside.status_code == 400 and code(outside) == "OUTSIDE_ATTENDANCE_AREA"
    assert list(AttendanceRecord.query(volunteer_["account_id"])) == []
    inside = api.post(f"/activities/{aid}/check-ins", north_of_site(2.9), token=volunteer_["token"])
    assert inside.status_code == 201 and inside.json["check_in_by"] == "location"
    refused = api.post(f"/activities/{aid}/check-outs", north_of_site(3.1), token=volunteer_["token"])
    assert refused.status_code == 400 and Signup.get(aid, volunteer_["account_id"]).open_check_in
    with_code = api.post(f"/activities/{aid}/check-outs", {"code": "123456"}, token=volunteer_["token"])
    assert with_code.status_code == 400     # 定位签到签退 takes positions only
    for bad in ({}, {"latitude": 39.8}, {"latitude": 39.8, "longitude": 116.6, "code": "123456"},
                {"latitude": 91, "longitude": 116.6}, {"code": "12345"}):
        assert api.post(f"/activities/{aid}/check-outs", bad, token=volunteer_["token"]).status_code == 400
    assert api.post(f"/activities/{aid}/check-outs", AT_SITE, token=volunteer_["token"]).status_code == 200


def test_attendance_only_around_the_service_window(api, outbox, world, now):
    aid = published(api, world["org"], world["did"])["activity_id"]
    volunteer_ = signed_up(api, outbox, aid)
    path = f"/activities/{aid}/check-ins"
    now.at = START - timedelta(minutes=31)
    early = api.post(path, AT_SITE, token=volunteer_["token"])
    assert early.status_code == 409 and code(early) == "OUTSIDE_ATTENDANCE_TIME"
    now.at = START - timedelta(minutes=29)
    assert api.post(path, AT_SITE, token=volunteer_["token"]).status_code == 201
    now.at = END + timedelta(minutes=31)
    late_out = api.post(f"/activities/{aid}/check-outs", AT_SITE, token=volunteer_["token"])
    assert late_out.status_code == 409 and code(late_out) == "OUTSIDE_ATTENDANCE_TIME"
    now.at = END + timedelta(minutes=29)
    assert api.post(f"/activities/{aid}/check-outs", AT_SITE, token=volunteer_["token"]).status_code == 200
    now.at = END
    assert code(api.post(path, AT_SITE, token=volunteer_["token"])) == "OUTSIDE_ATTENDANCE_TIME"


def test_the_rotating_code_current_and_previous_window_only(api, outbox, world, now):
    aid = published(api, world["org"], world["did"], sign_in_method=CODE_METHOD)["activity_id"]
    volunteer_ = signed_up(api, outbox, aid)
    org_token = world["org"]["token"]
    now.at = START + timedelta(seconds=10)
    shown = api.get(f"/activities/{aid}/check-in-code", token=org_token).json
    assert shown["window_seconds"] == 300 and len(shown["code"]) == 6
    assert shown["rotates_at"] == "2099-06-04T00:05:00Z"
    checked = api.post(f"/activities/{aid}/check-ins", {"code": shown["code"]}, token=volunteer_["token"])
    assert checked.status_code == 201 and checked.json["check_in_by"] == "code"

    now.at = START + timedelta(minutes=5, seconds=10)   # the next window: the previous code still works
    assert api.get(f"/activities/{aid}/check-in-code", token=org_token).json["code"] != shown["code"]
    out = api.post(f"/activities/{aid}/check-outs", {"code": shown["code"]}, token=volunteer_["token"])
    assert out.status_code == 200 and out.json["check_out_by"] == "code"

    now.at = START + timedelta(minutes=10, seconds=10)  # two windows later: stale
    stale = api.post(f"/activities/{aid}/check-ins", {"code": shown["code"]}, token=volunteer_["token"])
    assert stale.status_code == 400 and code(stale) == "CHECK_IN_CODE_INVALID"
    assert Signup.get(aid, volunteer_["account_id"]).open_check_in is None


def test_the_public_coordinates_do_not_check_a_volunteer_in_to_an_activity_that_needs_the_code(api, outbox, world,
                                                                                                now):
    """Issue 19: the position is what the client says, and the activity page publishes the coordinates."""
    aid = published(api, world["org"], world["did"], sign_in_method=CODE_METHOD)["activity_id"]
    volunteer_ = signed_up(api, outbox, aid)
    now.at = START + timedelta(minutes=1)
    for path in ("check-ins", "check-outs"):
        refused = api.post(f"/activities/{aid}/{path}", AT_SITE, token=volunteer_["token"])
        assert refused.status_code == 400 and code(refused) == "CHECK_IN_CODE_REQUIRED", path
        assert [f["path"] for f in refused.json["error"]["fields"]] == ["code"]
        if path == "check-ins":
            assert Signup.get(aid, volunteer_["account_id"]).open_check_in is None
            assert list(AttendanceRecord.query(volunteer_["account_id"])) == []
            shown = api.get(f"/activities/{aid}/check-in-code", token=world["org"]["token"]).json["code"]
            assert api.post(f"/activities/{aid}/check-ins", {"code": shown}, token=volunteer_["token"]).status_code \
                == 201
    assert Signup.get(aid, volunteer_["account_id"]).open_check_in is not None   # the position checked nobody out
    shown = api.get(f"/activities/{aid}/check-in-code", token=world["org"]["token"]).json["code"]
    assert api.post(f"/activities/{aid}/check-outs", {"code": shown}, token=volunteer_["token"]).status_code == 200


def test_the_public_activity_page_tells_volunteers_what_check_in_needs(api, outbox, world):
    by_code = published(api, world["org"], world["did"], sign_in_method=CODE_METHOD)
    by_place = published(api, world["org"], world["did"], sign_in_method="定位签到签退")
    assert (by_code["check_in_proof"], by_place["check_in_proof"]) == ("code", "location")
    page = api.get(f"/activities/{by_code['activity_id']}").json
    assert page["check_in_proof"] == "code" and "签到码" in page["check_in_instructions"]
    page = api.get(f"/activities/{by_place['activity_id']}").json
    assert page["check_in_proof"] == "location" and "定位" in page["check_in_instructions"]


def test_wrong_codes_are_throttled(api, outbox, world, now):
    aid = published(api, world["org"], world["did"], sign_in_method=CODE_METHOD)["activity_id"]
    volunteer_ = signed_up(api, outbox, aid)
    now.at = START
    right = api.get(f"/activities/{aid}/check-in-code", token=world["org"]["token"]).json["code"]
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(activities.WRONG_CODES_PER_WINDOW):
        assert code(api.post(f"/activities/{aid}/check-ins", {"code": wrong}, token=volunteer_["token"])) == \
            "CHECK_IN_CODE_INVALID"
    throttled = api.post(f"/activities/{aid}/check-ins", {"code": right}, token=volunteer_["token"])
    assert throttled.status_code == 429 and throttled.headers.get("Retry-After")


def test_one_open_check_in_and_three_a_day(api, outbox, world, now):
    long_end = START + timedelta(days=2)
    aid = published(api, world["org"], world["did"], service_end=iso(long_end))["activity_id"]
    volunteer_ = signed_up(api, outbox, aid)
    token = volunteer_["token"]
    ins, outs = f"/activities/{aid}/check-ins", f"/activities/{aid}/check-outs"
    now.at = START
    never = api.post(outs, AT_SITE, token=token)
    assert never.status_code == 409 and code(never) == "NOT_CHECKED_IN"
    assert api.post(ins, AT_SITE, token=token).status_code == 201
    twice = api.post(ins, AT_SITE, token=token)
    assert twice.status_code == 409 and code(twice) == "ALREADY_CHECKED_IN"
    for minutes in (10, 20, 30, 40, 50):
        now.at = START + timedelta(minutes=minutes)
        if minutes % 20 == 10:
            assert api.post(outs, AT_SITE, token=token).status_code == 200
        else:
            assert api.post(ins, AT_SITE, token=token).status_code == 201
    fourth = api.post(ins, AT_SITE, token=token)
    assert fourth.status_code == 409 and code(fourth) == "CHECK_IN_DAILY_LIMIT"
    assert len(list(AttendanceRecord.query(volunteer_["account_id"]))) == 3
    now.at = T0 + timedelta(days=4) - timedelta(hours=8)   # 2099-06-05 00:00 CST: a new day
    assert api.post(ins, AT_SITE, token=token).status_code == 201


def test_hours_are_clipped_to_the_service_window_and_totalled(api, outbox, world, now):
    aid = published(api, world["org"], world["did"])["activity_id"]
    free = published(api, world["org"], world["did"], activity_type="公益活动（不计入服务时长）",
                     certificate_consent=False)["activity_id"]
    volunteer_ = signed_up(api, outbox, aid)
    token = volunteer_["token"]
    assert api.post(f"/activities/{free}/signups", token=token).status_code == 201
    now.at = START - timedelta(minutes=20)
    api.post(f"/activities/{aid}/check-ins", AT_SITE, token=token)
    now.at = START + timedelta(hours=1, minutes=30)
    first = api.post(f"/activities/{aid}/check-outs", AT_SITE, token=token).json
    assert first["service_hours"] == 1.5 and first["counts_hours"] is True
    now.at = START + timedelta(hours=2)
    api.post(f"/activities/{aid}/check-ins", AT_SITE, token=token)
    api.post(f"/activities/{free}/check-ins", AT_SITE, token=token)
    now.at = END + timedelta(minutes=20)
    assert api.post(f"/activities/{aid}/check-outs", AT_SITE, token=token).json["service_hours"] == 2
    unpaid = api.post(f"/activities/{free}/check-outs", AT_SITE, token=token).json
    assert unpaid["service_hours"] == 2 and unpaid["counts_hours"] is False
    records = api.get("/me/service-records", token=token).json
    assert records["total_hours"] == 3.5 and records["total_records"] == 2
    assert [r["service_hours"] for r in records["items"]] == [2, 2, 1.5]
    roster = api.get(f"/activities/{aid}/signups", token=world["org"]["token"]).json["items"]
    assert roster[0]["service_hours"] == 3.5
    page = api.get("/me/service-records?limit=2", token=token).json
    rest = api.get(f"/me/service-records?limit=2&cursor={page['next_cursor']}", token=token).json
    assert len(page["items"]) == 2 and len(rest["items"]) == 1 and rest["next_cursor"] is None


def all_service_record_pages(api, token: str, limit: int) -> list[dict]:
    pages = [api.get(f"/me/service-records?limit={limit}", token=token).json]
    while pages[-1]["next_cursor"]:
        pages.append(api.get(f"/me/service-records?limit={limit}&cursor={pages[-1]['next_cursor']}",
                             token=token).json)
    return pages


def test_the_first_page_carries_the_total_of_every_record_later_pages_none(api, outbox, world, now):
    aid = published(api, world["org"], world["did"])["activity_id"]
    token = signed_up(api, outbox, aid)["token"]
    for minutes in (0, 40, 80):                    # three counted visits of 30 minutes
        now.at = START + timedelta(minutes=minutes)
        api.post(f"/activities/{aid}/check-ins", AT_SITE, token=token)
        now.at += timedelta(minutes=30)
        assert api.post(f"/activities/{aid}/check-outs", AT_SITE, token=token).status_code == 200
    for limit in (1, 2, 3, 4):
        pages = all_service_record_pages(api, token, limit)
        records = [r for page in pages for r in page["items"]]
        assert [len(page["items"]) for page in pages if page["items"]] == [limit] * (3 // limit) + (
            [3 % limit] if 3 % limit else [])
        assert len(records) == 3 and len({r["checked_in_at"] for r in records}) == 3   # the total is no record
        assert pages[0]["total_hours"] == sum(r["service_hours"] for r in records) == 1.5
        assert pages[0]["total_records"] == 3
        assert all(page["total_hours"] is None and page["total_records"] is None for page in pages[1:])


def test_records_without_counted_hours_page_by_limit_with_a_zero_total(api, outbox, world, now):
    free = published(api, world["org"], world["did"], activity_type="公益活动（不计入服务时长）",
                     certificate_consent=False)["activity_id"]
    token = signed_up(api, outbox, free)["token"]
    for minutes in (0, 40, 80):                    # no total item is ever written: nothing counts
        now.at = START + timedelta(minutes=minutes)
        api.post(f"/activities/{free}/check-ins", AT_SITE, token=token)
        now.at += timedelta(minutes=30)
        api.post(f"/activities/{free}/check-outs", AT_SITE, token=token)
    pages = all_service_record_pages(api, token, 2)
    assert [len(page["items"]) for page in pages] == [2, 1]
    assert (pages[0]["total_hours"], pages[0]["total_records"]) == (0, 0)
    times = [r["checked_in_at"] for page in pages for r in page["items"]]
    assert times == sorted(times, reverse=True) and len(set(times)) == 3


# ---------------------------------------------------------------- cancellation

def test_the_organization_cancels_before_the_start_not_after(api, outbox, world, now):
    org = world["org"]
    aid = published(api, org, world["did"])["activity_id"]
    volunteer_ = signed_up(api, outbox, aid)
    assert api.post(f"/activities/{aid}/cancel", {}, token=org["token"]).status_code == 400
    assert api.post(f"/activities/{aid}/cancel", {"reason": "理" * 201}, token=org["token"]).status_code == 400
    cancelled = api.post(f"/activities/{aid}/cancel", {"reason": "台风预警"}, token=org["token"])
    assert cancelled.status_code == 200, cancelled.json
    assert cancelled.json["status"] == "cancelled" and cancelled.json["phase"] == "cancelled"
    assert cancelled.json["cancel_reason"] == "台风预警"
    assert ("activity_cancelled", "published", "cancelled", "台风预警") in timeline(world["did"])
    again = api.post(f"/activities/{aid}/cancel", {"reason": "再取消"}, token=org["token"])
    assert again.status_code == 409 and code(again) == "ACTIVITY_CANCELLED"
    assert code(api.post(f"/activities/{aid}/signups", token=individual(api, outbox)["token"])) == "ACTIVITY_CANCELLED"
    now.at = START
    assert code(api.post(f"/activities/{aid}/check-ins", AT_SITE, token=volunteer_["token"])) == \
        "ACTIVITY_CANCELLED"
    mine = api.get("/me/signups", token=volunteer_["token"]).json["items"]
    assert mine[0]["activity"]["status"] == "cancelled"

    now.at = T0
    running = published(api, org, world["did"])["activity_id"]
    now.at = START
    late = api.post(f"/activities/{running}/cancel", {"reason": "太晚了"}, token=org["token"])
    assert late.status_code == 409 and code(late) == "ACTIVITY_NOT_CANCELLABLE"
    assert Activity.get(running).status == "published"


# ---------------------------------------------------------------- lists

def test_each_list_is_one_query_and_never_a_scan(api, outbox, world, count_queries):

    aid = published(api, world["org"], world["did"])["activity_id"]
    volunteer_ = signed_up(api, outbox, aid)
    calls = count_queries()
    for path, token in ((f"/demands/{world['did']}/activities", None),
                        (f"/activities/{aid}/signups", world["org"]["token"]),
                        ("/me/signups", volunteer_["token"]), ("/me/service-records", volunteer_["token"])):
        assert api.get(path, token=token).status_code == 200
    assert calls == ["by_demand", None, "by_volunteer", None]
