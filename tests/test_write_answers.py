"""Writes answer from the item they hold, updated in memory with what the transaction wrote (no read-back).

`data/base.py:apply_actions` mirrors DynamoDB's update actions on the held item; these tests check the
mirror against DynamoDB (moto) action by action, then along every route of the request-budget tour: after
each committed update of an item the service had read, the item in memory equals a fresh consistent read.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from chalicelib.data import base
from chalicelib.data.demands import Demand
from chalicelib.data.notifications import NotificationSettings
from chalicelib.services import reactions
from chalicelib.services.accounts import get_account
from chalicelib.services.sessions import principal_of
from tests import route_tour as tour_steps
from tests.builders import make_league_org

T = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _keys(item) -> list:
    keys = [getattr(item, item._hash_keyname)]
    if item._range_keyname:
        keys.append(getattr(item, item._range_keyname))
    return keys


def _stored(item):
    return type(item).get(*_keys(item), consistent_read=True)


def _blank(item):
    """The key-only item a service builds to update blind (`Demand(demand_id)`), defaults filled in."""
    return type(item)(*_keys(item))


def _demand(**extra) -> Demand:
    demand = Demand(demand_id="a" * 32, org_id="o1", org_name="团委", status="open", org_status="o1#open",
                    created_at=T, updated_at=T, like_count=3, title="数学", **extra)
    demand.save()
    return demand


def test_each_kind_of_action_is_applied_as_dynamodb_applies_it(aws):
    demand = _demand(linked_request_ids=["r1"], hidden_reason="x")
    actions = [Demand.like_count.add(2), Demand.open_report_count.add(1), Demand.title.set("英语"),
               Demand.hidden_reason.remove(), Demand.first_reported_at.set(Demand.first_reported_at | T),
               Demand.created_at.set(Demand.created_at | datetime(2027, 1, 1, tzinfo=UTC)),
               Demand.application_count.set(Demand.like_count + 4),
               Demand.linked_request_ids.set(Demand.linked_request_ids.append(["r2"]))]
    base.Transaction().update(demand, actions).commit()
    assert demand.serialize() == _stored(demand).serialize()
    assert (demand.like_count, demand.open_report_count, demand.application_count) == (5, 1, 7)
    assert demand.first_reported_at == T and demand.created_at == T and demand.hidden_reason is None


def test_set_additions_and_deletions_are_applied(aws):
    settings = NotificationSettings("acc1", sms_enabled=True, unread=0, muted={"a", "b"})
    settings.save()
    base.Transaction().update(settings, [NotificationSettings.muted.add({"c"}), NotificationSettings.unread.add(-1)]
                              ).commit()
    assert settings.muted == {"a", "b", "c"} and settings.unread == -1
    base.Transaction().update(settings, [NotificationSettings.muted.delete({"a", "b", "c"})]).commit()
    assert settings.serialize() == _stored(settings).serialize() and settings.muted is None


def test_a_cancelled_transaction_leaves_the_item_as_it_was(aws):
    demand = _demand()
    tx = base.Transaction().update(demand, [Demand.title.set("改")], condition=Demand.status == "draft")
    with pytest.raises(Exception):  # noqa: B017  (the conflict error is the caller's choice)
        tx.commit()
    assert demand.title == "数学" and _stored(demand).title == "数学"


def test_racing_likes_are_all_in_the_answered_counts(dynamodb_server, outbox):
    """The count is read after the write: the last like to commit answers every like (a count read
    before the write, plus one, would answer 1 to each of them)."""
    org = make_league_org("gd_likes")
    demand = Demand(demand_id="b" * 32, org_id=org.account_id, org_name="x", status="open",
                    org_status=f"{org.account_id}#open", created_at=T, updated_at=T, feed="public")
    demand.save()
    people = [principal_of(get_account(make_league_org(f"gd_l{i}").account_id)) for i in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = list(pool.map(lambda who: int(reactions.set_like(who, demand.demand_id, liked=True).like_count),
                               people))
    assert max(counts) == 8 and min(counts) >= 1
    assert Demand.get(demand.demand_id, consistent_read=True).like_count == 8


def test_after_every_write_of_the_tour_the_item_held_is_the_item_stored(api, bucket, outbox, now, monkeypatch):
    checked: list[str] = []
    apply = base.apply_actions

    def apply_and_compare(item, actions):
        was_read = item.serialize(null_check=False) != _blank(item).serialize(null_check=False)
        apply(item, actions)
        if was_read:   # a key-only item built to be updated blind holds nothing to answer with
            assert item.serialize(null_check=False) == _stored(item).serialize(null_check=False), type(item)
            checked.append(type(item).__name__)

    monkeypatch.setattr(base, "apply_actions", apply_and_compare)
    tour = tour_steps.Tour(api, now)
    who = tour_steps.tour_accounts(tour, outbox)
    demands = tour_steps.tour_demands(tour, outbox, who)
    tour_steps.tour_reports(tour, outbox, who, demands["ids"])
    tour_steps.tour_help_requests(tour, outbox, who)
    claimed = tour_steps.tour_claims(tour, outbox, who, demands["ids"])
    tour_steps.tour_activities(tour, outbox, who, claimed["did"])
    tour_steps.tour_certificates(tour, who)
    tour_steps.tour_closing(tour, who, demands["ids"])
    tour_steps.tour_notifications(tour, who)
    assert {"Demand", "Claim", "RatingSheet", "Activity", "Signup", "AttendanceRecord", "Notification"} <= set(checked)
