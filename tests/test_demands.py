"""Formal demands: drafts, publishing with the organization block, edits, closing, and who sees what."""
import json

import pytest

from chalicelib.data.demands import Demand
from tests.builders import (
    demand_body,
    league_org_session,
    next_phone,
    org_block,
    publish_demand,
    register_individual,
    submitted,
)


@pytest.fixture
def org(api):
    return league_org_session(api)


def _publish(api, outbox, token, demand_id, **overrides):
    leader = next_phone()
    api.post("/sms/codes", {"phone": leader, "purpose": "leader_mobile"}, token=token)
    return api.post(f"/demands/{demand_id}/publish", {"org": org_block(leader, outbox.last_code(leader),
                                                                        **overrides)}, token=token), leader


def test_a_draft_is_seen_only_by_its_organization(api, outbox, org):
    draft = api.post("/demands", {"title": "草稿"}, token=org["access_token"])
    assert draft.status_code == 201 and draft.json["status"] == "draft"
    demand_id = draft.json["demand_id"]
    other = league_org_session(api, "gd_other", "共青团广州市委员会")
    person = register_individual(api, outbox)
    assert api.get(f"/demands/{demand_id}").status_code == 404
    assert api.get(f"/demands/{demand_id}", token=other["access_token"]).status_code == 404
    assert api.get(f"/demands/{demand_id}", token=person["access_token"]).status_code == 404
    assert api.get(f"/demands/{demand_id}", token=org["access_token"]).json["title"] == "草稿"
    mine = api.get("/me/demands?status=draft", token=org["access_token"]).json["items"]
    assert [d["demand_id"] for d in mine] == [demand_id]
    assert api.get("/demands").json["items"] == []


def test_only_league_orgs_write_demands(api, outbox, org):
    person = register_individual(api, outbox)
    assert api.post("/demands", demand_body(), token=person["access_token"]).status_code == 403
    assert api.post("/demands", demand_body()).status_code == 401
    assert list(Demand.by_org.query(person["account_id"])) == []


def test_publishing_needs_the_whole_form(api, outbox, org):
    draft = api.post("/demands", {"title": "只有标题"}, token=org["access_token"]).json
    response, _ = _publish(api, outbox, org["access_token"], draft["demand_id"])
    assert response.status_code == 400
    missing = {f["path"] for f in response.json["error"]["fields"]}
    assert missing == {"demand_type", "volunteers_needed", "content", "period_start", "period_end", "guarantees"}
    other = api.post("/demands", demand_body(demand_type="其他"), token=org["access_token"]).json
    response, _ = _publish(api, outbox, org["access_token"], other["demand_id"])
    assert {f["path"] for f in response.json["error"]["fields"]} == {"demand_type_other"}


def test_a_demand_whose_period_has_ended_cannot_be_published(api, outbox, org):
    draft = api.post("/demands", demand_body(period_start="2020-06-05", period_end="2020-06-08"),
                     token=org["access_token"]).json
    response, _ = _publish(api, outbox, org["access_token"], draft["demand_id"])
    assert response.status_code == 400 and response.json["error"]["fields"][0]["path"] == "period_end"


@pytest.mark.parametrize("field,ok,bad", [
    ("title", "题" * 50, "题" * 51),
    ("content", "容" * 200, "容" * 201),
    ("volunteers_needed", 1, 0),
    ("volunteers_needed", 2, "2"),      # JSON types as the contract names them (schemathesis)
    ("volunteers_needed", 1, True),
    ("period_start", "2099-06-05", 0),  # lax parsing read 0 as 1970-01-01 and created the draft
    ("demand_type", "助老服务", "编程"),
    ("guarantees", ["餐饮保障", "志愿者保险"], ["住宿"]),
])
def test_content_limits_on_both_sides(api, outbox, org, field, ok, bad):
    assert api.post("/demands", demand_body(**{field: ok}), token=org["access_token"]).status_code == 201
    refused = api.post("/demands", demand_body(**{field: bad}), token=org["access_token"])
    assert refused.status_code == 400
    assert refused.json["error"]["fields"][0]["path"].startswith(field)


def test_other_type_text_is_limited_and_only_for_other(api, outbox, org):
    token = org["access_token"]
    assert api.post("/demands", demand_body(demand_type="其他", demand_type_other="小" * 20), token=token
                    ).status_code == 201
    assert api.post("/demands", demand_body(demand_type="其他", demand_type_other="小" * 21), token=token
                    ).status_code == 400
    assert api.post("/demands", demand_body(demand_type="助老服务", demand_type_other="x"), token=token
                    ).status_code == 400
    assert api.post("/demands", demand_body(period_start="2099-06-09", period_end="2099-06-08"), token=token
                    ).status_code == 400


def test_server_owned_fields_are_refused(api, outbox, org):
    for field, value in (("status", "open"), ("org_id", "x"), ("like_count", 99), ("published_at", "2020-01-01")):
        response = api.post("/demands", demand_body(**{field: value}), token=org["access_token"])
        assert response.status_code == 400 and response.json["error"]["fields"][0]["path"] == field


def test_the_leader_mobile_must_be_proven_and_is_shown_to_the_publisher_only(api, outbox, org):
    token = org["access_token"]
    draft = api.post("/demands", demand_body(), token=token).json
    unproven = api.post(f"/demands/{draft['demand_id']}/publish", {"org": org_block(next_phone(), None)}, token=token)
    assert unproven.status_code == 400 and unproven.json["error"]["fields"][0]["path"] == "org.leader_sms_code"
    published, leader = _publish(api, outbox, token, draft["demand_id"])
    assert published.status_code == 200 and published.json["status"] == "open"
    assert published.json["org"]["leader_mobile"] == leader
    other = league_org_session(api, "gd_other", "共青团广州市委员会")
    person = register_individual(api, outbox)
    for caller in (None, person["access_token"], other["access_token"]):
        detail = api.get(f"/demands/{draft['demand_id']}", token=caller)
        assert detail.status_code == 200
        text = json.dumps(detail.json, ensure_ascii=False)
        assert leader not in text and "99889988" not in text
        assert detail.json["org"]["leader_name"] == "李雷"
        listing = json.dumps(api.get("/demands", token=caller).json, ensure_ascii=False)
        assert leader not in listing and "99889988" not in listing


def test_publishing_twice_is_a_conflict(api, outbox, org):
    demand = publish_demand(api, outbox, org["access_token"])
    again, _ = _publish(api, outbox, org["access_token"], demand["demand_id"])
    assert again.status_code == 409


def test_another_org_cannot_publish_edit_or_close_my_demand(api, outbox, org):
    demand = publish_demand(api, outbox, org["access_token"])
    other = league_org_session(api, "gd_other", "共青团广州市委员会")
    before = Demand.get(demand["demand_id"]).updated_at
    did = demand["demand_id"]
    assert api.put(f"/demands/{did}", demand_body(title="改"), token=other["access_token"]).status_code == 404
    assert api.post(f"/demands/{did}/close", {}, token=other["access_token"]).status_code == 404
    assert api.get(f"/demands/{did}/timeline", token=other["access_token"]).status_code == 404
    assert Demand.get(did).updated_at == before


def test_an_edit_is_kept_in_the_timeline_until_someone_applies(api, outbox, org):
    token = org["access_token"]
    demand = publish_demand(api, outbox, token)
    did = demand["demand_id"]
    edited = api.put(f"/demands/{did}", demand_body(title="新的标题", volunteers_needed=9), token=token)
    assert edited.status_code == 200 and edited.json["title"] == "新的标题"
    incomplete = api.put(f"/demands/{did}", {"title": "只有标题"}, token=token)
    assert incomplete.status_code == 400
    timeline = api.get(f"/demands/{did}/timeline", token=token).json["items"]
    assert [e["action"] for e in timeline] == ["created", "published", "edited"]
    assert set(timeline[-1]["changed_fields"]) == {"title", "volunteers_needed"}
    Demand(did).update(actions=[Demand.application_count.set(1)])
    frozen = api.put(f"/demands/{did}", demand_body(title="再改"), token=token)
    assert frozen.status_code == 409 and frozen.json["error"]["code"] == "DEMAND_NOT_EDITABLE"
    assert Demand.get(did).title == "新的标题"


def test_closing_takes_a_demand_off_every_public_list(api, outbox, org):
    token = org["access_token"]
    demand = publish_demand(api, outbox, token)
    did = demand["demand_id"]
    assert [d["demand_id"] for d in api.get("/demands").json["items"]] == [did]
    closed = api.post(f"/demands/{did}/close", {"reason": "需求已由线下解决"}, token=token)
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    assert api.get("/demands").json["items"] == []
    assert api.get("/demands?city=深圳市").json["items"] == []
    assert api.get(f"/demands/{did}").status_code == 404
    assert api.post(f"/demands/{did}/close", {}, token=token).status_code == 409
    assert api.get("/me/demands?status=closed", token=token).json["items"][0]["demand_id"] == did
    assert api.get(f"/demands/{did}/timeline", token=token).json["items"][-1]["reason"] == "需求已由线下解决"


def test_the_progress_bar_follows_the_state(api, outbox, org):
    draft = api.post("/demands", demand_body(), token=org["access_token"]).json
    assert [s["done"] for s in draft["progress"]] == [False, False, False]
    demand = publish_demand(api, outbox, org["access_token"])
    assert [(s["label"], s["done"]) for s in demand["progress"]] == [
        ("发布需求", True), ("认领需求", False), ("发布活动", False)]


def test_my_demands_lists_every_state_and_filters(api, outbox, org):
    token = org["access_token"]
    published = publish_demand(api, outbox, token)
    draft = api.post("/demands", {"title": "草稿"}, token=token).json
    everything = [d["demand_id"] for d in api.get("/me/demands", token=token).json["items"]]
    assert everything == [draft["demand_id"], published["demand_id"]]
    assert [d["demand_id"] for d in api.get("/me/demands?status=open", token=token).json["items"]] == \
        [published["demand_id"]]
    assert api.get("/me/demands?status=bogus", token=token).status_code == 400


# --- 关联的求助需求 -------------------------------------------------------------------------------

def _help_request(api, outbox, org_id):

    person = register_individual(api, outbox)
    return person, submitted(api, outbox, person, org_id)


def _request_status(api, person, request_id):
    return api.get(f"/help-requests/{request_id}", token=person["access_token"]).json["status"]


def test_linking_adopts_help_requests_and_publishing_moves_them_to_awaiting_claim(api, outbox, org):
    token = org["access_token"]
    pending_owner, pending = _help_request(api, outbox, org["account_id"])
    adopted_owner, adopted = _help_request(api, outbox, org["account_id"])
    assert api.post(f"/help-requests/{adopted['request_id']}/adopt", token=token).status_code == 200
    ids = [pending["request_id"], adopted["request_id"]]
    draft = api.post("/demands", demand_body(linked_request_ids=ids), token=token)
    assert draft.status_code == 201 and draft.json["linked_request_ids"] == ids
    assert _request_status(api, pending_owner, ids[0]) == "adopted"
    assert _request_status(api, adopted_owner, ids[1]) == "adopted"
    published, _ = _publish(api, outbox, token, draft.json["demand_id"])
    assert published.status_code == 200
    assert _request_status(api, pending_owner, ids[0]) == "awaiting_claim"
    assert _request_status(api, adopted_owner, ids[1]) == "awaiting_claim"
    public = json.dumps(api.get(f"/demands/{draft.json['demand_id']}").json, ensure_ascii=False)
    assert ids[0] not in public and "赵小二" not in public


def test_another_orgs_or_an_already_linked_request_cannot_be_linked(api, outbox, org):
    token = org["access_token"]
    other = league_org_session(api, "gd_other", "共青团广州市委员会")
    _, foreign = _help_request(api, outbox, other["account_id"])
    refused = api.post("/demands", demand_body(linked_request_ids=[foreign["request_id"]]), token=token)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "HELP_REQUEST_NOT_LINKABLE"
    assert refused.json["error"]["fields"][0]["path"] == "linked_request_ids[0]"
    assert list(Demand.by_org.query(org["account_id"])) == []
    _, mine = _help_request(api, outbox, org["account_id"])
    assert api.post("/demands", demand_body(linked_request_ids=[mine["request_id"]]), token=token).status_code == 201
    twice = api.post("/demands", demand_body(linked_request_ids=[mine["request_id"]]), token=token)
    assert twice.status_code == 409 and twice.json["error"]["fields"][0]["path"] == "linked_request_ids[0]"


def test_dropping_a_link_or_closing_the_demand_frees_the_request(api, outbox, org):
    token = org["access_token"]
    owner, request = _help_request(api, outbox, org["account_id"])
    rid = request["request_id"]
    draft = api.post("/demands", demand_body(linked_request_ids=[rid]), token=token).json
    edited = api.put(f"/demands/{draft['demand_id']}", demand_body(), token=token)
    assert edited.status_code == 200 and edited.json["linked_request_ids"] == []
    assert _request_status(api, owner, rid) == "adopted"
    relinked = api.post("/demands", demand_body(linked_request_ids=[rid]), token=token).json
    assert api.post(f"/demands/{relinked['demand_id']}/close", {}, token=token).status_code == 200
    assert _request_status(api, owner, rid) == "adopted"
    assert api.post("/demands", demand_body(linked_request_ids=[rid]), token=token).status_code == 201


def test_the_todo_counters_equal_the_lists_they_count(api, outbox, org):
    token = org["access_token"]
    publish_demand(api, outbox, token)
    publish_demand(api, outbox, token)
    api.post("/demands", demand_body(), token=token)
    for _ in range(3):
        _help_request(api, outbox, org["account_id"])
    todo = api.get("/me/todo", token=token).json
    assert todo == {"role": "league_org", "awaiting_claim": 2, "pending_help_requests": 3, "pending_claims": 0,
                    "ratings_owed": 0}
    assert len(api.get("/me/demands?status=open", token=token).json["items"]) == 2
    assert len(api.get("/me/help-request-inbox?status=pending", token=token).json["items"]) == 3
    person = register_individual(api, outbox)
    assert api.get("/me/todo", token=person["access_token"]).status_code == 403


@pytest.mark.parametrize("field,ok,bad", [
    ("leader_name", "李" * 20, "李" * 21),
    ("services_content", "数" * 200, "数" * 201),
    ("org_name", "团" * 100, "团" * 101),
    ("landline", "057199889988", "12345"),
])
def test_organization_block_limits_on_both_sides(api, outbox, org, field, ok, bad):
    token = org["access_token"]
    refused_draft = api.post("/demands", demand_body(), token=token).json
    refused, _ = _publish(api, outbox, token, refused_draft["demand_id"], **{field: bad})
    assert refused.status_code == 400
    assert refused.json["error"]["fields"][0]["path"] == f"org.{field}"
    assert Demand.get(refused_draft["demand_id"]).status == "draft"
    accepted, _ = _publish(api, outbox, token, refused_draft["demand_id"], **{field: ok})
    assert accepted.status_code == 200, accepted.json


def test_the_region_of_the_organization_block_needs_a_district_in_guangdong(api, outbox, org):
    token = org["access_token"]
    draft = api.post("/demands", demand_body(), token=token).json
    for region, path in (({"province": "广东省", "city": "深圳市"}, "org.region.district"),
                         ({"province": "湖南省", "city": "深圳市", "district": "罗湖区"}, "org.region.province"),
                         ({"province": "广东省", "city": "长沙市", "district": "x"}, "org.region.city")):
        refused, _ = _publish(api, outbox, token, draft["demand_id"], region=region)
        assert refused.status_code == 400 and refused.json["error"]["fields"][0]["path"] == path
