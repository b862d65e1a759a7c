"""Stored notifications and daily totals (数据统计) → response models (see views.py)."""
from __future__ import annotations

from chalicelib.data.notifications import Notification
from chalicelib.data.stats import DailyTotals
from chalicelib.schemas.notifications import CityCountsOut, CountsOut, DayTotalsOut, NotificationOut
from chalicelib.services import stats


def notification_out(item: Notification) -> NotificationOut:
    return NotificationOut(notification_id=item.notification_id, type=item.type, title=item.title, body=item.body,
                           link_kind=item.link_kind, link_id=item.link_id, created_at=item.created_at,
                           read=item.read_at is not None, read_at=item.read_at)


def day_totals(stored: DailyTotals) -> DayTotalsOut:
    """A day the daily job stored (数据统计), whole and per city (sorted by name)."""
    cities = stats.plain(stored.cities)
    return DayTotalsOut(day=stats.shown_day(stored.day), total=CountsOut(**stats.counts(stored.total)),
                        cities=[CityCountsOut(city=city, **stats.counts(cities[city])) for city in sorted(cities)])
