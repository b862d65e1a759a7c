"""Yesterday's totals (数据统计 数据截止至昨日): one item per China-Standard-Time day."""
from __future__ import annotations

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.data.base import TableMeta, table_name

ALL = "all"


class Counts(MapAttribute):
    demands_total = NumberAttribute(default=0)     # 需求数: demands published up to the end of the day
    claims_total = NumberAttribute(default=0)      # 认领数: confirmed claims held at the end of the day
    demands_new = NumberAttribute(default=0)       # published that day
    claims_new = NumberAttribute(default=0)        # confirmed that day
    claims_ended = NumberAttribute(default=0)      # confirmed claims withdrawn that day


class DailyTotals(Model):
    """Keyed ("all", day): the latest is one Query (newest first, limit 1); a day is one GetItem."""

    class Meta(TableMeta):
        table_name = table_name("daily_totals")

    scope = UnicodeAttribute(hash_key=True)        # "all"
    day = UnicodeAttribute(range_key=True)         # YYYYMMDD (CST)
    total = Counts()
    cities = MapAttribute(default=dict)            # city → Counts as a plain map
    events_counted = NumberAttribute(default=0)
