"""我的 待办 counters: one GetItem, moved by every counted transition in its own transaction, equal to the lists."""
from __future__ import annotations

import secrets
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from chalicelib import clock
from chalicelib.auth.principal import Principal
from chalicelib.data.claims import Claim, claim_id
from chalicelib.data.demands import Demand
from chalicelib.data.help_requests import HelpRequest, Transition
from chalicelib.data.ratings import RatingSheet
from chalicelib.data.todo_counters import TodoCounters
from chalicelib.reference import Role
from chalicelib.services import claims, ratings, todo_counters
from tests import streams
from tests.builders import (
    applied,
    attempt,
    demand_body,
    league_org_session,
    make_league_org,
    open_demand,
    publish_demand,
    register_individual,
    submitted,
    volunteer,
    volunteer_item,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import manage  # noqa: E402

LEAGUE_LISTS = {"awaiting_claim": "/me/demands?status=open", "pending_help_requests":
                "/me/help-request-inbox?status=pending", "pending_claims": "/me/claim-inbox?status=pending",
                "ratings_owed": "/me/ratings-owed"}
VOLUNTEER_LISTS = {"pending_applications": "/me/claims?status=pending", "ratings_owed": "/me/ratings-owed"}


def todo(api, token) -> dict:
    response = api.get("/me/todo", token=token)
    assert response.status_code == 200, response.json
    return response.json


def listed(api, token, lists) -> dict:
    return {name: len(api.get(f"{path}{'&' if '?' in path else '?'}limit=50", token=token).json["items"])
            for name, path in lists.items()}


def stored(account_id: str) -> dict:
    """The raw item: every number it holds is ≥ 0 (a negative one would be a bug in a transition)."""
    try:
        item = TodoCounters.get(account_id, consistent_read=True)
    except TodoCounters.DoesNotExist:
        return {}
    numbers = {name: int(getattr(item, name) or 0) for name in todo_counters.NUMBERS}
    assert min(numbers.values()) >= 0, numbers
    return numbers


def expect(api, league, orgs, league_counts: dict, org_counts: list[dict]) -> None:
    """Each counter has the value the step predicts, equals its list, and nothing stored is negative."""
    token = league["access_token"]
    assert todo(api, token) == league_counts == {"role": "league_org", **listed(api, token, LEAGUE_LISTS)}
    stored(league["account_id"])
    for org, counts in zip(orgs, org_counts, strict=True):
        lists = listed(api, org["token"], VOLUNTEER_LISTS)
        assert todo(api, org["token"]) == counts == {"role": "volunteer_org", **lists}
        stored(org["account_id"])


def league_counts(awaiting=0, help_requests=0, claims_=0, owed=0) -> dict:
    return {"role": "league_org", "awaiting_claim": awaiting, "pending_help_requests": help_requests,
            "pending_claims": claims_, "ratings_owed": owed}


def org_counts(pending=0, owed=0) -> dict:
    return {"role": "volunteer_org", "pending_applications": pending, "ratings_owed": owed}


# ---------------------------------------------------------------- one GetItem, zeros for a new account

def test_a_new_account_reads_zeros_with_one_getitem(api, outbox, dynamodb_calls):
    league = league_org_session(api)
    org = volunteer(api, outbox)
    calls = dynamodb_calls()
    assert todo(api, league["access_token"]) == league_counts()
    assert todo(api, org["token"]) == org_counts()
    assert [(c.operation, c.table) for c in calls] == [("GetItem", "todo_counters")] * 2


# ---------------------------------------------------------------- every transition moves the right counters

def test_every_transition_moves_exactly_its_counters(api, outbox):
    league = league_org_session(api)
    token = league["access_token"]
    person = register_individual(api, outbox)
    a, b = volunteer(api, outbox), volunteer(api, outbox)
    orgs = [a, b]

    # 初始需求: submit (+1 each), adopt and decline (−1 each), linking a pending one to a draft adopts it (−1).
    rids = [submitted(api, outbox, person, league["account_id"])["request_id"] for _ in range(4)]
    expect(api, league, orgs, league_counts(help_requests=4), [org_counts(), org_counts()])
    assert api.post(f"/help-requests/{rids[0]}/adopt", None, token=token).status_code == 200
    assert api.post(f"/help-requests/{rids[1]}/decline", {"reason": "不在服务范围"}, token=token).status_code == 200
    expect(api, league, orgs, league_counts(help_requests=2), [org_counts(), org_counts()])
    draft = api.post("/demands", demand_body(linked_request_ids=[rids[2]]), token=token)
    assert draft.status_code == 201, draft.json
    expect(api, league, orgs, league_counts(help_requests=1), [org_counts(), org_counts()])
    edited = api.put(f"/demands/{draft.json['demand_id']}", demand_body(linked_request_ids=[rids[2], rids[3]]),
                     token=token)
    assert edited.status_code == 200, edited.json
    expect(api, league, orgs, league_counts(), [org_counts(), org_counts()])

    # Demands: a draft closed moves nothing; publish +1 待认领.
    closed_draft = api.post(f"/demands/{draft.json['demand_id']}/close", {}, token=token)
    assert closed_draft.status_code == 200, closed_draft.json
    expect(api, league, orgs, league_counts(), [org_counts(), org_counts()])
    did = publish_demand(api, outbox, token)["demand_id"]
    expect(api, league, orgs, league_counts(awaiting=1), [org_counts(), org_counts()])

    # Claims: apply +1 on both sides, return and withdraw of a pending claim −1 on both sides.
    claim_a = applied(api, a, did)["claim_id"]
    claim_b = applied(api, b, did)["claim_id"]
    expect(api, league, orgs, league_counts(awaiting=1, claims_=2), [org_counts(1), org_counts(1)])
    assert api.post(f"/claims/{claim_b}/return", {"reason": "人数不符"}, token=token).status_code == 200
    expect(api, league, orgs, league_counts(awaiting=1, claims_=1), [org_counts(1), org_counts()])
    applied(api, b, did)
    assert api.post(f"/claims/{claim_b}/withdraw", {}, token=b["token"]).status_code == 200
    expect(api, league, orgs, league_counts(awaiting=1, claims_=1), [org_counts(1), org_counts()])

    # Confirm: 待认领 −1, the confirmed claim and every automatically returned one −1, both sides owe a rating.
    applied(api, b, did)
    assert api.post(f"/claims/{claim_a}/confirm", token=token).status_code == 200
    expect(api, league, orgs, league_counts(owed=1), [org_counts(owed=1), org_counts()])

    # Rate: the rater's 待评分 −1 only.
    assert api.post(f"/claims/{claim_a}/ratings", {"score": 5}, token=a["token"]).status_code == 201
    expect(api, league, orgs, league_counts(owed=1), [org_counts(), org_counts()])

    # Withdrawing the confirmed claim re-opens the demand (+1) and closes the sheet (nothing owed).
    assert api.post(f"/claims/{claim_a}/withdraw", {}, token=a["token"]).status_code == 200
    expect(api, league, orgs, league_counts(awaiting=1), [org_counts(), org_counts()])

    # Confirmed again: the sheet re-opens for the side that has not rated only.
    applied(api, a, did)
    assert api.post(f"/claims/{claim_a}/confirm", token=token).status_code == 200
    expect(api, league, orgs, league_counts(owed=1), [org_counts(), org_counts()])
    assert api.post(f"/claims/{claim_a}/ratings", {"score": 4}, token=token).status_code == 201
    expect(api, league, orgs, league_counts(), [org_counts(), org_counts()])

    # Closing an open demand −1.
    other = publish_demand(api, outbox, token)["demand_id"]
    expect(api, league, orgs, league_counts(awaiting=1), [org_counts(), org_counts()])
    assert api.post(f"/demands/{other}/close", {"reason": "不再需要"}, token=token).status_code == 200
    expect(api, league, orgs, league_counts(), [org_counts(), org_counts()])


def test_a_refused_transition_moves_nothing(api, outbox):
    league = league_org_session(api)
    token = league["access_token"]
    org = volunteer(api, outbox)
    did = publish_demand(api, outbox, token)["demand_id"]
    claim = applied(api, org, did)["claim_id"]
    before = stored(league["account_id"]), stored(org["account_id"])
    assert api.post(f"/demands/{did}/claims", {}, token=org["token"]).status_code == 409     # applied already
    assert api.post(f"/demands/{did}/close", {}, token=token).status_code == 409             # pending applications
    assert api.post(f"/claims/{claim}/withdraw", {}, token=org["token"]).status_code == 200
    assert api.post(f"/claims/{claim}/withdraw", {}, token=org["token"]).status_code == 409   # twice
    assert api.post(f"/claims/{claim}/confirm", token=token).status_code == 409
    assert stored(league["account_id"]) == {**before[0], "pending_claims": 0}
    assert stored(org["account_id"]) == {**before[1], "pending_applications": 0}


# ---------------------------------------------------------------- races

def _service_counts(account_id: str) -> dict:
    """What the lists hold (COUNT on the same indexes), next to what the item says."""
    return {"awaiting_claim": Demand.by_org_status.count(f"{account_id}#open"),
            "pending_claims": Claim.by_publisher_status.count(f"{account_id}#pending"),
            "pending_applications": Claim.by_applicant_status.count(f"{account_id}#pending")}


def _read(account_id: str) -> dict:
    todo = todo_counters.read(account_id)
    return {"awaiting_claim": todo.awaiting_claim, "pending_claims": todo.pending_claims,
            "pending_applications": todo.pending_applications}


def test_racing_confirmations_and_applications_leave_counters_equal_to_the_lists(dynamodb_server, outbox):
    league = make_league_org(f"race_todo_{secrets.token_hex(3)}")
    publisher = Principal(league.account_id, Role.LEAGUE_ORG)
    did = open_demand(league.account_id)
    _count_as_published(league.account_id)
    orgs = [volunteer_item(i) for i in range(6)]
    first = [claims.apply(o, did, None) for o in orgs[:4]]

    work = [lambda o=o: attempt(lambda: claims.apply(o, did, None)) for o in orgs[4:]]
    work += [lambda o=orgs[4]: attempt(lambda: claims.apply(o, did, None))]            # the same org twice
    work += [lambda c=claim_id(c.demand_id, c.applicant_id): attempt(lambda: claims.confirm(publisher, c))
             for c in first[:2]]
    with ThreadPoolExecutor(max_workers=len(work)) as pool:
        outcomes = list(pool.map(lambda w: w(), work))
    assert sum(1 for claim, _ in outcomes[-2:] if claim is not None) <= 1
    for account_id in [league.account_id, *(o.account_id for o in orgs)]:
        assert _read(account_id) == _service_counts(account_id), account_id
        stored(account_id)
    owed = todo_counters.read(league.account_id).ratings_owed
    assert owed == len(list(RatingSheet.publisher_owed_index.query(f"{league.account_id}#owed")))


def _count_as_published(org_id: str) -> None:
    """`open_demand` writes an open demand straight into the table: count it as publishing would."""
    from chalicelib.data.base import Transaction

    tx = Transaction()
    todo_counters.demand_moved(tx, org_id, "draft", "open")
    tx.commit()


def test_racing_ratings_of_both_sides_leave_nothing_owed(dynamodb_server, outbox):
    league = make_league_org(f"race_rate_{secrets.token_hex(3)}")
    publisher = Principal(league.account_id, Role.LEAGUE_ORG)
    did = open_demand(league.account_id)
    _count_as_published(league.account_id)
    claimant = volunteer_item(0)
    application = claims.apply(claimant, did, None)
    claim = claim_id(application.demand_id, application.applicant_id)
    claims.confirm(publisher, claim)
    assert [todo_counters.read(a).ratings_owed for a in (league.account_id, claimant.account_id)] == [1, 1]
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda p: ratings.rate(p, claim, 5, None), [publisher, claimant]))
    sheet = RatingSheet.get(did, claimant.account_id, consistent_read=True)
    assert sheet.revealed and sheet.publisher_owed is None and sheet.claimant_owed is None
    assert todo_counters.read(league.account_id).ratings_owed == 0
    assert not TodoCounters.get(claimant.account_id).ratings_owed
    assert not TodoCounters.get(league.account_id).ratings_owed


# ---------------------------------------------------------------- ratings owed end with the window

def test_a_rating_stops_being_owed_when_its_window_closes_with_no_job(api, outbox, monkeypatch):
    league = league_org_session(api)
    org = volunteer(api, outbox)
    did = publish_demand(api, outbox, league["access_token"])["demand_id"]
    claim = applied(api, org, did)["claim_id"]
    assert api.post(f"/claims/{claim}/confirm", token=league["access_token"]).status_code == 200
    confirmed_at = RatingSheet.get(did, org["account_id"]).confirmed_at

    monkeypatch.setattr(clock, "now", lambda: confirmed_at + ratings.RATING_WINDOW - timedelta(microseconds=1))
    assert todo(api, league["access_token"])["ratings_owed"] == 1 == listed(api, league["access_token"],
                                                                          LEAGUE_LISTS)["ratings_owed"]
    monkeypatch.setattr(clock, "now", lambda: confirmed_at + ratings.RATING_WINDOW)
    assert todo(api, league["access_token"])["ratings_owed"] == 0 == listed(api, league["access_token"],
                                                                          LEAGUE_LISTS)["ratings_owed"]
    assert todo(api, org["token"])["ratings_owed"] == 0
    assert len(TodoCounters.get(org["account_id"]).ratings_owed) == 1     # still stored, no longer counted

    # The hourly job drops the expired elements (bounding the set), and again changes nothing.
    monkeypatch.setattr(clock, "now", lambda: confirmed_at + ratings.RATING_WINDOW + timedelta(hours=1))
    assert ratings.reveal_due() == 1
    assert ratings.reveal_due() == 0
    assert not TodoCounters.get(org["account_id"]).ratings_owed
    assert not TodoCounters.get(league["account_id"]).ratings_owed


# ---------------------------------------------------------------- stream re-delivery

def test_redelivered_stream_records_change_no_counter(api, outbox):
    league = league_org_session(api)
    person = register_individual(api, outbox)
    org = volunteer(api, outbox)
    submitted(api, outbox, person, league["account_id"])
    did = publish_demand(api, outbox, league["access_token"])["demand_id"]
    claim = applied(api, org, did)["claim_id"]
    assert api.post(f"/claims/{claim}/confirm", token=league["access_token"]).status_code == 200
    assert api.post(f"/claims/{claim}/ratings", {"score": 5}, token=org["token"]).status_code == 201
    before = todo(api, league["access_token"]), todo(api, org["token"])
    for _ in range(2):
        for model, handler in ((HelpRequest, "help_requests_stream"), (RatingSheet, "ratings_stream")):
            assert streams.invoke(api, handler, streams.stream_records(model)) == {"batchItemFailures": []}
    from chalicelib.data.demands import DemandEvent
    assert streams.invoke(api, "demand_events_stream",
                          streams.stream_records(DemandEvent)) == {"batchItemFailures": []}
    assert (todo(api, league["access_token"]), todo(api, org["token"])) == before


# ---------------------------------------------------------------- the transaction size at the cap

def test_a_confirmation_at_the_cap_with_every_linked_request_fits_one_transaction(api, outbox):
    league = make_league_org(f"cap_{secrets.token_hex(3)}")
    publisher = Principal(league.account_id, Role.LEAGUE_ORG)
    did = open_demand(league.account_id)
    moment = clock.now()
    rids = []
    for _ in range(claims.help_requests.MAX_LINKED):
        item = HelpRequest(request_id=secrets.token_hex(16), kind="general", status="awaiting_claim", title="求助",
                           org_id=league.account_id, org_name="团委", submitter_id="p", submitter_name="某人",
                           contact_name="某人", contact_phone="13900000000", description="d", created_at=moment,
                           updated_at=moment, submitter_status="p#awaiting_claim",
                           org_status=f"{league.account_id}#awaiting_claim", demand_id=did,
                           history=[Transition(at=moment, actor_id="p", to_status="pending")])
        item.save()
        rids.append(item.request_id)
    Demand(did).update(actions=[Demand.linked_request_ids.set(rids)])
    orgs = [volunteer_item(i) for i in range(claims.MAX_OPEN_PER_DEMAND)]
    applications = [claims.apply(o, did, None) for o in orgs]
    assert todo_counters.read(league.account_id).pending_claims == claims.MAX_OPEN_PER_DEMAND
    confirmed = claims.confirm(publisher, claim_id(applications[0].demand_id, applications[0].applicant_id))
    assert confirmed.status == "confirmed"
    assert todo_counters.read(league.account_id).pending_claims == 0
    assert {todo_counters.read(o.account_id).pending_applications for o in orgs} == {0}
    assert todo_counters.read(orgs[0].account_id).ratings_owed == 1


# ---------------------------------------------------------------- the repair tool

def test_recount_repairs_a_corrupted_item(api, outbox, capsys):
    league = league_org_session(api)
    org = volunteer(api, outbox)
    person = register_individual(api, outbox)
    submitted(api, outbox, person, league["account_id"])
    did = publish_demand(api, outbox, league["access_token"])["demand_id"]
    publish_demand(api, outbox, league["access_token"])
    claim = applied(api, org, did)["claim_id"]
    assert api.post(f"/claims/{claim}/confirm", token=league["access_token"]).status_code == 200
    right = todo(api, league["access_token"]), todo(api, org["token"])
    assert right[0] == league_counts(awaiting=1, help_requests=1, owed=1)

    TodoCounters(league["account_id"], awaiting_claim=-3, pending_help_requests=9, pending_claims=2,
                 ratings_owed={"2999-01-01T00:00:00.000000Z|gone.gone"}, updated_at=clock.now()).save()
    TodoCounters.get(org["account_id"]).delete()
    assert todo(api, league["access_token"]) != right[0] and todo(api, org["token"]) != right[1]

    assert manage.main(["recount-todo", "--account", league["account_id"]]) == 0
    assert "awaiting_claim 1, pending_help_requests 1, pending_claims 0" in capsys.readouterr().out
    assert todo(api, league["access_token"]) == right[0]
    assert manage.main(["recount-todo"]) == 0
    assert "Recounted the 待办 counters of 2 organizations" in capsys.readouterr().out
    assert (todo(api, league["access_token"]), todo(api, org["token"])) == right
