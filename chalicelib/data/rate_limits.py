"""Counters for throttling (SMS sends, failed logins)."""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.data.base import TableMeta, table_name


class RateCounter(Model):
    class Meta(TableMeta):
        table_name = table_name("rate_counters")

    key = UnicodeAttribute(hash_key=True)   # "<bucket>:<subject>:<window start>"
    count = NumberAttribute(default=0)
    expires_at = TTLAttribute()          # an hour after the window closes
    # Backoff gates (throttle.take_gated_in): the epoch second before which the next event is refused.
    not_before = NumberAttribute(null=True)
