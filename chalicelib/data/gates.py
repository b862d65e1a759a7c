"""Gates: the head item of a list under a parent, carrying what deciding who may read the list needs.

Each list of a demand's (or an activity's) children is one Query; its gate lives in the same
partition (or index partition) under a key that sorts first in the list's order, so that Query
returns the gate and the page, and the service authorizes from the gate instead of reading the
parent. A gate holds the parent's owner and, for the lists the public reads, whether the demand is
publicly visible; it is written in the transaction that creates the parent and rewritten in every
transaction that changes the demand's visibility (services/gates.py).

A gate lacks every other index's keys (sparse indexes leave it out) and its key is no valid id
(ids are hex), so no other list, count, route or stream handler meets it except by reading a
whole partition, and those skip it by key. None of these is in ALL_MODELS (no table of its own):
`data/tables.py:IN_SHARED_TABLES`.
"""
from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from chalicelib.data.base import TableMeta, table_name

GATE_KEY = "!gate"                                     # before every hex id and ISO time: first ascending
FIRST_TIME = datetime.min.replace(tzinfo=UTC)          # first in an oldest-first index Query
LAST_TIME = datetime.max.replace(tzinfo=UTC)           # first in a newest-first index Query


class TimelineGate(Model):
    """`demand_events`: first in the timeline (ascending `event_key`); only the owner and operators read it."""

    class Meta(TableMeta):
        table_name = table_name("demand_events")

    demand_id = UnicodeAttribute(hash_key=True)
    event_key = UnicodeAttribute(range_key=True, default=GATE_KEY)
    org_id = UnicodeAttribute()                        # the demand's 团组织 (never changes)


class RosterGate(Model):
    """`activity_signups`: first in an activity's sign-ups (ascending `volunteer_id`); its organization reads it.
    No `signed_up_at`: not in `by_volunteer`."""

    class Meta(TableMeta):
        table_name = table_name("activity_signups")

    activity_id = UnicodeAttribute(hash_key=True)
    volunteer_id = UnicodeAttribute(range_key=True, default=GATE_KEY)
    org_id = UnicodeAttribute()                        # the activity's volunteer organization (never changes)


class ClaimsGate(Model):
    """`claims`: first in `by_confirmed_demand` (oldest confirmation first). No applied_at, status or feed keys:
    in no other index."""

    class Meta(TableMeta):
        table_name = table_name("claims")

    demand_id = UnicodeAttribute(hash_key=True)
    applicant_id = UnicodeAttribute(range_key=True, default=GATE_KEY)
    confirmed_demand = UnicodeAttribute()              # = demand_id: the index's hash key
    confirmed_at = UTCDateTimeAttribute(default=FIRST_TIME)
    org_id = UnicodeAttribute()
    visible = BooleanAttribute()                       # the demand is publicly visible (services/demands.is_visible)


def activities_gate_id(demand_id: str) -> str:
    return f"{GATE_KEY}.{demand_id}"


class ActivitiesGate(Model):
    """`activities`: first in `by_demand` (newest first); its id is no activity id (those are hex)."""

    class Meta(TableMeta):
        table_name = table_name("activities")

    activity_id = UnicodeAttribute(hash_key=True)      # activities_gate_id(demand_id)
    demand_id = UnicodeAttribute()
    created_at = UTCDateTimeAttribute(default=LAST_TIME)
    org_id = UnicodeAttribute()
    visible = BooleanAttribute()


class RatingsGate(Model):
    """`ratings`: first in a demand's sheets (ascending `applicant_id`). No owed or reveal keys: in no index."""

    class Meta(TableMeta):
        table_name = table_name("ratings")

    demand_id = UnicodeAttribute(hash_key=True)
    applicant_id = UnicodeAttribute(range_key=True, default=GATE_KEY)
    org_id = UnicodeAttribute()
    visible = BooleanAttribute()
