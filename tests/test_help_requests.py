"""初始需求 (help requests): the form's limits, the guide's description, who may see a pupil's data, 采用 / 不采用,
我的求助 and the 团组织 inbox, and the linking functions the formal-demand service calls."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.auth.passwords import hash_password
from chalicelib.data.accounts import Account, login_key
from chalicelib.data.base import Transaction
from chalicelib.data.help_requests import MAX_HISTORY, HelpRequest
from chalicelib.errors import AppError, ErrorCode
from chalicelib.reference import AccountStatus, HelpRequestStatus, Role
from chalicelib.services import help_requests
from chalicelib.services.accounts import insert_account, new_account
from tests.builders import (
    PASSWORD,
    activate_in_process,
    cloud_form,
    general_form,
    login,
    make_league_org,
    next_phone,
    operator_token,
    org_session,
    register_individual,
    submit,
    submitted,
    with_code,
)

GUIDE_DESCRIPTION = ("学生姓名：赵小二；学生性别：男；当前所在年级：小学三年级；所在学校：李村小学；所在市：深圳市；"
                     "详细地址：深圳市李村小学；需所需辅导课程（最多选3项）：英语44分，数学76分，语文66分；"
                     "其他课程（最多选3项）：绘画,棋类,朗诵；")
SECRETS = ("赵小二", "李村小学", "深圳市李村小学")   # the pupil's data that must never leak


# ---------------------------------------------------------------- helpers


def volunteer_org_session(api, name="vol_sz") -> dict:
    account = new_account(role=Role.VOLUNTEER_ORG, login=name, display_name="深圳市义工联合会",
                          password_hash=hash_password(PASSWORD), status=AccountStatus.ACTIVE, phone=next_phone())
    insert_account(account, [(login_key(name), AppError(ErrorCode.ACCOUNT_NAME_TAKEN))])
    return login(api, "organization", name).json


def field_paths(response) -> set[str]:
    return {f["path"] for f in response.json["error"]["fields"]}


@pytest.fixture
def org(api):
    return org_session(api)


@pytest.fixture
def person(api, outbox):
    return register_individual(api, outbox)


# ---------------------------------------------------------------- the form and its description

def test_a_cloud_tutoring_request_is_described_in_the_guides_format(api, outbox, org, person):
    body, response = submit(api, outbox, person, org["account_id"])
    assert response.status_code == 201, response.json
    got = response.json
    assert got["description"] == GUIDE_DESCRIPTION
    assert got["status"] == "pending" and got["status_label"] == "待采用"
    assert got["org_name"] == "中国共产主义青年团深圳市委员会" and got["submitter_name"] == "张三"
    phone = body["contact_phone"]
    assert got["contact_phone"] == phone[:3] + "****" + phone[-4:]
    assert got["tutoring"]["subjects"] == [{"subject": "英语", "score": 44}, {"subject": "数学", "score": 76},
                                           {"subject": "语文", "score": 66}]
    assert [(s["label"], s["done"]) for s in got["progress"]] == [
        ("待采用", True), ("已采用", False), ("待认领", False), ("已认领", False), ("已发布", False)]
    assert got["progress"][0]["at"] is not None and got["progress"][0]["current"] is True


def test_no_interest_course_renders_as_none_and_a_remark_is_appended(api, outbox, org, person):
    got = submitted(api, outbox, person, org["account_id"], cloud_form(
        interests=[], remark="周末有空",
        subjects=[{"subject": "数学", "score": 85.5}, {"subject": "物理", "score": 100.0}]))
    assert got["description"].endswith(
        "需所需辅导课程（最多选3项）：数学85.5分，物理100分；其他课程（最多选3项）：无；备注：周末有空；")
    assert got["tutoring"]["subjects"][0]["score"] == 85.5 and got["tutoring"]["subjects"][1]["score"] == 100
    assert got["tutoring"]["interests"] == [] and got["tutoring"]["remark"] == "周末有空"


def test_a_general_request_keeps_its_description_as_typed(api, outbox, org, person):
    got = submitted(api, outbox, person, org["account_id"], general_form())
    assert got["kind"] == "general" and got["description"] == "社区图书角缺少志愿者整理图书。"
    assert got["tutoring"] is None


SUBJECTS_3 = [{"subject": "语文", "score": 1}, {"subject": "数学", "score": 2}, {"subject": "英语", "score": 3}]
INTERESTS_3 = ["绘画", "棋类", "朗诵"]


@pytest.mark.parametrize("path, ok, bad", [
    ("title", "【乡村云支教】" + "题" * 50, "【乡村云支教】" + "题" * 51),
    ("title", "【乡村云支教】英", "【乡村云支教】"),
    ("title", "题", ""),
    ("student_name", "名" * 20, "名" * 21),
    ("student_name", "名", "   "),
    ("gender", "女", "男生"),
    ("grade", "高中三年级", "三年级"),
    ("grade", "小学一年级", "幼儿园"),
    ("school", "校" * 50, "校" * 51),
    ("city", "云浮市", "长沙市"),
    ("address", "址" * 100, "址" * 101),
    ("remark", "备" * 200, "备" * 201),
    ("contact_name", "联" * 20, "联" * 21),
    ("contact_name", "联", ""),
    ("subjects", SUBJECTS_3, SUBJECTS_3 + [{"subject": "物理", "score": 4}]),
    ("subjects", SUBJECTS_3[:1], []),
    ("subjects", SUBJECTS_3[:2], [SUBJECTS_3[0], SUBJECTS_3[0]]),
    ("subjects[0].subject", [{"subject": "物理", "score": 1}], [{"subject": "音乐", "score": 1}]),
    ("subjects[0].score", [{"subject": "数学", "score": 150}], [{"subject": "数学", "score": 150.1}]),
    ("subjects[0].score", [{"subject": "数学", "score": 0}], [{"subject": "数学", "score": -1}]),
    ("subjects[0].score", [{"subject": "数学", "score": 99.5}], [{"subject": "数学", "score": 99.55}]),
    ("subjects[0].score", [{"subject": "数学", "score": 88.5}], [{"subject": "数学", "score": "88.5"}]),   # strict
    ("subjects[0].score", [{"subject": "数学", "score": 60}], [{"subject": "数学", "score": True}]),
    ("subjects[0].score", [{"subject": "数学", "score": 60}], [{"subject": "数学"}]),
    ("interests", INTERESTS_3, INTERESTS_3 + ["舞蹈"]),
    ("interests", [], ["绘画", "绘画"]),
    ("interests[0]", ["无人机"], ["钢琴"]),
])
def test_cloud_tutoring_limits_on_both_sides(api, outbox, org, person, path, ok, bad):
    field = path.split("[")[0].split(".")[0]
    body = with_code(api, outbox, person["access_token"], {**cloud_form(), "org_id": org["account_id"]})
    refused = api.post("/help-requests", {**body, field: bad}, token=person["access_token"])
    assert refused.status_code == 400 and path in field_paths(refused), refused.json
    accepted = api.post("/help-requests", {**body, field: ok}, token=person["access_token"])
    assert accepted.status_code == 201, accepted.json   # the refused form left the code usable


@pytest.mark.parametrize("path, ok, bad", [
    ("title", "题" * 57, "题" * 58),
    ("description", "述" * 200, "述" * 201),
    ("description", "述", ""),
])
def test_general_request_limits_on_both_sides(api, outbox, org, person, path, ok, bad):
    body = with_code(api, outbox, person["access_token"], {**general_form(), "org_id": org["account_id"]})
    refused = api.post("/help-requests", {**body, path: bad}, token=person["access_token"])
    assert refused.status_code == 400 and path in field_paths(refused), refused.json
    assert api.post("/help-requests", {**body, path: ok}, token=person["access_token"]).status_code == 201


def test_missing_kind_contact_and_code_are_named(api, outbox, org, person):
    no_kind = api.post("/help-requests", {"title": "x"}, token=person["access_token"])
    assert no_kind.status_code == 400 and field_paths(no_kind) == {"kind"}
    wrong_kind = api.post("/help-requests", {"kind": "urgent"}, token=person["access_token"])
    assert wrong_kind.status_code == 400 and field_paths(wrong_kind) == {"kind"}
    bare = api.post("/help-requests", {"kind": "general"}, token=person["access_token"])
    assert {"title", "description", "org_id", "contact_name", "contact_phone", "sms_code"} <= field_paths(bare)
    bad_phone = api.post("/help-requests", {**general_form(), "org_id": org["account_id"],
                                            "contact_phone": "12345", "sms_code": "123456"},
                         token=person["access_token"])
    assert field_paths(bad_phone) == {"contact_phone"}


@pytest.mark.parametrize("field, value", [("status", "adopted"), ("request_id", "abc"), ("submitter_id", "x"),
                                          ("description", "伪造的描述")])
def test_server_owned_fields_are_refused(api, outbox, org, person, field, value):
    body = with_code(api, outbox, person["access_token"], {**cloud_form(), "org_id": org["account_id"]})
    response = api.post("/help-requests", {**body, field: value}, token=person["access_token"])
    assert response.status_code == 400 and field in field_paths(response)
    assert list(HelpRequest.by_submitter.query(person["account_id"])) == []


def test_the_addressed_org_must_be_an_active_league_org(api, outbox, org, person):
    vol = volunteer_org_session(api)
    disabled = make_league_org("gd_off", "共青团停用委员会")
    disabled.update(actions=[Account.status.set(AccountStatus.DISABLED.value)])
    body = with_code(api, outbox, person["access_token"], cloud_form())
    for org_id in ("0" * 32, vol["account_id"], person["account_id"], disabled.account_id, "../x"):
        refused = api.post("/help-requests", {**body, "org_id": org_id}, token=person["access_token"])
        assert refused.status_code == 400 and field_paths(refused) == {"org_id"}, (org_id, refused.json)
    assert api.post("/help-requests", {**body, "org_id": org["account_id"]},
                    token=person["access_token"]).status_code == 201


def test_an_sms_code_proves_one_request_only(api, outbox, org, person):
    body = with_code(api, outbox, person["access_token"], {**cloud_form(), "org_id": org["account_id"]})
    wrong = api.post("/help-requests", {**body, "sms_code": "000000" if body["sms_code"] != "000000" else "111111"},
                     token=person["access_token"])
    assert wrong.status_code == 400 and wrong.json["error"]["code"] == "SMS_CODE_INVALID"
    assert api.post("/help-requests", body, token=person["access_token"]).status_code == 201
    reused = api.post("/help-requests", body, token=person["access_token"])
    assert reused.status_code == 400 and reused.json["error"]["code"] == "SMS_CODE_EXPIRED"
    assert field_paths(reused) == {"sms_code"}
    assert len(list(HelpRequest.by_submitter.query(person["account_id"]))) == 1
    other_purpose = next_phone()
    api.post("/sms/codes", {"phone": other_purpose, "purpose": "register"})
    cross = api.post("/help-requests", {**body, "contact_phone": other_purpose,
                                        "sms_code": outbox.last_code(other_purpose)}, token=person["access_token"])
    assert cross.status_code == 400 and field_paths(cross) == {"sms_code"}


def test_only_individuals_submit(api, outbox, org):
    body = {**cloud_form(), "org_id": org["account_id"], "contact_phone": next_phone(), "sms_code": "123456"}
    assert api.post("/help-requests", body).status_code == 401
    assert api.post("/help-requests", body, token=org["access_token"]).status_code == 403


# ---------------------------------------------------------------- who sees a pupil's data

def _leaks(response, full_phone) -> list[str]:
    text = json.dumps(response.json, ensure_ascii=False) if response.json is not None else ""
    return [s for s in (*SECRETS, full_phone) if s in text]


def test_a_request_is_invisible_to_every_other_account(api, outbox, org, person):
    request = submitted(api, outbox, person, org["account_id"])
    rid, phone = request["request_id"], request["contact_phone_full"]
    other_person = register_individual(api, outbox)
    other_org = org_session(api, "gd_gz", "中国共产主义青年团广州市委员会")
    vol = volunteer_org_session(api)
    operator = operator_token(api)
    for who, token in (("individual", other_person["access_token"]), ("league_org", other_org["access_token"]),
                       ("volunteer_org", vol["access_token"]), ("operator", operator)):
        detail = api.get(f"/help-requests/{rid}", token=token)
        assert detail.status_code == 404 and detail.json["error"]["code"] == "NOT_FOUND", who
        assert _leaks(detail, phone) == [], who
    anonymous = api.get(f"/help-requests/{rid}")
    assert anonymous.status_code == 401 and _leaks(anonymous, phone) == []
    # an unknown id answers exactly like a hidden one
    unknown = api.get(f"/help-requests/{'f' * 32}", token=other_org["access_token"])
    assert unknown.status_code == 404 and unknown.json == api.get(f"/help-requests/{rid}",
                                                                  token=other_org["access_token"]).json
    for path, token in (("/me/help-requests", other_person["access_token"]),
                        ("/me/help-request-inbox", other_org["access_token"])):
        listed = api.get(path, token=token)
        assert listed.status_code == 200 and listed.json["items"] == [] and _leaks(listed, phone) == []
    for path, token in (("/me/help-requests", vol["access_token"]), ("/me/help-request-inbox", vol["access_token"]),
                        ("/me/help-request-inbox", person["access_token"]), ("/me/help-requests", operator)):
        refused = api.get(path, token=token)
        assert refused.status_code == 403 and _leaks(refused, phone) == []
    for action, body in (("adopt", None), ("decline", {"reason": "不是本组织辖区"})):
        for token in (other_org["access_token"],):
            attempt = api.post(f"/help-requests/{rid}/{action}", body, token=token)
            assert attempt.status_code == 404 and _leaks(attempt, phone) == []
        for token in (other_person["access_token"], person["access_token"], vol["access_token"], operator):
            assert api.post(f"/help-requests/{rid}/{action}", body, token=token).status_code == 403
    assert HelpRequest.get(rid).status == "pending"


def test_the_submitter_sees_the_phone_masked_and_the_org_sees_it_in_full(api, outbox, org, person):
    request = submitted(api, outbox, person, org["account_id"])
    rid, phone = request["request_id"], request["contact_phone_full"]
    mine = api.get(f"/help-requests/{rid}", token=person["access_token"]).json
    assert mine["contact_phone"] == phone[:3] + "****" + phone[-4:] and phone not in json.dumps(mine)
    theirs = api.get(f"/help-requests/{rid}", token=org["access_token"]).json
    assert theirs["contact_phone"] == phone and theirs["tutoring"]["student_name"] == "赵小二"
    rows = api.get("/me/help-request-inbox", token=org["access_token"]).json["items"]
    assert [r["request_id"] for r in rows] == [rid]
    assert set(rows[0]) == {"request_id", "kind", "status", "status_label", "title", "org_name", "submitter_name",
                            "created_at"}
    assert _leaks(api.get("/me/help-requests", token=person["access_token"]), phone) == []


# ---------------------------------------------------------------- 采用 / 不采用

def test_the_addressed_org_adopts_once(api, outbox, org, person):
    rid = submitted(api, outbox, person, org["account_id"])["request_id"]
    adopted = api.post(f"/help-requests/{rid}/adopt", token=org["access_token"])
    assert adopted.status_code == 200 and adopted.json["status"] == "adopted"
    again = api.post(f"/help-requests/{rid}/adopt", token=org["access_token"])
    assert again.status_code == 409 and again.json["error"]["code"] == "STATE_CONFLICT"
    late_decline = api.post(f"/help-requests/{rid}/decline", {"reason": "重复"}, token=org["access_token"])
    assert late_decline.status_code == 409
    item = HelpRequest.get(rid)
    assert item.status == "adopted" and item.decline_reason is None
    assert [(t.from_status, t.to_status, t.actor_id) for t in item.history] == [
        (None, "pending", person["account_id"]), ("pending", "adopted", org["account_id"])]
    progress = api.get(f"/help-requests/{rid}", token=person["access_token"]).json["progress"]
    assert [(s["label"], s["done"], s["current"]) for s in progress[:3]] == [
        ("待采用", True, False), ("已采用", True, True), ("待认领", False, False)]
    assert progress[1]["at"] is not None and progress[2]["at"] is None


def test_declining_needs_a_reason_the_submitter_sees(api, outbox, org, person):
    rid = submitted(api, outbox, person, org["account_id"])["request_id"]
    no_reason = api.post(f"/help-requests/{rid}/decline", {}, token=org["access_token"])
    assert no_reason.status_code == 400 and field_paths(no_reason) == {"reason"}
    too_long = api.post(f"/help-requests/{rid}/decline", {"reason": "因" * 201}, token=org["access_token"])
    assert too_long.status_code == 400 and field_paths(too_long) == {"reason"}
    blank = api.post(f"/help-requests/{rid}/decline", {"reason": "   "}, token=org["access_token"])
    assert blank.status_code == 400
    assert HelpRequest.get(rid).status == "pending"
    declined = api.post(f"/help-requests/{rid}/decline", {"reason": "因" * 200}, token=org["access_token"])
    assert declined.status_code == 200 and declined.json["status"] == "declined"
    assert api.post(f"/help-requests/{rid}/adopt", token=org["access_token"]).status_code == 409
    mine = api.get(f"/help-requests/{rid}", token=person["access_token"]).json
    assert mine["decline_reason"] == "因" * 200 and mine["status_label"] == "不采用"
    assert [(s["label"], s["done"], s["reason"]) for s in mine["progress"]] == [
        ("待采用", True, None), ("不采用", True, "因" * 200)]


def test_another_orgs_adopt_is_not_found_and_writes_nothing(api, outbox, org, person):
    rid = submitted(api, outbox, person, org["account_id"])["request_id"]
    before = HelpRequest.get(rid)
    other = org_session(api, "gd_gz", "中国共产主义青年团广州市委员会")
    assert api.post(f"/help-requests/{rid}/adopt", token=other["access_token"]).status_code == 404
    assert api.post(f"/help-requests/{rid}/decline", {"reason": "x"}, token=other["access_token"]).status_code == 404
    after = HelpRequest.get(rid)
    assert (after.version, after.status, len(after.history)) == (before.version, "pending", 1)
    assert api.post(f"/help-requests/{'0' * 32}/adopt", token=org["access_token"]).status_code == 404


def test_a_league_org_not_yet_activated_receives_no_request_and_is_answered_as_an_unknown_one(
        api, outbox, org, person):
    fresh = make_league_org("gd_new", "共青团新设委员会")
    body = with_code(api, outbox, person["access_token"], cloud_form())
    refused = api.post("/help-requests", {**body, "org_id": fresh.account_id}, token=person["access_token"])
    unknown = api.post("/help-requests", {**body, "org_id": "0" * 32}, token=person["access_token"])
    assert refused.status_code == unknown.status_code == 400
    assert refused.json == unknown.json and field_paths(refused) == {"org_id"}
    assert list(HelpRequest.by_org_status.query(f"{fresh.account_id}#pending")) == []
    # Whoever logs in with 000000 reads nothing either.
    token = login(api, "organization", "gd_new", "000000").json["access_token"]
    inbox = api.get("/me/help-request-inbox", token=token)
    assert inbox.status_code == 403 and inbox.json["error"]["code"] == "PASSWORD_CHANGE_REQUIRED"
    # The request itself is still good for an activated organization.
    assert api.post("/help-requests", {**body, "org_id": org["account_id"]},
                    token=person["access_token"]).status_code == 201


# ---------------------------------------------------------------- lists

def test_my_requests_newest_first_by_state_with_pages(api, outbox, org, person):
    ids = [submitted(api, outbox, person, org["account_id"], cloud_form(title=f"【乡村云支教】第{i}个"))["request_id"]
           for i in range(5)]
    api.post(f"/help-requests/{ids[1]}/adopt", token=org["access_token"])
    api.post(f"/help-requests/{ids[3]}/adopt", token=org["access_token"])
    api.post(f"/help-requests/{ids[4]}/decline", {"reason": "信息不全"}, token=org["access_token"])
    token = person["access_token"]
    everything = api.get("/me/help-requests", token=token).json
    assert [r["request_id"] for r in everything["items"]] == ids[::-1] and everything["next_cursor"] is None
    assert [r["request_id"] for r in api.get("/me/help-requests?status=adopted", token=token).json["items"]] == \
        [ids[3], ids[1]]
    assert [r["request_id"] for r in api.get("/me/help-requests?status=pending", token=token).json["items"]] == \
        [ids[2], ids[0]]
    assert [r["status_label"] for r in api.get("/me/help-requests?status=declined", token=token).json["items"]] == \
        ["不采用"]
    assert api.get("/me/help-requests?status=", token=token).json["items"] == everything["items"]
    first = api.get("/me/help-requests?limit=2", token=token).json
    second = api.get(f"/me/help-requests?limit=2&cursor={first['next_cursor']}", token=token).json
    third = api.get(f"/me/help-requests?limit=2&cursor={second['next_cursor']}", token=token).json
    assert [r["request_id"] for r in first["items"] + second["items"] + third["items"]] == ids[::-1]
    cursor = first["next_cursor"]
    tampered = cursor[:-1] + ("0" if cursor[-1] != "0" else "1")
    bad = api.get(f"/me/help-requests?limit=2&cursor={tampered}", token=token)
    assert bad.status_code == 400 and field_paths(bad) == {"cursor"}
    assert api.get(f"/me/help-requests?status=adopted&cursor={cursor}", token=token).status_code == 400
    other = register_individual(api, outbox)
    assert api.get(f"/me/help-requests?limit=2&cursor={cursor}", token=other["access_token"]).status_code == 400
    assert api.get(f"/me/help-request-inbox?limit=2&cursor={cursor}", token=org["access_token"]).status_code == 400
    for query in ("limit=51", "limit=0", "status=unknown", "other=1"):
        assert api.get(f"/me/help-requests?{query}", token=token).status_code == 400, query


def test_the_org_inbox_by_state(api, outbox, org, person):
    other_org = org_session(api, "gd_gz", "中国共产主义青年团广州市委员会")
    mine = [submitted(api, outbox, person, org["account_id"])["request_id"] for _ in range(3)]
    elsewhere = submitted(api, outbox, person, other_org["account_id"])["request_id"]
    api.post(f"/help-requests/{mine[0]}/adopt", token=org["access_token"])
    token = org["access_token"]
    inbox = api.get("/me/help-request-inbox", token=token).json["items"]
    assert [r["request_id"] for r in inbox] == mine[::-1]
    assert {r["submitter_name"] for r in inbox} == {"张三"}
    pending = api.get("/me/help-request-inbox?status=pending", token=token).json["items"]
    assert [r["request_id"] for r in pending] == [mine[2], mine[1]]
    assert [r["request_id"] for r in api.get("/me/help-request-inbox?status=adopted", token=token).json["items"]] \
        == [mine[0]]
    assert [r["request_id"] for r in api.get("/me/help-request-inbox", token=other_org["access_token"]).json[
        "items"]] == [elsewhere]
    page = api.get("/me/help-request-inbox?status=pending&limit=1", token=token).json
    rest = api.get(f"/me/help-request-inbox?status=pending&limit=1&cursor={page['next_cursor']}", token=token).json
    assert [r["request_id"] for r in page["items"] + rest["items"]] == [mine[2], mine[1]]
    assert api.get(f"/me/help-request-inbox?status=pending&cursor={page['next_cursor']}",
                   token=other_org["access_token"]).status_code == 400


def test_lists_are_one_query_and_never_a_scan(api, outbox, org, person, count_queries):

    submitted(api, outbox, person, org["account_id"])
    calls = count_queries()
    api.get("/me/help-requests?limit=5", token=person["access_token"])
    api.get("/me/help-requests?status=pending", token=person["access_token"])
    api.get("/me/help-request-inbox", token=org["access_token"])
    api.get("/me/help-request-inbox?status=adopted", token=org["access_token"])
    assert calls == ["by_submitter", "by_submitter_status", "by_org", "by_org_status"]


# ---------------------------------------------------------------- races (moto's HTTP server)

def test_of_a_racing_adopt_and_decline_exactly_one_wins(dynamodb_server, outbox):
    from chalicelib.auth.principal import Principal
    from chalicelib.schemas.help_requests import HelpRequestIn
    from chalicelib.services import sms

    org = activate_in_process(make_league_org())
    person = new_account(role=Role.INDIVIDUAL, login=next_phone(), display_name="张三", password_hash="x",
                         status=AccountStatus.ACTIVE)
    person.save()
    phone = next_phone()
    sms.send_code(phone, sms.SmsPurpose.HELP_CONTACT, client="198.51.100.1")
    form = HelpRequestIn.model_validate({**cloud_form(), "org_id": org.account_id, "contact_phone": phone,
                                         "sms_code": outbox.last_code(phone)}).root
    item = help_requests.submit(Principal(person.account_id, Role.INDIVIDUAL), form)
    caller = Principal(org.account_id, Role.LEAGUE_ORG)

    def attempt(i):
        try:
            if i % 2:
                return help_requests.adopt(caller, item.request_id).status
            return help_requests.decline(caller, item.request_id, "重复").status
        except AppError as exc:
            return exc.code.name

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(attempt, range(6)))
    winners = [o for o in outcomes if o in ("adopted", "declined")]
    assert len(winners) == 1 and outcomes.count("STATE_CONFLICT") == 5
    stored = HelpRequest.get(item.request_id)
    assert stored.status == winners[0] and len(stored.history) == 2


# ---------------------------------------------------------------- linking to formal demands (service level)

def _requests(api, outbox, person, org_id, count):
    return [submitted(api, outbox, person, org_id)["request_id"] for _ in range(count)]


def test_linkable_accepts_own_pending_or_adopted_requests_in_order(api, outbox, org, person):
    a, b = _requests(api, outbox, person, org["account_id"], 2)
    api.post(f"/help-requests/{b}/adopt", token=org["access_token"])
    assert [r.request_id for r in help_requests.linkable(org["account_id"], [b, a])] == [b, a]
    assert help_requests.linkable(org["account_id"], []) == []


def test_linkable_refuses_foreign_declined_unknown_and_linked_requests(api, outbox, org, person):
    other = org_session(api, "gd_gz", "中国共产主义青年团广州市委员会")
    ok, declined, linked = _requests(api, outbox, person, org["account_id"], 3)
    foreign = submitted(api, outbox, person, other["account_id"])["request_id"]
    api.post(f"/help-requests/{declined}/decline", {"reason": "不符合"}, token=org["access_token"])
    tx = help_requests.link_in(Transaction(), help_requests.linkable(org["account_id"], [linked]), "demand-a",
                               actor_id=org["account_id"], published=False)
    tx.commit()
    with pytest.raises(AppError) as refused:
        help_requests.linkable(org["account_id"], [ok, foreign, declined, "nope", linked, "x" * 500])
    assert refused.value.code.name == "HELP_REQUEST_NOT_LINKABLE"
    assert [f.path for f in refused.value.fields] == [f"linked_request_ids[{i}]" for i in (1, 2, 3, 4, 5)]
    # editing demand-a: its own linked request is acceptable, another demand's is not
    assert [r.request_id for r in help_requests.linkable(org["account_id"], [ok, linked],
                                                         for_demand="demand-a")] == [ok, linked]
    with pytest.raises(AppError):
        help_requests.linkable(org["account_id"], [linked], for_demand="demand-b")
    with pytest.raises(AppError) as dupes:
        help_requests.linkable(org["account_id"], [ok, ok])
    assert dupes.value.code.name == "VALIDATION_FAILED" and dupes.value.fields[0].path == "linked_request_ids[1]"
    with pytest.raises(AppError) as too_many:
        help_requests.linkable(org["account_id"], [f"id{i}" for i in range(21)])
    assert too_many.value.code.name == "VALIDATION_FAILED"


def test_link_in_adopts_and_links_inside_the_callers_transaction(api, outbox, org, person):
    pending, adopted = _requests(api, outbox, person, org["account_id"], 2)
    api.post(f"/help-requests/{adopted}/adopt", token=org["access_token"])
    requests = help_requests.linkable(org["account_id"], [pending, adopted])
    tx = help_requests.link_in(Transaction(), requests, "demand-1", actor_id=org["account_id"], published=False)
    assert {HelpRequest.get(r).status for r in (pending, adopted)} == {"pending", "adopted"}  # nothing until commit
    tx.commit()
    for rid in (pending, adopted):
        item = HelpRequest.get(rid)
        assert (item.status, item.demand_id) == ("adopted", "demand-1")
        assert item.history[-1].demand_id == "demand-1" and item.history[-1].actor_id == org["account_id"]
    assert [t.to_status for t in HelpRequest.get(pending).history] == ["pending", "adopted"]
    assert [r["request_id"] for r in api.get("/me/help-request-inbox?status=adopted",
                                              token=org["access_token"]).json["items"]] == [adopted, pending]
    # the submitter does not see a draft demand's id
    assert api.get(f"/help-requests/{pending}", token=person["access_token"]).json["demand_id"] is None
    with pytest.raises(AppError) as again:
        help_requests.linkable(org["account_id"], [pending])
    assert again.value.code.name == "HELP_REQUEST_NOT_LINKABLE"


def test_a_stale_link_loses_to_the_first_and_writes_nothing(api, outbox, org, person):
    a, b = _requests(api, outbox, person, org["account_id"], 2)
    first = help_requests.linkable(org["account_id"], [a, b])
    second = help_requests.linkable(org["account_id"], [a, b])
    help_requests.link_in(Transaction(), first, "demand-1", actor_id=org["account_id"], published=False).commit()
    with pytest.raises(AppError) as lost:
        help_requests.link_in(Transaction(), second, "demand-2", actor_id=org["account_id"], published=True).commit()
    assert lost.value.code.name == "HELP_REQUEST_NOT_LINKABLE"
    assert lost.value.fields[0].path.startswith("linked_request_ids[")
    assert {HelpRequest.get(r).demand_id for r in (a, b)} == {"demand-1"}


def test_linking_a_published_demand_and_following_it_to_the_end(api, outbox, org, person):
    rid = _requests(api, outbox, person, org["account_id"], 1)[0]
    actor = org["account_id"]
    help_requests.link_in(Transaction(), help_requests.linkable(actor, [rid]), "demand-9", actor_id=actor,
                          published=True).commit()
    item = HelpRequest.get(rid)
    assert item.status == "awaiting_claim"
    assert [(t.from_status, t.to_status) for t in item.history] == [
        (None, "pending"), ("pending", "adopted"), ("adopted", "awaiting_claim")]
    mine = api.get(f"/help-requests/{rid}", token=person["access_token"]).json
    assert mine["demand_id"] == "demand-9" and mine["status_label"] == "待认领"
    for status in (HelpRequestStatus.CLAIMED, HelpRequestStatus.PUBLISHED):
        help_requests.set_status_for_demand_in(Transaction(), [rid], "demand-9", status, actor_id=actor).commit()
    mine = api.get(f"/help-requests/{rid}", token=person["access_token"]).json
    assert [(s["label"], s["done"]) for s in mine["progress"]] == [
        ("待采用", True), ("已采用", True), ("待认领", True), ("已认领", True), ("已发布", True)]
    assert all(s["at"] for s in mine["progress"])
    with pytest.raises(AppError) as foreign:
        help_requests.set_status_for_demand_in(Transaction(), [rid], "demand-other", HelpRequestStatus.CLAIMED,
                                               actor_id=actor)
    assert foreign.value.code.name == "STATE_CONFLICT"
    with pytest.raises(ValueError):
        help_requests.set_status_for_demand_in(Transaction(), [rid], "demand-9", HelpRequestStatus.DECLINED,
                                               actor_id=actor)


def test_unlink_in_returns_requests_to_adopted(api, outbox, org, person):
    rid = _requests(api, outbox, person, org["account_id"], 1)[0]
    actor = org["account_id"]
    help_requests.link_in(Transaction(), help_requests.linkable(actor, [rid]), "demand-1", actor_id=actor,
                          published=False).commit()
    with pytest.raises(AppError) as wrong_demand:
        help_requests.unlink_in(Transaction(), [HelpRequest.get(rid)], "demand-2", actor_id=actor).commit()
    assert wrong_demand.value.code.name == "STATE_CONFLICT" and HelpRequest.get(rid).demand_id == "demand-1"
    help_requests.unlink_in(Transaction(), [HelpRequest.get(rid)], "demand-1", actor_id=actor).commit()
    item = HelpRequest.get(rid)
    assert (item.status, item.demand_id) == ("adopted", None)
    assert [r.request_id for r in help_requests.linkable(actor, [rid])] == [rid]


def test_the_history_stays_bounded_and_keeps_the_submission(api, outbox, org, person, monkeypatch):
    assert MAX_HISTORY == 30   # the deployed bound; a small one keeps this test quick
    monkeypatch.setattr(help_requests, "MAX_HISTORY", 6)
    rid = _requests(api, outbox, person, org["account_id"], 1)[0]
    actor = org["account_id"]
    help_requests.link_in(Transaction(), help_requests.linkable(actor, [rid]), "d", actor_id=actor,
                          published=True).commit()
    for i in range(8):
        status = HelpRequestStatus.CLAIMED if i % 2 == 0 else HelpRequestStatus.AWAITING_CLAIM
        help_requests.set_status_for_demand_in(Transaction(), [rid], "d", status, actor_id=actor).commit()
    item = HelpRequest.get(rid)
    assert len(item.history) == 6
    assert (item.history[0].from_status, item.history[0].to_status) == (None, "pending")
    assert item.history[-1].to_status == item.status
