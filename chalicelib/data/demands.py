"""Formal demands (正式需求) and their timeline."""
from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from chalicelib.data.accounts import Region
from chalicelib.data.base import TableMeta, table_name

PUBLIC_FEED = "public"


class OrgBlock(MapAttribute):
    """确认组织信息 (publish step 2)."""

    region = Region()
    org_name = UnicodeAttribute()
    leader_name = UnicodeAttribute()
    landline = UnicodeAttribute(null=True)
    leader_mobile = UnicodeAttribute()          # shown to the publisher only (and, later, the confirmed claimant)
    services_content = UnicodeAttribute(null=True)


class ByOrgIndex(GlobalSecondaryIndex):
    """我的发布, all states: an organization's demands, newest first."""

    class Meta:
        index_name = "by_org"
        projection = AllProjection()

    org_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class ByOrgStatusIndex(GlobalSecondaryIndex):
    """我的发布 filtered by state, and the 待认领 counter (Select COUNT)."""

    class Meta:
        index_name = "by_org_status"
        projection = AllProjection()

    org_status = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class PublicFeedIndex(GlobalSecondaryIndex):
    """需求信息: every publicly visible demand, newest published first (sparse)."""

    class Meta:
        index_name = "public_feed"
        projection = AllProjection()

    feed = UnicodeAttribute(hash_key=True)
    published_at = UTCDateTimeAttribute(range_key=True)


class PublicCityFeedIndex(GlobalSecondaryIndex):
    """需求信息 with the region selector: visible demands of one city (sparse)."""

    class Meta:
        index_name = "public_city_feed"
        projection = AllProjection()

    feed_city = UnicodeAttribute(hash_key=True)
    published_at = UTCDateTimeAttribute(range_key=True)


class ReviewQueueIndex(GlobalSecondaryIndex):
    """Operators' moderation queue: demands with open reports, oldest report first (sparse)."""

    class Meta:
        index_name = "review_queue"
        projection = AllProjection()

    review_queue = UnicodeAttribute(hash_key=True)
    first_reported_at = UTCDateTimeAttribute(range_key=True)


class Demand(Model):
    class Meta(TableMeta):
        table_name = table_name("demands")

    demand_id = UnicodeAttribute(hash_key=True)
    org_id = UnicodeAttribute()
    org_name = UnicodeAttribute()
    status = UnicodeAttribute()
    org_status = UnicodeAttribute()

    title = UnicodeAttribute(null=True)
    demand_type = UnicodeAttribute(null=True)
    demand_type_other = UnicodeAttribute(null=True)
    volunteers_needed = NumberAttribute(null=True)
    content = UnicodeAttribute(null=True)
    period_start = UnicodeAttribute(null=True)      # YYYY-MM-DD
    period_end = UnicodeAttribute(null=True)
    guarantees = ListAttribute(of=UnicodeAttribute, default=list)
    linked_request_ids = ListAttribute(of=UnicodeAttribute, default=list)
    org_block = OrgBlock(null=True)

    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    published_at = UTCDateTimeAttribute(null=True)

    like_count = NumberAttribute(default=0)
    application_count = NumberAttribute(default=0)  # claims: editing stops at the first application
    confirmed_applicant_id = UnicodeAttribute(null=True)   # set by confirm, removed by its withdrawal: who sees
                                                           # the leader's contacts, without reading the claim
    hidden = BooleanAttribute(default=False)        # reported by 3 accounts, or a report upheld
    hidden_reason = UnicodeAttribute(null=True)
    open_report_count = NumberAttribute(default=0)
    # Who holds the open reports (at most REPORTS_TO_HIDE: a hidden demand takes no report), so a decision
    # updates them by key instead of querying them.
    open_reporters = UnicodeSetAttribute(null=True)
    review_queue = UnicodeAttribute(null=True)      # "pending" while reports wait for an operator
    first_reported_at = UTCDateTimeAttribute(null=True)

    # Sparse index keys: present only while the demand is publicly visible.
    feed = UnicodeAttribute(null=True)
    feed_city = UnicodeAttribute(null=True)
    search_text = UnicodeAttribute(null=True)       # casefolded title + content for keyword filters
    # No VersionAttribute: likes and reports update counters on the same item without reading it;
    # transitions condition on status (and edits on updated_at) instead.

    by_org = ByOrgIndex()
    by_org_status = ByOrgStatusIndex()
    public_feed = PublicFeedIndex()
    public_city_feed = PublicCityFeedIndex()
    review = ReviewQueueIndex()


class StatsDayIndex(GlobalSecondaryIndex):
    """The events the daily totals count (published, claimed, unclaimed) of one China-Standard-Time
    day (sparse): the totals job reads what happened that day, never the whole table."""

    class Meta:
        index_name = "stats_day"
        projection = IncludeProjection(["action", "city"])

    stats_day = UnicodeAttribute(hash_key=True)     # YYYYMMDD in CST
    event_key = UnicodeAttribute(range_key=True)


class DemandEvent(Model):
    """The demand's timeline: who did what, when, from which state to which (progress bar, audit).

    It is also the outbox of demand-related notifications: the table's stream (NEW_IMAGE) feeds
    `events/demand_events_stream.py`, and every event is written in the transaction of its change.
    """

    class Meta(TableMeta):
        table_name = table_name("demand_events")
        stream_view_type = "NEW_IMAGE"

    demand_id = UnicodeAttribute(hash_key=True)
    event_key = UnicodeAttribute(range_key=True)    # ISO time + random suffix: ordered, never colliding
    at = UTCDateTimeAttribute()
    actor_id = UnicodeAttribute()
    actor_role = UnicodeAttribute()
    action = UnicodeAttribute()
    from_status = UnicodeAttribute(null=True)
    to_status = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    changed_fields = ListAttribute(of=UnicodeAttribute, default=list)
    subject_id = UnicodeAttribute(null=True)        # the claim's applicant, the activity: whom it is about
    notify_ids = ListAttribute(of=UnicodeAttribute, null=True)   # extra recipients (the reporters decided)
    city = UnicodeAttribute(null=True)              # the demand's city, on the events the totals count
    stats_day = UnicodeAttribute(null=True)

    stats = StatsDayIndex()
