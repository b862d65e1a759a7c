"""我的 待办 counters: kept exact inside the transitions' own transactions, read with one GetItem.

Every transaction that moves an item in or out of a counted state calls one function here, which
adds to that transaction ONE update of each concerned account's `todo_counters` item (calls for
the same account in the same transaction are merged: DynamoDB refuses two operations on one item
in a TransactWriteItems, and two ADDs of one attribute in one update). The counted states, and
the lists whose length each counter is:

    awaiting_claim         demands of the 团组织 in `open`            GET /me/demands?status=open
    pending_help_requests  help requests addressed to it, `pending`   GET /me/help-request-inbox?status=pending
    pending_claims         claims on its demands, `pending`           GET /me/claim-inbox?status=pending
    pending_applications   the volunteer org's claims, `pending`      GET /me/claims?status=pending
    ratings_owed           sheets it owes a rating on, window open    GET /me/ratings-owed

The deltas come from the state each transaction's conditions pin (status as read, the item's
version), so a transaction that commits moves its counters exactly, and one that loses a race
moves nothing. `ratings_owed` is time-bounded, so it is a set of `<window end>|<claim id>`
elements (ADD/DELETE, idempotent) counted against the clock at read time: an element stops
counting the moment its window closes, with no job. The hourly reveal job deletes the expired
ones, which bounds the set to the sheets confirmed in the last 14 days plus the job's lag.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol
from weakref import WeakKeyDictionary

from pynamodb.exceptions import PutError
from pynamodb.expressions.update import SetAction

from chalicelib import clock
from chalicelib.data.accounts import Account
from chalicelib.data.base import Transaction
from chalicelib.data.claims import Claim, claim_id
from chalicelib.data.demands import Demand
from chalicelib.data.help_requests import HelpRequest
from chalicelib.data.lookup import get_or_none
from chalicelib.data.ratings import OWED, RatingSheet
from chalicelib.data.todo_counters import TodoCounters
from chalicelib.reference import AccountStatus, ClaimStatus, DemandStatus, HelpRequestStatus, Role

NUMBERS = ("awaiting_claim", "pending_help_requests", "pending_claims", "pending_applications")
_REPAIR_ATTEMPTS = 3


class _ClaimLike(Protocol):
    demand_id: str
    applicant_id: str


@dataclass(frozen=True)
class Todo:
    awaiting_claim: int = 0
    pending_help_requests: int = 0
    pending_claims: int = 0
    pending_applications: int = 0
    ratings_owed: int = 0


# ---------------------------------------------------------------- reading (GET /me/todo)

def read(account_id: str) -> Todo:
    """One GetItem. A missing item is an account nothing has happened to yet: all zeros."""
    item = get_or_none(TodoCounters, account_id, consistent_read=True)
    return _todo(item, clock.now()) if item is not None else Todo()


def _todo(item: TodoCounters, now: datetime) -> Todo:
    stamp = _stamp(now)
    owed = sum(1 for element in item.ratings_owed or () if element.partition("|")[0] > stamp)
    return Todo(**{name: int(getattr(item, name) or 0) for name in NUMBERS}, ratings_owed=owed)


# ---------------------------------------------------------------- in the transitions' transactions

@dataclass
class _Change:
    """What one transaction does to one account's item; `actions` is the list handed to tx.update."""

    deltas: Counter = field(default_factory=Counter)
    owe: set[str] = field(default_factory=set)
    settle: set[str] = field(default_factory=set)
    actions: list = field(default_factory=list)

    def rebuild(self, stamped: SetAction) -> None:
        # In place, once, just before the commit: the transaction holds this very list.
        if self.owe and self.settle:
            raise ValueError("one transaction both owes and settles ratings for one account")
        actions = [getattr(TodoCounters, name).add(delta) for name, delta in sorted(self.deltas.items()) if delta]
        if self.owe:
            actions.append(TodoCounters.ratings_owed.add(set(self.owe)))
        if self.settle:
            actions.append(TodoCounters.ratings_owed.delete(set(self.settle)))
        self.actions[:] = actions + [stamped]


_CHANGES: WeakKeyDictionary[Transaction, dict[str, _Change]] = WeakKeyDictionary()


def _change(tx: Transaction, account_id: str) -> _Change:
    changes = _CHANGES.get(tx)
    if changes is None:
        changes = _CHANGES[tx] = {}
        tx.before_commit(lambda: _rebuild(changes))   # built once, not per call
    change = changes.get(account_id)
    if change is None:
        change = changes[account_id] = _Change()
        tx.update(TodoCounters(account_id), change.actions)
    return change


def _rebuild(changes: dict[str, _Change]) -> None:
    stamped = TodoCounters.updated_at.set(clock.now())   # one action for every account (CPU: a timestamp each)
    for change in changes.values():
        change.rebuild(stamped)


def add(tx: Transaction, account_id: str, **deltas: int) -> None:
    """ADD these deltas to the account's counters in `tx` (nothing at all when every delta is 0)."""
    unknown = set(deltas) - set(NUMBERS)
    if unknown:
        raise ValueError(f"not a counter: {sorted(unknown)}")
    if not any(deltas.values()):
        return
    change = _change(tx, account_id)
    change.deltas.update(deltas)


def demand_moved(tx: Transaction, org_id: str, before: str | None, after: str) -> None:
    """A demand of `org_id` went from `before` to `after` (the status its update's condition pins)."""
    add(tx, org_id, awaiting_claim=_moved(DemandStatus.OPEN, before, after))


def claim_moved(tx: Transaction, claim, before: str | None, after: str) -> None:
    """A claim went from `before` to `after`: the publisher's 待确认 and the applicant's own move together."""
    delta = _moved(ClaimStatus.PENDING, before, after)
    add(tx, claim.publisher_id, pending_claims=delta)
    add(tx, claim.applicant_id, pending_applications=delta)


def help_request_moved(tx: Transaction, item, before: str | None, after: str) -> None:
    """A help request addressed to `item.org_id` went from `before` to `after`."""
    add(tx, item.org_id, pending_help_requests=_moved(HelpRequestStatus.PENDING, before, after))


def _moved(counted: str, before: str | None, after: str) -> int:
    return int(after == counted) - int(before == counted)


def owe(tx: Transaction, account_ids: list[str], claim: _ClaimLike, window_end: datetime) -> None:
    """These accounts now owe a rating on the claim's sheet until `window_end` (already over: nothing)."""
    if window_end <= clock.now():
        return
    for account_id in dict.fromkeys(account_ids):
        change = _change(tx, account_id)
        change.owe.add(_element(claim, window_end))


def settle(tx: Transaction, account_ids: list[str], claim: _ClaimLike, window_end: datetime) -> None:
    """These accounts owe nothing more on the sheet whose window ends at `window_end` (idempotent)."""
    for account_id in dict.fromkeys(account_ids):
        change = _change(tx, account_id)
        change.settle.add(_element(claim, window_end))


def forget_expired(sheet, window_end: datetime) -> None:
    """The hourly reveal job: drop a closed window's elements (they no longer count; this bounds the set)."""
    if window_end > clock.now():
        return
    tx = Transaction()
    settle(tx, [sheet.publisher_id, sheet.applicant_id], sheet, window_end)
    tx.commit()


def _element(claim: _ClaimLike, window_end: datetime) -> str:
    return f"{_stamp(window_end)}|{claim_id(claim.demand_id, claim.applicant_id)}"


def _stamp(moment: datetime) -> str:
    """Fixed width, UTC: the text order of two stamps is their time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# ---------------------------------------------------------------- repair (offline: scripts/manage.py recount-todo)

def recount(account_id: str) -> Todo:
    """Recompute an account's counters from the indexes that serve its lists and write them.

    One COUNT Query per counter (an operator's tool, never a request path). The write is
    conditioned on `updated_at` as read first, so a transition committed meanwhile makes it
    count again instead of being overwritten. Indexes are eventually consistent: run it when
    the account is quiet, or run it twice.
    """
    for _ in range(_REPAIR_ATTEMPTS):
        current = get_or_none(TodoCounters, account_id, consistent_read=True)
        item = _counted(account_id)
        read_at = current.updated_at if current is not None else None
        condition = (TodoCounters.updated_at == read_at) if read_at else TodoCounters.updated_at.does_not_exist()
        try:
            item.save(condition=condition)
        except PutError as exc:
            if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
                continue
            raise
        return _todo(item, clock.now())
    raise RuntimeError(f"the counters of {account_id} kept changing while being recounted")


def recount_all() -> int:
    """Every 团组织 and volunteer organization, in any status (Query by_role_status, no Scan)."""
    done = 0
    for role in (Role.LEAGUE_ORG, Role.VOLUNTEER_ORG):
        for status in AccountStatus:
            for account in Account.by_role_status.query(f"{role.value}#{status.value}"):
                recount(account.account_id)
                done += 1
    return done


def _counted(account_id: str) -> TodoCounters:
    from chalicelib.services.ratings import RATING_WINDOW  # here: services.ratings imports this module

    now = clock.now()
    owed_key = f"{account_id}#{OWED}"
    open_window = RatingSheet.confirmed_at > now - RATING_WINDOW
    sheets = [*RatingSheet.publisher_owed_index.query(owed_key, range_key_condition=open_window),
              *RatingSheet.claimant_owed_index.query(owed_key, range_key_condition=open_window)]
    return TodoCounters(
        account_id,
        awaiting_claim=Demand.by_org_status.count(f"{account_id}#{DemandStatus.OPEN.value}"),
        pending_help_requests=HelpRequest.by_org_status.count(f"{account_id}#{HelpRequestStatus.PENDING.value}"),
        pending_claims=Claim.by_publisher_status.count(f"{account_id}#{ClaimStatus.PENDING.value}"),
        pending_applications=Claim.by_applicant_status.count(f"{account_id}#{ClaimStatus.PENDING.value}"),
        ratings_owed={_element(s, s.confirmed_at + RATING_WINDOW) for s in sheets} or None,
        updated_at=now)
