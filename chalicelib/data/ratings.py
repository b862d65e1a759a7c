"""Ratings (评分): one sheet per claim holding both sides' ratings, the reveal flag and the owed keys.

Keyed like the claim (`demand_id` + `applicant_id`), so the public 评分信息 tab of a demand is one
Query on the base table. The sheet is written at confirmation (both sides owe a rating), and each
rating is one conditional update of it: the rating map appears (never changes afterwards), the
rater's sparse owed key disappears, and the second rating sets `revealed` in the same write; a
sheet still blind when its 14-day window closes is revealed by the hourly job
(`services.ratings.reveal_due`).
The table's stream (NEW_AND_OLD_IMAGES) feeds the points ledger and the rating notifications when
`revealed` turns true: nothing about a blind rating leaks through points.
"""
from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, MapAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.data.base import TableMeta, table_name

OWED = "owed"


class RatingMap(MapAttribute):
    """One side's rating: immutable once written."""

    score = NumberAttribute()              # 1..5
    comment = UnicodeAttribute(null=True)  # required (≥ 10 characters) for a score of 1 or 2; ≤ 200
    rater_id = UnicodeAttribute()
    rated_at = UTCDateTimeAttribute()


class PublisherOwedIndex(GlobalSecondaryIndex):
    """团组织 待评分: sheets whose claimant it has not rated yet (sparse), oldest confirmation first."""

    class Meta:
        index_name = "publisher_owed"
        projection = AllProjection()

    publisher_owed = UnicodeAttribute(hash_key=True)   # "<publisher_id>#owed" until the publisher rates
    confirmed_at = UTCDateTimeAttribute(range_key=True)


class ClaimantOwedIndex(GlobalSecondaryIndex):
    """志愿服务组织 待评分: sheets whose publisher it has not rated yet (sparse)."""

    class Meta:
        index_name = "claimant_owed"
        projection = AllProjection()

    claimant_owed = UnicodeAttribute(hash_key=True)    # "<applicant_id>#owed" until the claimant rates
    confirmed_at = UTCDateTimeAttribute(range_key=True)


class RevealDueIndex(GlobalSecondaryIndex):
    """Sheets still blind, by the CST day their 14-day window closes (sparse): the hourly reveal job
    reads the sheets due, never the table."""

    class Meta:
        index_name = "reveal_due"
        projection = AllProjection()

    reveal_day = UnicodeAttribute(hash_key=True)       # YYYYMMDD (CST) of confirmed_at + 14 days
    confirmed_at = UTCDateTimeAttribute(range_key=True)


class RatingSheet(Model):
    class Meta(TableMeta):
        table_name = table_name("ratings")
        stream_view_type = "NEW_AND_OLD_IMAGES"

    demand_id = UnicodeAttribute(hash_key=True)
    applicant_id = UnicodeAttribute(range_key=True)      # the claimant (volunteer organization)
    publisher_id = UnicodeAttribute()                    # the demand's 团组织
    publisher_name = UnicodeAttribute()
    claimant_name = UnicodeAttribute()
    demand_title = UnicodeAttribute()
    confirmed_at = UTCDateTimeAttribute()                # first confirmation: the 14-day reveal clock
    by_publisher = RatingMap(null=True)                  # the publisher's rating of the claimant
    by_claimant = RatingMap(null=True)                   # the claimant's rating of the publisher
    revealed = BooleanAttribute(default=False)           # both sides rated (set with the second rating)
    revealed_at = UTCDateTimeAttribute(null=True)
    closed_at = UTCDateTimeAttribute(null=True)          # the confirmed claim was withdrawn: nothing owed
    updated_at = UTCDateTimeAttribute()
    publisher_owed = UnicodeAttribute(null=True)
    claimant_owed = UnicodeAttribute(null=True)
    reveal_day = UnicodeAttribute(null=True)              # until revealed

    publisher_owed_index = PublisherOwedIndex()
    claimant_owed_index = ClaimantOwedIndex()
    reveal_due_index = RevealDueIndex()
