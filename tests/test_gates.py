"""List gates (chalicelib/data/gates.py): each list under a demand or an activity is one Query whose first
item, the gate, decides who may read it; the gates follow the demand's visibility in every transaction
that changes it, never show in a list, and their stream records change nothing."""
from __future__ import annotations

import pytest

from chalicelib.data.demands import Demand, DemandEvent
from chalicelib.data.gates import (
    GATE_KEY,
    ActivitiesGate,
    ClaimsGate,
    RatingsGate,
    RosterGate,
    TimelineGate,
    activities_gate_id,
)
from chalicelib.data.notifications import Notification
from chalicelib.data.ratings import RatingSheet
from chalicelib.events import demand_events_stream, ratings_stream
from chalicelib.events.parking import parked
from tests import streams
from tests.helpers import (
    assert_gates_follow,
    claimed_demand,
    demand_body,
    league_org_session,
    operator_token,
    publish_demand,
    published,
    register_individual,
    signed_up,
    volunteer,
)

PUBLIC_LISTS = ("claims", "activities", "ratings")


@pytest.fixture
def world(api, outbox, now):
    publisher = league_org_session(api)
    did, org, claim = claimed_demand(api, outbox, publisher["access_token"])
    return {"publisher": publisher["access_token"], "did": did, "org": org, "claim": claim}


def statuses(api, demand_id: str, token: str | None = None) -> list[int]:
    return [api.get(f"/demands/{demand_id}/{name}", token=token).status_code for name in PUBLIC_LISTS]


def report_three_times(api, outbox, demand_id: str) -> None:
    for _ in range(3):
        reporter = register_individual(api, outbox)["access_token"]
        assert api.post(f"/demands/{demand_id}/reports", {"reason": "false_information"},
                        token=reporter).status_code == 201


# ---------------------------------------------------------------- visibility

def test_a_hidden_demands_lists_are_not_found_to_the_public_after_the_hide_and_back_after_dismiss(api, outbox,
                                                                                                   world):
    did, owner = world["did"], world["publisher"]
    published(api, world["org"], did)
    assert statuses(api, did) == [200, 200, 200]
    assert [c["account_id"] for c in api.get(f"/demands/{did}/claims").json["items"]] == [world["org"]["account_id"]]
    assert_gates_follow(did)

    report_three_times(api, outbox, did)
    assert_gates_follow(did)
    assert statuses(api, did) == [404, 404, 404]
    assert statuses(api, did, world["org"]["token"]) == [404, 404, 404]   # the claimant is not the owner
    assert statuses(api, did, owner) == [200, 200, 200]
    operator = operator_token(api)
    assert statuses(api, did, operator) == [200, 200, 200]

    assert api.post(f"/admin/demands/{did}/reports/dismiss", {"note": "属实"}, token=operator).status_code == 200
    assert_gates_follow(did)
    assert statuses(api, did) == [200, 200, 200]
    assert len(api.get(f"/demands/{did}/activities").json["items"]) == 1

    report_three_times(api, outbox, did)
    assert api.post(f"/admin/demands/{did}/reports/uphold", {"note": "违规"}, token=operator).status_code == 200
    assert_gates_follow(did)
    assert statuses(api, did) == [404, 404, 404]


def test_a_draft_and_a_closed_demand_keep_their_lists_to_the_owner(api, outbox):
    owner = league_org_session(api)["access_token"]
    draft = api.post("/demands", demand_body(), token=owner).json["demand_id"]
    assert_gates_follow(draft)
    assert statuses(api, draft) == [404, 404, 404] and statuses(api, draft, owner) == [200, 200, 200]

    did = publish_demand(api, outbox, owner)["demand_id"]
    assert_gates_follow(did)
    assert statuses(api, did) == [200, 200, 200]
    assert api.post(f"/demands/{did}/close", {}, token=owner).status_code == 200
    assert_gates_follow(did)
    assert statuses(api, did) == [404, 404, 404] and statuses(api, did, owner) == [200, 200, 200]
    assert api.get(f"/demands/{'0' * 32}/claims").status_code == 404


def test_the_timeline_is_the_owners_and_the_operators_and_shows_no_gate(api, outbox):
    owner = league_org_session(api)["access_token"]
    did = publish_demand(api, outbox, owner)["demand_id"]
    events = api.get(f"/demands/{did}/timeline", token=owner).json["items"]
    assert [e["action"] for e in events] == ["created", "published"]
    assert api.get(f"/demands/{did}/timeline", token=operator_token(api)).json["items"] == events
    other = league_org_session(api, "gd_gz_tw", "中国共产主义青年团广州市委员会")["access_token"]
    assert api.get(f"/demands/{did}/timeline", token=other).status_code == 404
    assert api.get(f"/demands/{'0' * 32}/timeline", token=owner).status_code == 404


# ---------------------------------------------------------------- one Query, pages, no gate elsewhere

def test_the_roster_is_one_query_a_page_and_later_pages_carry_no_gate(api, outbox, world, dynamodb_calls):
    aid = published(api, world["org"], world["did"])["activity_id"]
    volunteers = {signed_up(api, outbox, aid)["account_id"] for _ in range(3)}
    token = world["org"]["token"]
    seen, cursor, requests = [], None, []
    while True:
        calls = dynamodb_calls()
        page = api.get(f"/activities/{aid}/signups?limit=1" + (f"&cursor={cursor}" if cursor else ""), token=token)
        requests.append([c.label for c in calls])
        seen += page.json["items"]
        cursor = page.json["next_cursor"]
        if cursor is None:
            break
    assert requests and all(r == ["Query activity_signups"] for r in requests)
    assert sorted(s["volunteer_id"] for s in seen) == sorted(volunteers)
    other = volunteer(api, outbox)["token"]
    assert api.get(f"/activities/{aid}/signups", token=other).status_code == 404


def test_a_demands_activities_page_by_page_with_the_gate_on_none(api, outbox, world, dynamodb_calls):
    made = [published(api, world["org"], world["did"])["activity_id"] for _ in range(3)]
    seen, cursor = [], None
    while True:
        calls = dynamodb_calls()
        page = api.get(f"/demands/{world['did']}/activities?limit=2" + (f"&cursor={cursor}" if cursor else "")).json
        assert [c.label for c in calls] == ["Query activities.by_demand"]
        seen += [a["activity_id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(made)   # every activity once (one frozen clock: created at the same time)
    gate_id = activities_gate_id(world["did"])
    assert api.get(f"/activities/{gate_id}").status_code == 404
    volunteer_token = register_individual(api, outbox)["access_token"]
    refused = api.post(f"/activities/{gate_id}/signups", {}, token=volunteer_token)   # the gate is no activity
    assert refused.status_code == 404 and refused.json["error"]["code"] == "NOT_FOUND"


def test_an_operator_reads_reports_with_one_query_and_an_unknown_demand_has_none(api, dynamodb_calls):
    operator = operator_token(api)
    calls = dynamodb_calls()
    answer = api.get(f"/admin/demands/{'0' * 32}/reports", token=operator)
    assert answer.status_code == 200 and answer.json["items"] == []
    assert [c.label for c in calls] == ["Query reports"]


# ---------------------------------------------------------------- before gates existed

@pytest.mark.parametrize("hidden", [False, True])
def test_a_demand_without_gates_is_authorized_by_reading_it(api, outbox, world, dynamodb_calls, hidden):
    did = world["did"]
    aid = published(api, world["org"], did)["activity_id"]
    for gate in (TimelineGate.get(did, GATE_KEY), ClaimsGate.get(did, GATE_KEY), RatingsGate.get(did, GATE_KEY),
                 ActivitiesGate.get(activities_gate_id(did)), RosterGate.get(aid, GATE_KEY)):
        gate.delete()
    if hidden:
        Demand(did).update(actions=[Demand.hidden.set(True), Demand.feed.remove(), Demand.feed_city.remove()])
    calls = dynamodb_calls()
    assert statuses(api, did) == ([404] * 3 if hidden else [200] * 3)
    assert [c.label for c in calls] == [
        "Query claims.by_confirmed_demand", "GetItem demands", "Query activities.by_demand", "GetItem demands",
        "Query ratings", "GetItem demands"]
    assert statuses(api, did, world["publisher"]) == [200, 200, 200]
    assert api.get(f"/demands/{did}/timeline", token=world["publisher"]).status_code == 200
    assert api.get(f"/demands/{did}/timeline", token=world["org"]["token"]).status_code == 403   # a volunteer org
    assert api.get(f"/activities/{aid}/signups", token=world["org"]["token"]).status_code == 200
    assert api.get(f"/activities/{aid}/signups", token=volunteer(api, outbox)["token"]).status_code == 404


# ---------------------------------------------------------------- streams

def test_gate_writes_on_the_streams_change_nothing_even_when_delivered_twice(api, outbox, world):
    did = world["did"]
    report_three_times(api, outbox, did)   # rewrites the ratings gate (hidden)
    timeline_gates = [r for r in streams.stream_records(DemandEvent)
                      if r["dynamodb"]["Keys"]["event_key"] == {"S": GATE_KEY}]
    ratings_gates = [r for r in streams.stream_records(RatingSheet)
                     if r["dynamodb"]["Keys"]["applicant_id"] == {"S": GATE_KEY}]
    assert timeline_gates and len(ratings_gates) >= 3   # created, published, hidden (per demand)
    before = list(Notification.scan())   # test-only: the whole (small) table
    for _ in range(2):
        assert streams.invoke(api, "demand_events_stream", timeline_gates) == {"batchItemFailures": []}
        assert streams.invoke(api, "ratings_stream", ratings_gates) == {"batchItemFailures": []}
    assert list(Notification.scan()) == before
    assert parked(demand_events_stream.SOURCE) == [] and parked(ratings_stream.SOURCE) == []
