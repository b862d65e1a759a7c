"""Yesterday's totals (数据统计 数据截止至昨日): what the home page shows, computed once a day.

For a China-Standard-Time day D:

    需求数 (demands_total)  = demands published up to the end of D (a demand closed later still counts:
                              it was published)
    认领数 (claims_total)   = confirmed claims held at the end of D: confirmations minus withdrawals of
                              confirmed claims, since the start
    demands_new / claims_new / claims_ended = that day's publications / confirmations / withdrawals

The day's events come from the sparse `stats_day` index of the demand timeline (one Query per page of
that day's events, nothing else); the running totals come from day D-1's stored item. A day whose
predecessor is missing computes the missing days first, forwards from the latest stored day (or
from the first day with data). So re-running a day stores the same item (idempotent), a backfill
is `compute(day)`, and the reads grow with the activity of the days computed, not with the tables.
"""
from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime, timedelta

from chalicelib import clock
from chalicelib.data.demands import DemandEvent
from chalicelib.data.stats import ALL, Counts, DailyTotals
from chalicelib.errors import ErrorCode, field_error
from chalicelib.reference import MAX_SERIES_DAYS

FIRST_DAY = "20260101"        # no demand was published on the platform before this CST day
MAX_DAYS_PER_RUN = 800        # a backfill longer than this is refused instead of timing out mid-way
_FIELDS = ("demands_total", "claims_total", "demands_new", "claims_new", "claims_ended")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DELTAS = {"published": ("demands_new",), "claimed": ("claims_new",), "unclaimed": ("claims_ended",)}


def yesterday(now: datetime | None = None) -> str:
    """The CST day that ended most recently."""
    today = datetime.strptime(clock.cst_date(now or clock.now()), "%Y%m%d").date()
    return (today - timedelta(days=1)).strftime("%Y%m%d")


def _parse(day: str) -> date:
    return datetime.strptime(day, "%Y%m%d").date()


def _next(day: str, step: int = 1) -> str:
    return (_parse(day) + timedelta(days=step)).strftime("%Y%m%d")


def shown_day(day: str) -> date:
    """A stored day key (YYYYMMDD) as the calendar date answers and operators see (YYYY-MM-DD)."""
    return _parse(day)


def check_day(day: str, now: datetime | None = None) -> str:
    """A day that has ended in CST and is not before the platform's first day (else 400 on `date`), as its
    stored key. Written YYYY-MM-DD (the API's calendar dates) or YYYYMMDD (the key, as the daily job passes it)."""
    key = day.replace("-", "") if isinstance(day, str) and _ISO_DAY.match(day) else day
    try:
        parsed = _parse(key)
    except (TypeError, ValueError):
        raise field_error(ErrorCode.VALIDATION_FAILED, "date", "日期格式应为 YYYY-MM-DD") from None
    if parsed.strftime("%Y%m%d") != key or key < FIRST_DAY or key > yesterday(now):
        raise field_error(ErrorCode.VALIDATION_FAILED, "date",
                          f"只能统计 {shown_day(FIRST_DAY)} 至昨日（北京时间）之间的日期")
    return key


def compute(day: str, now: datetime | None = None) -> DailyTotals:
    """Store (and return) the totals of `day`, computing any missing earlier day first."""
    day = check_day(day, now)
    previous = _latest_before(day)
    start = _next(previous.day) if previous else FIRST_DAY
    if (_parse(day) - _parse(start)).days >= MAX_DAYS_PER_RUN:
        raise field_error(ErrorCode.VALIDATION_FAILED, "date", "一次最多补算 800 天，请先补算更早的日期")
    current = start
    while True:
        previous = _compute_one(current, previous)
        if current == day:
            return previous
        current = _next(current)


def _latest_before(day: str) -> DailyTotals | None:
    found = list(DailyTotals.query(ALL, range_key_condition=DailyTotals.day < day, scan_index_forward=False,
                                   limit=1, consistent_read=True))
    return found[0] if found else None


def _compute_one(day: str, previous: DailyTotals | None) -> DailyTotals:
    deltas: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(_FIELDS, 0))
    counted = 0
    for event in DemandEvent.stats.query(day):
        for field in _DELTAS.get(event.action, ()):
            deltas[event.city or "未知"][field] += 1
        counted += 1
    total = _carry(plain(previous.total) if previous else {}, _sum(deltas.values()))
    cities = {}
    before = plain(previous.cities) if previous else {}
    for city in sorted(set(before) | set(deltas)):
        cities[city] = _carry(dict(before.get(city) or {}), deltas.get(city, dict.fromkeys(_FIELDS, 0)))
    item = DailyTotals(scope=ALL, day=day, total=Counts(**total), cities=cities, events_counted=counted)
    item.save()
    return item


def plain(value) -> dict:
    """A stored map (MapAttribute or dict) as a plain dict."""
    if value is None:
        return {}
    return value.as_dict() if hasattr(value, "as_dict") else dict(value)


def counts(raw) -> dict[str, int]:
    """A stored Counts (or a city's plain map) as the five numbers an answer shows, absent ones 0."""
    values = plain(raw)
    return {name: int(values.get(name, 0)) for name in _FIELDS}


def _sum(rows) -> dict[str, int]:
    out = dict.fromkeys(_FIELDS, 0)
    for row in rows:
        for field in _FIELDS:
            out[field] += row[field]
    return out


def _carry(before: dict, day: dict[str, int]) -> dict[str, int]:
    return {"demands_new": day["demands_new"], "claims_new": day["claims_new"], "claims_ended": day["claims_ended"],
            "demands_total": int(before.get("demands_total", 0)) + day["demands_new"],
            "claims_total": int(before.get("claims_total", 0)) + day["claims_new"] - day["claims_ended"]}


def latest() -> DailyTotals | None:
    """What the home page shows: the newest stored day (one Query, newest first, one item)."""
    found = list(DailyTotals.query(ALL, scan_index_forward=False, limit=1))
    return found[0] if found else None



def series(first: date, last: date) -> list[DailyTotals]:
    """数据统计 over time (operators' charts): the stored days from `first` to `last`, oldest first, one Query."""
    return list(DailyTotals.query(ALL, DailyTotals.day.between(first.strftime("%Y%m%d"), last.strftime("%Y%m%d")),
                                  limit=MAX_SERIES_DAYS))
