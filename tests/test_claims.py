"""Claims (认领): apply, confirm, return, withdraw; who may do each; the leader's contacts; lists and counters."""
from __future__ import annotations

import json
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from chalicelib import clock
from chalicelib.auth.principal import Principal
from chalicelib.data.claims import Claim, ClaimQuota, ContactRead, claim_id
from chalicelib.data.demands import PUBLIC_FEED, Demand, DemandEvent
from chalicelib.reference import DemandStatus, Role
from chalicelib.services import claims
from tests.builders import (
    PROFILE,
    actions,
    activity_body,
    applied,
    apply,
    attempt,
    code,
    demand_body,
    league_org_session,
    make_league_org,
    open_demand,
    operator_token,
    publish_demand,
    register_individual,
    submitted,
    volunteer,
    volunteer_item,
)

# ---------------------------------------------------------------- helpers

@pytest.fixture
def publisher(api):
    return league_org_session(api)


def stored(claim: dict) -> Claim:
    return Claim.get(claim["demand_id"], claim["applicant"]["account_id"])


def demand_of(demand_id: str) -> Demand:
    return Demand.get(demand_id)


# ---------------------------------------------------------------- the happy path

def test_apply_then_confirm_with_snapshot_lists_counters_and_timeline(api, outbox, publisher):
    token = publisher["access_token"]
    demand = publish_demand(api, outbox, token)
    did = demand["demand_id"]
    org = volunteer(api, outbox)
    claim = applied(api, org, did)
    assert claim["status"] == "pending" and claim["status_label"] == "申请认领中"
    assert claim["claim_id"] == f"{did}.{org['account_id']}"
    assert claim["applicant"] == {"account_id": org["account_id"], "org_name": "深圳市义工联合会",
                                  "region": PROFILE["region"], "service_areas": PROFILE["service_areas"],
                                  "volunteer_count": 120, "advantages": PROFILE["advantages"]}
    assert demand_of(did).application_count == 1
    assert api.put(f"/demands/{did}", demand_body(title="改"), token=token).json["error"]["code"] == \
        "DEMAND_NOT_EDITABLE"

    inbox = api.get("/me/claim-inbox", token=token).json["items"]
    assert [c["claim_id"] for c in inbox] == [claim["claim_id"]] and inbox[0]["applicant"]["volunteer_count"] == 120
    assert [c["claim_id"] for c in api.get("/me/claims", token=org["token"]).json["items"]] == [claim["claim_id"]]
    assert api.get("/me/claims?status=confirmed", token=org["token"]).json["items"] == []
    assert api.get("/me/todo", token=token).json == {"role": "league_org", "awaiting_claim": 1,
                                                     "pending_help_requests": 0, "pending_claims": 1,
                                                     "ratings_owed": 0}
    assert api.get("/me/todo", token=org["token"]).json == {"role": "volunteer_org", "pending_applications": 1,
                                                            "ratings_owed": 0}
    assert api.get(f"/demands/{did}/claims").json == {"items": []}

    confirmed = api.post(f"/claims/{claim['claim_id']}/confirm", token=token)
    assert confirmed.status_code == 200, confirmed.json
    assert confirmed.json["status"] == "confirmed" and confirmed.json["confirmed_at"]
    assert demand_of(did).status == "claimed"
    assert api.get("/me/todo", token=token).json == {"role": "league_org", "awaiting_claim": 0,
                                                     "pending_help_requests": 0, "pending_claims": 0,
                                                     "ratings_owed": 1}
    assert api.get("/me/todo", token=org["token"]).json == {"role": "volunteer_org", "pending_applications": 0,
                                                            "ratings_owed": 1}
    public = api.get(f"/demands/{did}/claims").json["items"]
    assert public == [{"account_id": org["account_id"], "org_name": "深圳市义工联合会",
                       "confirmed_at": confirmed.json["confirmed_at"]}]
    assert [c["status"] for c in api.get("/me/claims?status=confirmed", token=org["token"]).json["items"]] == \
        ["confirmed"]
    assert actions(api, token, did) == [("created", None, "draft", None), ("published", "draft", "open", None),
                                        ("claim_applied", None, "pending", None),
                                        ("claimed", "open", "claimed", None),
                                        ("claim_confirmed", "pending", "confirmed", None)]
    assert api.get(f"/demands/{did}").json["progress"][1] == {"step": 2, "label": "认领需求", "done": True}


def test_confirming_one_returns_every_other_pending_application_with_the_reason(api, outbox, publisher):
    token = publisher["access_token"]
    did = publish_demand(api, outbox, token)["demand_id"]
    orgs = [volunteer(api, outbox) for _ in range(3)]
    mine = [applied(api, org, did) for org in orgs]
    assert api.post(f"/claims/{mine[1]['claim_id']}/confirm", token=token).status_code == 200
    statuses = [(stored(c).status, stored(c).reason) for c in mine]
    assert statuses == [("returned", "已由其他组织认领"), ("confirmed", None), ("returned", "已由其他组织认领")]
    seen = api.get("/me/claims?status=returned", token=orgs[0]["token"]).json["items"]
    assert seen[0]["reason"] == "已由其他组织认领" and seen[0]["status_label"] == "认领失败"
    assert demand_of(did).application_count == 1
    assert [ClaimQuota.get(o["account_id"]).pending for o in orgs] == [0, 0, 0]
    returned = [a for a in actions(api, token, did) if a[0] == "claim_returned"]
    assert returned == [("claim_returned", "pending", "returned", "已由其他组织认领")] * 2
    late = volunteer(api, outbox)
    assert code(apply(api, late, did)) == "DEMAND_ALREADY_CLAIMED"


def test_return_needs_a_reason_and_the_org_may_apply_again(api, outbox, publisher):
    token = publisher["access_token"]
    did = publish_demand(api, outbox, token)["demand_id"]
    org = volunteer(api, outbox)
    claim = applied(api, org, did)
    for body in ({}, {"reason": ""}, {"reason": "理" * 201}):
        assert api.post(f"/claims/{claim['claim_id']}/return", body, token=token).status_code == 400
    assert stored(claim).status == "pending"
    returned = api.post(f"/claims/{claim['claim_id']}/return", {"reason": "服务时间不匹配"}, token=token)
    assert returned.status_code == 200 and returned.json["status"] == "returned"
    assert returned.json["reason"] == "服务时间不匹配" and returned.json["ended_at"]
    assert demand_of(did).application_count == 0 and ClaimQuota.get(org["account_id"]).pending == 0
    assert ("claim_returned", "pending", "returned", "服务时间不匹配") in actions(api, token, did)
    again = apply(api, org, did, "我们调整了时间")
    assert again.status_code == 201 and again.json["status"] == "pending" and again.json["reason"] is None


# ---------------------------------------------------------------- who may do what

def _everyone_else(api, outbox):
    other_league = league_org_session(api, "gd_other", "共青团广州市委员会")
    return {
        "anonymous": None,
        "individual": register_individual(api, outbox)["access_token"],
        "operator": operator_token(api, "op_claims"),
        "other_league": other_league["access_token"],
        "other_volunteer": volunteer(api, outbox)["token"],
    }


def test_each_transition_is_refused_to_everyone_but_its_owner_and_changes_nothing(api, outbox, publisher):
    token = publisher["access_token"]
    did = publish_demand(api, outbox, token)["demand_id"]
    org = volunteer(api, outbox)
    claim = applied(api, org, did)
    cid = claim["claim_id"]
    callers = _everyone_else(api, outbox)
    expected = {  # route → caller → status
        "confirm": {"anonymous": 401, "individual": 403, "operator": 403, "other_league": 404,
                    "other_volunteer": 403, "applicant": 403},
        "return": {"anonymous": 401, "individual": 403, "operator": 403, "other_league": 404,
                   "other_volunteer": 403, "applicant": 403},
        "withdraw": {"anonymous": 401, "individual": 403, "operator": 403, "other_league": 403,
                     "other_volunteer": 404, "publisher": 403},
    }
    tokens = {**callers, "applicant": org["token"], "publisher": token}
    before = (stored(claim).serialize(), demand_of(did).status, demand_of(did).application_count)
    for route, table in expected.items():
        for who, status in table.items():
            response = api.post(f"/claims/{cid}/{route}", {"reason": "理由"} if route != "confirm" else None,
                                token=tokens[who])
            assert response.status_code == status, (route, who, response.json)
    after = (stored(claim).serialize(), demand_of(did).status, demand_of(did).application_count)
    assert after == before
    for who in ("anonymous", "individual", "operator", "other_league"):
        status = 401 if who == "anonymous" else 403
        assert apply(api, {"token": callers[who]}, did).status_code == status
    assert Claim.count(did) == 1
    for who, tok in callers.items():
        if tok is not None and who != "other_volunteer":
            assert api.get("/me/claims", token=tok).status_code == 403
        if tok is not None and who != "other_league":
            assert api.get("/me/claim-inbox", token=tok).status_code == 403
    assert api.get("/me/claim-inbox", token=callers["other_league"]).json["items"] == []
    assert api.get("/me/claims", token=callers["other_volunteer"]).json["items"] == []
    for bad in ("nope", f"{did}.", f"{did}.{'0' * 32}", "x" * 129):
        assert api.post(f"/claims/{bad}/confirm", token=token).status_code == 404


def test_an_unapproved_or_unprofiled_org_cannot_apply(api, outbox, publisher):
    did = publish_demand(api, outbox, publisher["access_token"])["demand_id"]
    bare = volunteer(api, outbox, profile=False)
    refused = apply(api, bare, did)
    assert refused.status_code == 403 and code(refused) == "ORG_PROFILE_INCOMPLETE"
    assert Claim.count(did) == 0 and demand_of(did).application_count == 0


def test_state_conflicts(api, outbox, publisher):
    token = publisher["access_token"]
    did = publish_demand(api, outbox, token)["demand_id"]
    org = volunteer(api, outbox)
    claim = applied(api, org, did)
    twice = apply(api, org, did)
    assert twice.status_code == 409 and code(twice) == "CLAIM_ALREADY_APPLIED"
    assert demand_of(did).application_count == 1 and ClaimQuota.get(org["account_id"]).pending == 1

    withdrawn = api.post(f"/claims/{claim['claim_id']}/withdraw", {}, token=org["token"])
    assert withdrawn.status_code == 200 and withdrawn.json["status"] == "withdrawn"
    for route in ("confirm", "return"):
        conflict = api.post(f"/claims/{claim['claim_id']}/{route}", {"reason": "x"} if route == "return" else None,
                            token=token)
        assert conflict.status_code == 409 and code(conflict) == "STATE_CONFLICT"
    assert code(api.post(f"/claims/{claim['claim_id']}/withdraw", {}, token=org["token"])) == "STATE_CONFLICT"
    assert stored(claim).status == "withdrawn" and demand_of(did).status == "open"

    draft = api.post("/demands", demand_body(), token=token).json["demand_id"]
    assert apply(api, org, draft).status_code == 404
    closed = publish_demand(api, outbox, token)["demand_id"]
    assert api.post(f"/demands/{closed}/close", {}, token=token).status_code == 200
    assert apply(api, org, closed).status_code == 404
    assert apply(api, org, "0" * 32).status_code == 404
    assert Claim.count(draft) == 0 and Claim.count(closed) == 0


def test_at_most_five_pending_applications_per_org(api, outbox, publisher):
    token = publisher["access_token"]
    org = volunteer(api, outbox)
    ids = [publish_demand(api, outbox, token)["demand_id"] for _ in range(6)]
    first = [applied(api, org, did) for did in ids[:5]]
    sixth = apply(api, org, ids[5])
    assert sixth.status_code == 409 and code(sixth) == "CLAIM_PENDING_LIMIT"
    assert Claim.count(ids[5]) == 0 and demand_of(ids[5]).application_count == 0
    assert api.get("/me/todo", token=org["token"]).json == {"role": "volunteer_org", "pending_applications": 5,
                                                            "ratings_owed": 0}
    api.post(f"/claims/{first[0]['claim_id']}/withdraw", {}, token=org["token"])
    assert apply(api, org, ids[5]).status_code == 201
    assert ClaimQuota.get(org["account_id"]).pending == 5


def test_withdrawing_a_confirmed_claim_reopens_the_demand_until_an_activity_exists(api, outbox, publisher):
    token = publisher["access_token"]
    did = publish_demand(api, outbox, token)["demand_id"]
    org = volunteer(api, outbox)
    claim = applied(api, org, did)
    api.post(f"/claims/{claim['claim_id']}/confirm", token=token)
    back = api.post(f"/claims/{claim['claim_id']}/withdraw", {"reason": "人手不足"}, token=org["token"])
    assert back.status_code == 200 and back.json["status"] == "withdrawn" and back.json["reason"] == "人手不足"
    demand = demand_of(did)
    assert demand.status == "open" and demand.feed == PUBLIC_FEED and demand.application_count == 0
    assert [d["demand_id"] for d in api.get("/demands").json["items"]] == [did]
    assert api.get(f"/demands/{did}/claims").json["items"] == []
    assert api.get("/me/todo", token=token).json["awaiting_claim"] == 1
    assert {("claim_withdrawn", "confirmed", "withdrawn", "人手不足"), ("unclaimed", "claimed", "open", "人手不足")} \
        <= set(actions(api, token, did))

    claim = applied(api, org, did)
    api.post(f"/claims/{claim['claim_id']}/confirm", token=token)
    Demand(did).update(actions=[Demand.status.set(DemandStatus.IN_SERVICE.value)])  # the activities issue does this
    refused = api.post(f"/claims/{claim['claim_id']}/withdraw", {}, token=org["token"])
    assert refused.status_code == 409 and code(refused) == "CLAIM_NOT_WITHDRAWABLE"
    assert stored(claim).status == "confirmed" and demand_of(did).status == "in_service"


# ---------------------------------------------------------------- the leader's contacts

def _responses(api, token, did) -> list:
    paths = [f"/demands/{did}", "/demands", "/demands/recommended", f"/demands/{did}/claims", "/me/claims",
             "/me/claim-inbox", "/me/favorites", "/volunteer-orgs"]
    return [api.get(path, token=token) for path in paths]


def _leaks(api, token, did, secrets_: tuple[str, ...]) -> list[str]:
    texts = [json.dumps(r.json, ensure_ascii=False) for r in _responses(api, token, did)]
    return [s for s in secrets_ for t in texts if s in t]


def test_the_leader_contacts_are_seen_by_the_publisher_and_the_confirmed_claimant_only(api, outbox, publisher):
    token = publisher["access_token"]
    demand = publish_demand(api, outbox, token)
    did, leader, landline = demand["demand_id"], demand["org"]["leader_mobile"], demand["org"]["landline"]
    hidden = (leader, landline)
    claimant, loser = volunteer(api, outbox), volunteer(api, outbox)
    winning, losing = applied(api, claimant, did), applied(api, loser, did)
    others = _everyone_else(api, outbox)
    for who, tok in {**others, "pending claimant": claimant["token"], "pending loser": loser["token"]}.items():
        assert _leaks(api, tok, did, hidden) == [], who
    assert api.get(f"/demands/{did}", token=token).json["org"]["leader_mobile"] == leader

    api.post(f"/claims/{winning['claim_id']}/confirm", token=token)
    detail = api.get(f"/demands/{did}", token=claimant["token"]).json
    assert detail["org"]["leader_mobile"] == leader and detail["org"]["landline"] == landline
    assert "linked_request_ids" not in detail and "application_count" not in detail
    reads = list(ContactRead.query(did))
    assert [(r.reader_id, r.demand_id) for r in reads] == [(claimant["account_id"], did)]
    for who, tok in {**others, "returned loser": loser["token"]}.items():
        assert _leaks(api, tok, did, hidden) == [], who
    assert stored(losing).status == "returned"

    api.post(f"/claims/{winning['claim_id']}/withdraw", {}, token=claimant["token"])
    assert _leaks(api, claimant["token"], did, hidden) == []
    assert len(list(ContactRead.query(did))) == 1
    assert api.get(f"/demands/{did}", token=token).json["org"]["landline"] == landline


def test_after_withdrawal_the_former_claimant_no_longer_sees_the_leader_mobile(api, outbox, publisher,
                                                                               dynamodb_calls):
    token = publisher["access_token"]
    demand = publish_demand(api, outbox, token)
    did, leader = demand["demand_id"], demand["org"]["leader_mobile"]
    first, second = volunteer(api, outbox), volunteer(api, outbox)
    claim = applied(api, first, did)
    api.post(f"/claims/{claim['claim_id']}/confirm", token=token)
    assert demand_of(did).confirmed_applicant_id == first["account_id"]
    calls = dynamodb_calls()
    assert api.get(f"/demands/{did}", token=first["token"]).json["org"]["leader_mobile"] == leader
    # The caller's own claim rides in the detail's one batch (its my_claim), the contacts' audit is one put.
    assert [(c.operation, c.table) for c in calls] == [("BatchGetItem", "claims+demands+reactions"),
                                                       ("PutItem", "contact_reads")]

    api.post(f"/claims/{claim['claim_id']}/withdraw", {}, token=first["token"])
    assert demand_of(did).confirmed_applicant_id is None
    assert "leader_mobile" not in api.get(f"/demands/{did}", token=first["token"]).json.get("org", {})
    assert _leaks(api, first["token"], did, (leader,)) == []

    again = applied(api, second, did)
    api.post(f"/claims/{again['claim_id']}/confirm", token=token)
    assert api.get(f"/demands/{did}", token=second["token"]).json["org"]["leader_mobile"] == leader
    assert _leaks(api, first["token"], did, (leader,)) == []
    assert [r.reader_id for r in sorted(ContactRead.query(did), key=lambda r: r.at)] == \
        [first["account_id"], second["account_id"]]


def test_a_claimants_many_reads_of_the_leader_contacts_in_one_day_leave_one_audit_item(api, outbox, publisher, now,
                                                                                        dynamodb_calls):
    """Issue 21: one reveal per claimant, demand and CST day, in the same one request per read."""
    token = publisher["access_token"]
    did = publish_demand(api, outbox, token)["demand_id"]
    claimant = volunteer(api, outbox)
    api.post(f"/claims/{applied(api, claimant, did)['claim_id']}/confirm", token=token)
    now.at = now.at.replace(hour=16, minute=30)   # 00:30 CST
    first_read = now.at
    for _ in range(100):
        calls = dynamodb_calls()
        assert "leader_mobile" in api.get(f"/demands/{did}", token=claimant["token"]).json["org"]
        assert [c.label for c in calls] == ["BatchGetItem claims+demands+reactions", "PutItem contact_reads"]
        now.at += timedelta(minutes=5)            # 100 reads over 8 h 20 min: still the same CST day
    reads = list(ContactRead.query(did))
    assert [(r.reader_id, r.at) for r in reads] == [(claimant["account_id"], first_read)]

    now.at = first_read + timedelta(days=1)       # the next CST day
    api.get(f"/demands/{did}", token=claimant["token"])
    api.get(f"/demands/{did}", token=claimant["token"])
    assert [r.at for r in ContactRead.query(did)] == [first_read, first_read + timedelta(days=1)]


# ---------------------------------------------------------------- linked help requests

def test_linked_help_requests_follow_the_claim(api, outbox, publisher):

    token = publisher["access_token"]
    person = register_individual(api, outbox)
    request = submitted(api, outbox, person, publisher["account_id"])
    rid = request["request_id"]
    did = publish_demand(api, outbox, token, linked_request_ids=[rid])["demand_id"]

    def status():
        return api.get(f"/help-requests/{rid}", token=person["access_token"]).json["status"]

    assert status() == "awaiting_claim"
    org = volunteer(api, outbox)
    claim = applied(api, org, did)
    assert status() == "awaiting_claim"
    api.post(f"/claims/{claim['claim_id']}/confirm", token=token)
    assert status() == "claimed"
    api.post(f"/claims/{claim['claim_id']}/withdraw", {}, token=org["token"])
    assert status() == "awaiting_claim"


# ---------------------------------------------------------------- lists

def test_lists_are_one_query_each_with_pages(api, outbox, publisher, count_queries):

    token = publisher["access_token"]
    org = volunteer(api, outbox)
    ids = [publish_demand(api, outbox, token)["demand_id"] for _ in range(3)]
    made = [applied(api, org, did) for did in ids]
    page = api.get("/me/claims?limit=2", token=org["token"]).json
    rest = api.get(f"/me/claims?limit=2&cursor={page['next_cursor']}", token=org["token"]).json
    assert [c["claim_id"] for c in page["items"] + rest["items"]] == [c["claim_id"] for c in reversed(made)]
    assert api.get(f"/me/claims?status=pending&cursor={page['next_cursor']}", token=org["token"]).status_code == 400
    inbox = api.get("/me/claim-inbox?limit=2", token=token).json
    assert len(inbox["items"]) == 2 and inbox["next_cursor"]
    assert api.get("/me/claim-inbox?status=bogus", token=token).status_code == 400

    calls = count_queries()
    api.get("/me/claims", token=org["token"])
    api.get("/me/claims?status=pending", token=org["token"])
    api.get("/me/claim-inbox", token=token)
    api.get(f"/demands/{ids[0]}/claims")
    assert calls == ["by_applicant", "by_applicant_status", "by_publisher_status", "by_confirmed_demand"]


# ---------------------------------------------------------------- races (moto's HTTP server)


def _pending_quota(account_id: str) -> int:
    try:
        return int(ClaimQuota.get(account_id).pending)
    except ClaimQuota.DoesNotExist:
        return 0


def test_racing_applications_and_confirmations_end_with_exactly_one_confirmed_claim(dynamodb_server, outbox):
    league = make_league_org(f"race_league_{secrets.token_hex(3)}")
    publisher = Principal(league.account_id, Role.LEAGUE_ORG)
    did = open_demand(league.account_id)
    orgs = [volunteer_item(i) for i in range(12)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        first = list(pool.map(lambda o: attempt(lambda: claims.apply(o, did, None)), orgs[:8]))
    assert [err for _, err in first] == [None] * 8
    assert Demand.get(did).application_count == 8

    def confirm_until_decided(claim_id):
        while True:
            result, err = attempt(lambda: claims.confirm(publisher, claim_id))
            if err != "STATE_CONFLICT" or Demand.get(did, consistent_read=True).status != "open":
                return result, err

    work = [lambda o=o: attempt(lambda: claims.apply(o, did, None)) for o in orgs[8:]]
    work += [lambda c=c: confirm_until_decided(claim_id(c.demand_id, c.applicant_id)) for c, _ in first]
    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(lambda w: w(), work))
    confirmations = outcomes[4:]
    winners = [c for c, _ in confirmations if c is not None]
    assert len(winners) == 1
    assert {err for _, err in confirmations if err} <= {"DEMAND_ALREADY_CLAIMED", "STATE_CONFLICT"}
    assert {err for _, err in outcomes[:4] if err} <= {"DEMAND_ALREADY_CLAIMED"}
    every = list(Claim.query(did, consistent_read=True))
    assert [c.status for c in every].count("confirmed") == 1
    assert {c.status for c in every} == {"confirmed", "returned"}
    demand = Demand.get(did, consistent_read=True)
    assert demand.status == "claimed" and demand.application_count == 1
    assert [_pending_quota(o.account_id) for o in orgs] == [0] * len(orgs)
    events = [e.action for e in DemandEvent.query(did)]
    assert events.count("claim_confirmed") == 1 and events.count("claimed") == 1
    assert events.count("claim_returned") == len(every) - 1


def test_racing_applications_of_one_org_never_exceed_its_pending_limit(dynamodb_server, outbox):
    league = make_league_org(f"race_league_{secrets.token_hex(3)}")
    ids = [open_demand(league.account_id) for _ in range(8)]
    org = volunteer_item(0)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda did: attempt(lambda: claims.apply(org, did, None)), ids))
    assert sum(1 for claim, _ in results if claim is not None) == claims.MAX_PENDING_PER_ORG
    assert {err for _, err in results if err} <= {"CLAIM_PENDING_LIMIT", "STATE_CONFLICT"}
    assert ClaimQuota.get(org.account_id).pending == claims.MAX_PENDING_PER_ORG
    assert sum(Claim.count(did) for did in ids) == claims.MAX_PENDING_PER_ORG
    assert sum(int(Demand.get(did).application_count) for did in ids) == claims.MAX_PENDING_PER_ORG


def test_a_demand_with_pending_applications_is_closed_only_after_they_are_returned(api, outbox, publisher):
    token = publisher["access_token"]
    did = publish_demand(api, outbox, token)["demand_id"]
    org = volunteer(api, outbox)
    claim = applied(api, org, did)
    refused = api.post(f"/demands/{did}/close", {}, token=token)
    assert refused.status_code == 409 and demand_of(did).status == "open"
    assert stored(claim).status == "pending"
    api.post(f"/claims/{claim['claim_id']}/return", {"reason": "需求已由线下解决"}, token=token)
    assert api.post(f"/demands/{did}/close", {}, token=token).status_code == 200
    assert ClaimQuota.get(org["account_id"]).pending == 0


def test_the_home_claims_tab_lists_confirmed_claims_of_visible_demands(api, outbox, publisher):
    token = publisher["access_token"]
    sz = publish_demand(api, outbox, token, city="深圳市", title="深圳需求")["demand_id"]
    gz = publish_demand(api, outbox, token, city="广州市", title="广州需求")["demand_id"]
    org = volunteer(api, outbox)
    sz_claim, gz_claim = applied(api, org, sz), applied(api, org, gz)
    assert api.get("/claims").json["items"] == []  # pending applications are not 认领信息
    for claim in (sz_claim, gz_claim):
        assert api.post(f"/claims/{claim['claim_id']}/confirm", token=token).status_code == 200
    feed = api.get("/claims").json["items"]
    assert [(c["demand_id"], c["claimant_name"]) for c in feed] == [(gz, "深圳市义工联合会"), (sz, "深圳市义工联合会")]
    assert [c["demand_id"] for c in api.get("/claims?city=深圳市").json["items"]] == [sz]
    text = json.dumps(api.get("/claims").json, ensure_ascii=False)
    assert org["phone"] not in text
    # Three reports hide the demand, and its claim leaves the tab with it; a dismissal brings both back.
    for _ in range(3):
        person = register_individual(api, outbox)
        api.post(f"/demands/{sz}/reports", {"reason": "false_information"}, token=person["access_token"])
    assert [c["demand_id"] for c in api.get("/claims").json["items"]] == [gz]
    operator = operator_token(api, "op_feed")
    api.post(f"/admin/demands/{sz}/reports/dismiss", {"note": "属实"}, token=operator)
    assert [c["demand_id"] for c in api.get("/claims").json["items"]] == [gz, sz]
    withdrawn = api.post(f"/claims/{gz_claim['claim_id']}/withdraw", {}, token=org["token"])
    assert withdrawn.status_code == 200
    assert [c["demand_id"] for c in api.get("/claims").json["items"]] == [sz]


def test_moderation_moves_the_confirmed_claim_by_the_key_the_demand_names(api, outbox, publisher, dynamodb_calls):
    token = publisher["access_token"]
    did = publish_demand(api, outbox, token, title="数学辅导")["demand_id"]
    org = volunteer(api, outbox)
    assert api.post(f"/claims/{applied(api, org, did)['claim_id']}/confirm", token=token).status_code == 200
    people = [register_individual(api, outbox)["access_token"] for _ in range(3)]
    for person in people[:2]:
        api.post(f"/demands/{did}/reports", {"reason": "false_information"}, token=person)
    calls = dynamodb_calls()
    api.post(f"/demands/{did}/reports", {"reason": "false_information"}, token=people[2])
    assert [c.operation for c in calls] == ["GetItem", "TransactWriteItems"]   # the hiding report: no Query
    assert api.get("/claims").json["items"] == []
    operator = operator_token(api, "op_keys")
    assert api.post(f"/admin/demands/{did}/reports/dismiss", {"note": "属实"}, token=operator).status_code == 200
    assert [c["demand_id"] for c in api.get("/claims").json["items"]] == [did]


# ---------------------------------------------------------------- 我的申请: 待评分 and the row facts

def _my_claims(api, org, query: str = "") -> dict:
    response = api.get(f"/me/claims{query}", token=org["token"])
    assert response.status_code == 200, response.json
    return {item["claim_id"]: item for item in response.json["items"]}


def test_a_claim_row_says_whether_its_caller_rated_and_whether_an_activity_was_published(api, outbox, publisher):

    token = publisher["access_token"]
    org = volunteer(api, outbox)
    did = publish_demand(api, outbox, token)["demand_id"]
    cid = applied(api, org, did)["claim_id"]
    confirmed = api.post(f"/claims/{cid}/confirm", token=token).json
    assert (confirmed["rated_by_me"], confirmed["activity_published"]) == (False, False)
    assert (_my_claims(api, org)[cid]["rated_by_me"], _my_claims(api, org)[cid]["activity_published"]) == (False, False)

    assert api.post(f"/claims/{cid}/ratings", {"score": 5}, token=org["token"]).status_code == 201
    assert _my_claims(api, org)[cid]["rated_by_me"] is True
    inbox = api.get("/me/claim-inbox?status=confirmed", token=token).json["items"]
    assert [(i["claim_id"], i["rated_by_me"]) for i in inbox] == [(cid, False)]   # the publisher has not rated
    assert api.post(f"/claims/{cid}/ratings", {"score": 4}, token=token).status_code == 201
    assert api.get("/me/claim-inbox?status=confirmed", token=token).json["items"][0]["rated_by_me"] is True

    assert api.post(f"/demands/{did}/activities", activity_body(), token=org["token"]).status_code == 201
    row = _my_claims(api, org)[cid]
    assert row["activity_published"] is True and row["rated_by_me"] is True
    assert _my_claims(api, org, "?status=confirmed")[cid]["activity_published"] is True


def test_the_to_rate_filter_lists_the_confirmed_claims_the_caller_still_owes_a_rating_on(api, outbox, publisher,
                                                                                         monkeypatch):
    token = publisher["access_token"]
    org = volunteer(api, outbox)
    cids = []
    for _ in range(3):
        did = publish_demand(api, outbox, token)["demand_id"]
        cids.append(applied(api, org, did)["claim_id"])
    for cid in cids[:2]:
        assert api.post(f"/claims/{cid}/confirm", token=token).status_code == 200
    assert list(_my_claims(api, org, "?status=to_rate")) == cids[:2]   # the pending one owes nothing
    assert all(r["status"] == "confirmed" and r["status_label"] == "认领成功"
               for r in _my_claims(api, org, "?status=to_rate").values())

    assert api.post(f"/claims/{cids[0]}/ratings", {"score": 5}, token=org["token"]).status_code == 201
    assert list(_my_claims(api, org, "?status=to_rate")) == [cids[1]]
    assert api.post(f"/claims/{cids[1]}/ratings", {"score": 5}, token=token).status_code == 201
    assert list(_my_claims(api, org, "?status=to_rate")) == [cids[1]]   # the publisher's rating is not the caller's

    page = api.get("/me/claims?status=to_rate&limit=1", token=org["token"]).json
    assert [i["claim_id"] for i in page["items"]] == [cids[1]]

    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + claims_window())
    assert _my_claims(api, org, "?status=to_rate") == {}                 # the window closed: nothing owed
    monkeypatch.setattr(clock, "now", real_now)

    refused = api.get("/me/claims?status=rated", token=org["token"])
    assert refused.status_code == 400 and refused.json["error"]["fields"][0]["path"] == "status"


def claims_window():
    from chalicelib.services.ratings import RATING_WINDOW
    return RATING_WINDOW


def test_a_pair_confirmed_again_keeps_its_rated_fact(api, outbox, publisher):
    token = publisher["access_token"]
    org = volunteer(api, outbox)
    did = publish_demand(api, outbox, token)["demand_id"]
    cid = applied(api, org, did)["claim_id"]
    assert api.post(f"/claims/{cid}/confirm", token=token).status_code == 200
    assert api.post(f"/claims/{cid}/ratings", {"score": 5}, token=org["token"]).status_code == 201
    assert api.post(f"/claims/{cid}/withdraw", {}, token=org["token"]).status_code == 200
    applied(api, org, did)
    assert api.post(f"/claims/{cid}/confirm", token=token).status_code == 200
    assert _my_claims(api, org)[cid]["rated_by_me"] is True            # one rating per side per claim, ever
    assert cid not in _my_claims(api, org, "?status=to_rate")


# ---------------------------------------------------------------- the demand detail's own claim (我要认领)

def test_the_demand_detail_tells_a_volunteer_org_its_own_claim_and_no_one_else_theirs(api, outbox, publisher):
    did = publish_demand(api, outbox, publisher["access_token"])["demand_id"]
    org, other = volunteer(api, outbox), volunteer(api, outbox)
    assert api.get(f"/demands/{did}", token=org["token"]).json["my_claim"] is None   # 我要认领 still offered

    claim = applied(api, org, did)
    mine = api.get(f"/demands/{did}", token=org["token"]).json["my_claim"]
    assert mine == {"claim_id": claim["claim_id"], "status": "pending", "status_label": "申请认领中"}
    # Another organization, the publisher, an individual and an anonymous reader learn nothing of it.
    person = register_individual(api, outbox)
    for token in (other["token"], publisher["access_token"], person["access_token"], None):
        assert api.get(f"/demands/{did}", token=token).json["my_claim"] is None

    api.post(f"/claims/{claim['claim_id']}/withdraw", {}, token=org["token"])
    assert api.get(f"/demands/{did}", token=org["token"]).json["my_claim"]["status"] == "withdrawn"


def test_the_confirmed_claimant_sees_its_claim_beside_the_leader_contacts(api, outbox, publisher):
    token = publisher["access_token"]
    did = publish_demand(api, outbox, token)["demand_id"]
    org = volunteer(api, outbox)
    claim = applied(api, org, did)
    assert api.post(f"/claims/{claim['claim_id']}/confirm", token=token).status_code == 200
    detail = api.get(f"/demands/{did}", token=org["token"]).json
    assert detail["my_claim"]["status"] == "confirmed" and detail["org"]["leader_mobile"]
