"""`data/base.py:Transaction` builds its TransactItems itself: each equals what PynamoDB's TransactWrite sends.

The commit compiles its operations to the low-level request (key attributes only for updates, deletes and
condition checks; the expressions written by a compact serializer) instead of going through PynamoDB's
TransactWrite. These tests compare each item with PynamoDB's own request for the same operation, including
the optimistic-locking rule of versioned models, document paths the compact serializer hands back to
PynamoDB, and every condition and update form the services use.
"""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.data import base
from chalicelib.data.accounts import Account
from chalicelib.data.claims import Claim, ClaimQuota
from chalicelib.data.demands import Demand
from chalicelib.data.todo_counters import TodoCounters

T = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _account(version: int | None) -> Account:
    versioned = {} if version is None else {"version": version}
    return Account("a1", role="league_org", status="active", role_status="league_org#active", login="l",
                   display_name="d", password_hash="h", created_at=T, updated_at=T, **versioned)


def _ours(op: base._Op) -> dict:
    return base._REQUEST_OF[op.kind](op)


UPDATES = [
    (Demand("d1"), [Demand.status.set("claimed"), Demand.application_count.set(1), Demand.updated_at.set(T),
                    Demand.confirmed_applicant_id.remove()],
     (Demand.status == "open") & (Demand.application_count == 2)),
    (Demand("d1"), [Demand.application_count.add(-1)], Demand.demand_id.exists()),
    (Demand("d1"), [Demand.application_count.set(Demand.application_count + 1),
                    Demand.linked_request_ids.set((Demand.linked_request_ids | []).append(["r1"]))],
     Demand.status.is_in("open", "claimed") | ~(Demand.feed.does_not_exist())),
    (Claim("d1", "a1"), [Claim.status.set("confirmed"), Claim.reason.remove()],
     (Claim.status == "pending") & (Claim.applied_at == T) & Claim.applicant["org_name"].exists()),
    (TodoCounters("a1"), [TodoCounters.updated_at.set(T), TodoCounters.awaiting_claim.add(-1),
                          TodoCounters.ratings_owed.add({"x|1"}), TodoCounters.ratings_owed.delete({"y|2"})], None),
    (ClaimQuota("a1"), [ClaimQuota.pending.add(1)],
     ClaimQuota.pending.does_not_exist() | (ClaimQuota.pending < 5)),
    (_account(None), [Account.display_name.set("n")], None),
    (_account(3), [Account.display_name.set("n")], Account.status == "active"),
]


@pytest.mark.parametrize("item,actions,condition", UPDATES)
def test_an_update_is_the_request_pynamodb_builds(item, actions, condition):
    ours = _ours(base._Op("update", (item, actions), {"condition": condition}, base._conflict()))
    theirs = item.get_update_kwargs_from_instance(actions=list(actions), condition=condition)
    assert ours == theirs


@pytest.mark.parametrize("item,condition", [
    (ClaimQuota("a1", pending=1), ClaimQuota.applicant_id.does_not_exist() | ClaimQuota.pending.is_in(0, 1)),
    (_account(None), None),
    (_account(7), Account.status == "active"),
])
def test_a_put_is_the_request_pynamodb_builds(item, condition):
    ours = _ours(base._Op("put", (item,), {"condition": condition}, base._conflict()))
    assert ours == item.get_save_kwargs_from_instance(condition=condition)


@pytest.mark.parametrize("item,condition", [(Claim("d1", "a1"), Claim.status == "pending"),
                                            (_account(2), None), (_account(None), Account.role == "x")])
def test_a_delete_is_the_request_pynamodb_builds(item, condition):
    ours = _ours(base._Op("delete", (item,), {"condition": condition}, base._conflict()))
    assert ours == item.get_delete_kwargs_from_instance(condition=condition)


def test_a_condition_check_is_the_request_pynamodb_builds():
    condition = (Claim.status == "confirmed") & Claim.publisher_id.exists()
    ours = _ours(base._Op("condition", (Claim, "d1", "a1"), {"condition": condition}, base._conflict()))
    assert ours == Claim.get_operation_kwargs_from_class("d1", "a1", condition=condition)


def test_the_version_action_stays_out_of_the_callers_actions():
    actions = [Account.display_name.set("n")]
    _ours(base._Op("update", (_account(3), actions), {"condition": None}, base._conflict()))
    assert len(actions) == 1   # the mirror applies the caller's actions only


def test_an_unknown_action_is_refused_as_pynamodb_refuses_it():
    with pytest.raises(ValueError, match="unsupported action type"):
        _ours(base._Op("update", (Demand("d1"), [Demand.status == "open"]), {"condition": None}, base._conflict()))
