"""Points (积分) from the ratings stream: records read back from moto's real stream, handed to the handler."""
from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import boto3
import pytest

from app import app as chalice_app
from chalicelib import clock
from chalicelib.data.points import PointBalance, PointEntry
from chalicelib.events import ratings_stream
from chalicelib.events.parking import ParkedEvent, parked
from chalicelib.events.records import Transient
from chalicelib.services import points, ratings
from tests import streams
from tests.builders import HANDLER, confirmed_claim, invoke, league_org_session, rated, rating_records, stream_records


def reveal_all() -> int:
    """The hourly job, run as if 15 days had passed: every blind sheet's window has closed."""
    return ratings.reveal_due(clock.now() + timedelta(days=15))


def balance(account_id: str) -> int:
    return points.balance_of(account_id)


def ledger(account_id: str) -> list[PointEntry]:
    return list(PointEntry.query(account_id, consistent_read=True))


def assert_balance_is_the_ledger(account_id: str) -> None:
    entries = ledger(account_id)
    stored = PointBalance.get(account_id, consistent_read=True) if entries else None
    assert balance(account_id) == sum(int(e.points) for e in entries)
    if stored is not None:
        assert int(stored.entry_count) == len(entries)


@pytest.fixture
def publisher(api):
    return league_org_session(api)


# ---------------------------------------------------------------- rules and registration

@pytest.mark.parametrize(("score", "expected"), [(1, 2), (2, 4), (3, 6), (4, 8), (5, 12)])
def test_the_points_rule(score, expected):
    assert points.points_for(score) == expected


def test_the_handler_is_registered_for_the_configured_stream():
    sources = [s for s in chalice_app.event_sources if s.name == HANDLER]
    assert len(sources) == 1 and sources[0].starting_position == "TRIM_HORIZON"
    assert sources[0].stream_arn.endswith("table/yce-test-ratings/stream/test")


# ---------------------------------------------------------------- rating → points

def test_ratings_award_points_to_the_rated_organization_with_a_ledger(api, outbox, publisher):
    token = publisher["access_token"]
    org, claim = confirmed_claim(api, outbox, token)
    rated(api, token, claim["claim_id"], 5)
    rated(api, org["token"], claim["claim_id"], 3)
    records = stream_records()
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "MODIFY"]   # confirmed, rated, rated

    assert invoke(api, records) == {"batchItemFailures": []}
    assert balance(org["account_id"]) == 12 and balance(publisher["account_id"]) == 6
    assert_balance_is_the_ledger(org["account_id"])

    mine = api.get("/me/points", token=org["token"]).json
    assert mine["balance"] == 12 and mine["next_cursor"] is None
    entry = mine["items"][0]
    assert entry == {**entry, "points": 12, "score": 5, "reason": "rating", "claim_id": claim["claim_id"],
                     "demand_id": claim["demand_id"], "demand_title": claim["demand_title"],
                     "rating_id": f"{claim['claim_id']}.publisher", "rater_name": "中国共产主义青年团深圳市委员会"}
    theirs = api.get("/me/points", token=token).json
    assert theirs["balance"] == 6 and theirs["items"][0]["rating_id"] == f"{claim['claim_id']}.claimant"
    assert parked(ratings_stream.SOURCE) == []


def test_the_ledger_is_paginated_newest_first(api, outbox, publisher):
    token = publisher["access_token"]
    org = None
    for _ in range(3):
        org, claim = confirmed_claim(api, outbox, token, org)
        rated(api, token, claim["claim_id"], 4)
    invoke(api, stream_records())
    assert balance(org["account_id"]) == 0          # blind: the claimant has not rated, the window is open
    assert reveal_all() == 3
    invoke(api, stream_records())
    first = api.get("/me/points?limit=2", token=org["token"]).json
    assert first["balance"] == 24 and len(first["items"]) == 2 and first["next_cursor"]
    rest = api.get(f"/me/points?limit=2&cursor={first['next_cursor']}", token=org["token"]).json
    assert len(rest["items"]) == 1
    times = [e["at"] for e in first["items"] + rest["items"]]
    assert times == sorted(times, reverse=True)
    assert api.get(f"/me/points?cursor={first['next_cursor']}", token=token).status_code == 400   # not its cursor
    assert api.get("/me/points").status_code == 401


def all_point_pages(api, token: str, limit: int) -> list[dict]:
    pages = [api.get(f"/me/points?limit={limit}", token=token).json]
    while pages[-1]["next_cursor"]:
        pages.append(api.get(f"/me/points?limit={limit}&cursor={pages[-1]['next_cursor']}", token=token).json)
    return pages


def test_the_first_page_carries_the_balance_of_the_whole_ledger_later_pages_none(api, outbox, publisher):
    token = publisher["access_token"]
    org = None
    for score in (4, 5, 3):
        org, claim = confirmed_claim(api, outbox, token, org)
        rated(api, token, claim["claim_id"], score)
        rated(api, org["token"], claim["claim_id"], 4)
    records = stream_records()
    invoke(api, records)
    for limit in (1, 2, 3, 4):
        pages = all_point_pages(api, org["token"], limit)
        entries = [e for page in pages for e in page["items"]]
        assert len(entries) == 3 and {e["rating_id"].split(".")[-1] for e in entries} == {"publisher"}
        assert all(len(page["items"]) <= limit for page in pages)
        assert pages[0]["balance"] == sum(e["points"] for e in entries) == 8 + 12 + 6
        assert all(page["balance"] is None for page in pages[1:])
    before = all_point_pages(api, org["token"], 2)
    assert invoke(api, records) == {"batchItemFailures": []}         # the whole stream delivered again
    assert all_point_pages(api, org["token"], 2) == before
    assert_balance_is_the_ledger(org["account_id"])


def test_the_same_batch_delivered_twice_changes_nothing(api, outbox, publisher):
    token = publisher["access_token"]
    org, claim = confirmed_claim(api, outbox, token)
    rated(api, token, claim["claim_id"], 4)
    rated(api, org["token"], claim["claim_id"], 5)
    records = stream_records()
    invoke(api, records)
    before = (balance(org["account_id"]), balance(publisher["account_id"]),
              len(ledger(org["account_id"])), len(ledger(publisher["account_id"])))
    assert before == (8, 12, 1, 1)
    assert invoke(api, records) == {"batchItemFailures": []}
    assert invoke(api, records[1:]) == {"batchItemFailures": []}
    after = (balance(org["account_id"]), balance(publisher["account_id"]),
             len(ledger(org["account_id"])), len(ledger(publisher["account_id"])))
    assert after == before
    assert_balance_is_the_ledger(org["account_id"])


# ---------------------------------------------------------------- one bad record never blocks the others

def _poisoned(record: dict, event_id: str) -> dict:
    poison = copy.deepcopy(record)
    poison["eventID"] = event_id
    poison["dynamodb"]["SequenceNumber"] = "9" + poison["dynamodb"]["SequenceNumber"]
    poison["dynamodb"]["NewImage"]["by_publisher"]["M"]["score"] = {"S": "five"}   # no longer parses
    return poison


def test_a_poison_record_between_two_good_ones_is_parked_and_both_good_ones_apply(api, outbox, publisher):
    token = publisher["access_token"]
    first_org, first = confirmed_claim(api, outbox, token)
    second_org, second = confirmed_claim(api, outbox, token)
    rated(api, token, first["claim_id"], 5)
    rated(api, token, second["claim_id"], 3)
    reveal_all()
    good = rating_records(stream_records())
    assert len(good) == 2
    poison = _poisoned(good[0], "poison-event-1")
    batch = [good[0], poison, {"eventID": "garbage-2", "dynamodb": "not a record"}, good[1]]

    assert invoke(api, batch) == {"batchItemFailures": []}
    assert balance(first_org["account_id"]) == 12 and balance(second_org["account_id"]) == 6
    kept = {p.event_id: p for p in parked(ratings_stream.SOURCE)}
    assert set(kept) == {"poison-event-1", "garbage-2"}
    assert kept["poison-event-1"].reason == "unparseable" and "score" in kept["poison-event-1"].error
    assert first["demand_id"] in kept["poison-event-1"].keys
    assert '"five"' in kept["poison-event-1"].record

    # Delivered again (the shard was retried): nothing moves, nothing is parked twice.
    parked_at = kept["poison-event-1"].parked_at
    assert invoke(api, batch) == {"batchItemFailures": []}
    assert balance(first_org["account_id"]) == 12 and balance(second_org["account_id"]) == 6
    assert ParkedEvent.get(ratings_stream.SOURCE, "poison-event-1").parked_at == parked_at


def test_a_transient_failure_is_reported_for_retry_and_not_parked(api, outbox, publisher, monkeypatch):
    token = publisher["access_token"]
    first_org, first = confirmed_claim(api, outbox, token)
    second_org, second = confirmed_claim(api, outbox, token)
    rated(api, token, first["claim_id"], 4)
    rated(api, token, second["claim_id"], 4)
    reveal_all()
    good = rating_records(stream_records())
    real_award = points.award

    def flaky(item):
        if item.account_id == first_org["account_id"]:
            raise Transient("throttled")
        return real_award(item)

    monkeypatch.setattr(points, "award", flaky)
    answer = invoke(api, good)
    assert answer == {"batchItemFailures": [{"itemIdentifier": good[0]["dynamodb"]["SequenceNumber"]}]}
    assert balance(first_org["account_id"]) == 0 and balance(second_org["account_id"]) == 8
    assert parked(ratings_stream.SOURCE) == []

    monkeypatch.setattr(points, "award", real_award)   # Lambda re-delivers from the failed record
    assert invoke(api, good) == {"batchItemFailures": []}
    assert balance(first_org["account_id"]) == 8 and balance(second_org["account_id"]) == 8


def test_records_without_a_new_rating_award_nothing(api, outbox, publisher):
    token = publisher["access_token"]
    org, claim = confirmed_claim(api, outbox, token)
    records = stream_records()                      # the sheet written at confirmation only
    assert invoke(api, records) == {"batchItemFailures": []}
    removed = copy.deepcopy(records[0])
    removed["eventName"] = "REMOVE"
    assert invoke(api, [removed]) == {"batchItemFailures": []}
    assert balance(org["account_id"]) == 0 and balance(publisher["account_id"]) == 0
    assert invoke(api, []) == {"batchItemFailures": []}


# ---------------------------------------------------------------- concurrent awards for one organization

def test_concurrent_awards_keep_the_balance_equal_to_the_ledger(dynamodb_server):
    org_id = "c" * 32
    moment = clock.now()
    awards = [points.Award(rating_id=f"{i:032x}.{org_id}.publisher", account_id=org_id, score=1 + i % 5,
                           side="publisher", demand_id=f"{i:032x}", applicant_id=org_id, demand_title="数学辅导",
                           rater_name="团市委", rated_at=moment + timedelta(seconds=i)) for i in range(12)]
    work = awards + awards[:6]                      # some delivered twice, concurrently
    with ThreadPoolExecutor(max_workers=8) as pool:
        applied = list(pool.map(points.award, work))
    assert sum(applied) == 12
    entries = ledger(org_id)
    assert len(entries) == 12
    assert balance(org_id) == sum(int(e.points) for e in entries) == sum(points.points_for(a.score) for a in awards)
    assert int(PointBalance.get(org_id).entry_count) == 12


def test_the_local_stacks_stream_pump_turns_ratings_into_points(api, outbox, publisher):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    from stream_pump import StreamPump, consumers

    pump = StreamPump(boto3.client("dynamodb"), streams.streams_client(), "cn-north-1", consumers())
    token = publisher["access_token"]
    org, claim = confirmed_claim(api, outbox, token)
    rated(api, token, claim["claim_id"], 5)
    assert pump.tick() >= 2                      # the sheet opened at confirmation, the rating, the timeline
    assert balance(org["account_id"]) == 0       # blind until the claimant rates too
    assert pump.tick() == 0                      # nothing new: nothing handed over twice
    rated(api, org["token"], claim["claim_id"], 3)
    assert pump.tick() == 1
    assert balance(org["account_id"]) == 12 and balance(publisher["account_id"]) == 6
