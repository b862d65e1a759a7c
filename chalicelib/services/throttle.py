"""Fixed-window counters in DynamoDB, shared by every Lambda container."""
from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.data.base import Transaction
from chalicelib.data.batch_get import ItemKey
from chalicelib.data.lookup import get_or_none
from chalicelib.data.rate_limits import RateCounter
from chalicelib.errors import AppError, ErrorCode, throttled


def _window(moment: datetime, seconds: int) -> tuple[int, int]:
    epoch = int(moment.timestamp())
    start = epoch - epoch % seconds
    return start, start + seconds


def _counter(bucket: str, subject: str, moment: datetime, window_seconds: int) -> RateCounter:
    start, _ = _window(moment, window_seconds)
    return RateCounter(key=f"{bucket}:{subject}:{start}")


def _count_one(moment: datetime, window_seconds: int) -> list:
    """The actions that count one event; the item expires an hour after its window closes."""
    _, end = _window(moment, window_seconds)
    return [RateCounter.count.add(1), RateCounter.expires_at.set(datetime.fromtimestamp(end + 3600, tz=UTC))]


def counter_item_key(bucket: str, subject: str, *, window_seconds: int, moment: datetime) -> ItemKey:
    """Where the current window's counter is stored: for a service that reads it in one BatchGetItem with
    its other items."""
    return ItemKey(RateCounter, _counter(bucket, subject, moment, window_seconds).key)


def count(bucket: str, subject: str, *, window_seconds: int, moment: datetime) -> int:
    """The events counted so far in the current window."""
    item = get_or_none(RateCounter, _counter(bucket, subject, moment, window_seconds).key, consistent_read=True)
    return int(item.count or 0) if item is not None else 0


def refuse_if_over(bucket: str, subject: str, *, limit: int, window_seconds: int, moment: datetime,
                   code: ErrorCode) -> None:
    if count(bucket, subject, window_seconds=window_seconds, moment=moment) >= limit:
        raise refusal(code, window_seconds=window_seconds, moment=moment)


def record(bucket: str, subject: str, *, window_seconds: int, moment: datetime) -> int:
    """Count one event without refusing (failed logins are refused on the next try); returns the
    window's count including it (the update answers the stored value)."""
    item = _counter(bucket, subject, moment, window_seconds)
    item.update(actions=_count_one(moment, window_seconds))
    return int(item.count)


def refusal(code: ErrorCode, *, window_seconds: int, moment: datetime) -> AppError:
    """The 429 of a window over its limit, with the seconds until it closes."""
    _, end = _window(moment, window_seconds)
    return throttled(code, end - int(moment.timestamp()))


def take_in(tx: Transaction, bucket: str, subject: str, *, limit: int, window_seconds: int, moment: datetime,
            code: ErrorCode) -> None:
    """Count one event as an item of `tx`: the transaction fails with the 429 when `limit` events were counted."""
    tx.update(_counter(bucket, subject, moment, window_seconds), _count_one(moment, window_seconds),
              condition=RateCounter.count.does_not_exist() | (RateCounter.count < limit),
              on_conflict=refusal(code, window_seconds=window_seconds, moment=moment))


def give_back_in(tx: Transaction, bucket: str, subject: str, *, window_seconds: int, moment: datetime) -> None:
    """Uncount one event taken with `take_in`/`take_gated_in` at `moment` (the same window's item)."""
    # No condition: the item holds the event being uncounted, and a failed give-back must not fail the
    # operation it rides with.
    tx.update(_counter(bucket, subject, moment, window_seconds), [RateCounter.count.add(-1)])


def _backoff_seconds(counted: int, *, free: int, cap_seconds: int) -> int:
    """The gap a gate imposes after its `counted`-th event: none for the first `free`, then 1, 2, 4 … seconds,
    at most `cap_seconds`."""
    return 0 if counted <= free else min(2 ** (counted - free - 1), cap_seconds)


def take_gated_in(tx: Transaction, bucket: str, subject: str, *, read: RateCounter | None, free: int,
                  cap_seconds: int, window_seconds: int, moment: datetime, code: ErrorCode) -> None:
    """Count one event in `tx` with a growing backoff instead of a hard limit: the first `free` events of the
    window pass, then each must wait `_backoff_seconds` after the previous one (the gap grows with the count
    `read` before, at most `cap_seconds`). Refused → the transaction fails with a 429 whose Retry-After is
    the short wait left. The condition is on the stored item, so two events never both pass a closed gate;
    racing events read before the gate closed may each pass once."""
    epoch = int(moment.timestamp())
    counted = int(read.count or 0) if read is not None else 0
    waiting = int(read.not_before or 0) - epoch if read is not None and counted >= free else 0
    tx.update(_counter(bucket, subject, moment, window_seconds),
              [*_count_one(moment, window_seconds),
               RateCounter.not_before.set(epoch + _backoff_seconds(counted + 1, free=free, cap_seconds=cap_seconds))],
              condition=RateCounter.count.does_not_exist() | (RateCounter.count < free)
              | (RateCounter.not_before <= epoch),
              on_conflict=throttled(code, max(1, waiting)))


def require_under_limit(tx: Transaction, bucket: str, subject: str, *, limit: int, window_seconds: int,
                        moment: datetime, code: ErrorCode) -> None:
    """`refuse_if_over` as a condition of `tx` instead of a read: the transaction fails with the 429
    when `limit` events were counted in the window (an absent counter counts none)."""
    tx.condition_check(RateCounter, _counter(bucket, subject, moment, window_seconds).key,
                       condition=RateCounter.count.does_not_exist() | (RateCounter.count < limit),
                       on_conflict=refusal(code, window_seconds=window_seconds, moment=moment))
