"""Points (积分): awarded to the rated organization for each rating, from the ratings stream.

The rule: points = 2 × score, plus a bonus of 2 for a 5 (1→2, 2→4, 3→6, 4→8, 5→12). Every rated
claim earns something; better ratings earn more.

One award = one transaction: the ledger entry (key = the rating id, condition attribute_not_exists)
and ADD to the balance. A re-delivered rating fails the entry's condition and changes nothing; two
awards racing for one organization are serialised by DynamoDB (the loser gets a transaction conflict
and retries), so the balance always equals the sum of the ledger.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException

from chalicelib import clock
from chalicelib.auth.principal import Principal
from chalicelib.data.base import Transaction
from chalicelib.data.lookup import get_or_none
from chalicelib.data.points import PointBalance, PointEntry
from chalicelib.errors import AppError, ErrorCode
from chalicelib.events.records import Transient
from chalicelib.services.pagination import Page, query_page

POINTS_PER_STAR = 2
FIVE_STAR_BONUS = 2
_ATTEMPTS = 5


def points_for(score: int) -> int:
    return POINTS_PER_STAR * score + (FIVE_STAR_BONUS if score == 5 else 0)


@dataclass(frozen=True)
class Award:
    rating_id: str
    account_id: str      # the rated organization
    score: int
    side: str            # who rated: "publisher" | "claimant"
    demand_id: str
    applicant_id: str
    demand_title: str
    rater_name: str
    rated_at: datetime


def award(item: Award) -> bool:
    """Apply the award once. True when it was applied now, False when it had been already."""
    for attempt in range(_ATTEMPTS):
        already = AppError(ErrorCode.STATE_CONFLICT)
        moment = clock.now()
        points = points_for(item.score)
        tx = Transaction()
        tx.put(PointEntry(account_id=item.account_id, entry_id=item.rating_id, at=item.rated_at, points=points,
                          reason="rating", score=item.score, side=item.side, demand_id=item.demand_id,
                          applicant_id=item.applicant_id, demand_title=item.demand_title,
                          rater_name=item.rater_name, awarded_at=moment),
               condition=PointEntry.entry_id.does_not_exist(), on_conflict=already)
        tx.update(PointBalance(item.account_id), [PointBalance.balance.add(points), PointBalance.entry_count.add(1),
                                                  PointBalance.updated_at.set(moment)])
        try:
            tx.commit()
            return True
        except AppError as exc:
            if exc is already:
                return False
            error: Exception = exc          # a transaction conflict: another award for the same organization
        except (PynamoDBException, ClientError, BotoCoreError) as exc:
            error = exc                     # throttling, a timeout, the network
        if attempt + 1 < _ATTEMPTS:
            time.sleep(min(0.5, 0.02 * 2 ** attempt) * (0.5 + random.random()))
    raise Transient(f"award of {item.rating_id} failed {_ATTEMPTS} times: {error}")


def balance_of(account_id: str) -> int:
    balance = get_or_none(PointBalance, account_id, consistent_read=True)
    return int(balance.balance or 0) if balance is not None else 0


def my_points(caller: Principal, *, limit: int, cursor: str | None) -> tuple[int | None, Page[PointEntry]]:
    """我的积分: the first page returns the balance (one GetItem; later pages None) and one page of the
    ledger, newest first (one Query)."""
    balance = None if cursor else balance_of(caller.account_id)
    return balance, query_page(PointEntry.by_time.query, caller.account_id, model=PointEntry,
                               scope=f"points:{caller.account_id}", limit=limit, cursor=cursor, consistent_read=True)
