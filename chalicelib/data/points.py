"""Points (积分): a ledger per organization and its balance.

The ledger entry's key is the rating it rewards (`entry_id` = rating id), so awarding the same
rating twice is a failed conditional put; the entry and the balance change in one transaction, so
a balance always equals the sum of its ledger.
"""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, LocalSecondaryIndex
from pynamodb.models import Model

from chalicelib.data.base import TableMeta, table_name


class ByTimeIndex(LocalSecondaryIndex):
    """我的积分: an organization's ledger, newest entry first."""

    class Meta:
        index_name = "by_time"
        projection = AllProjection()

    account_id = UnicodeAttribute(hash_key=True)
    at = UTCDateTimeAttribute(range_key=True)


class PointEntry(Model):
    class Meta(TableMeta):
        table_name = table_name("point_ledger")

    account_id = UnicodeAttribute(hash_key=True)     # the rated organization
    entry_id = UnicodeAttribute(range_key=True)      # the rating id: "<demand_id>.<applicant_id>.<side>"
    at = UTCDateTimeAttribute()                      # when the rating was given
    points = NumberAttribute()
    reason = UnicodeAttribute()                      # "rating"
    score = NumberAttribute()
    side = UnicodeAttribute()                        # who rated: "publisher" | "claimant"
    demand_id = UnicodeAttribute()
    applicant_id = UnicodeAttribute()
    demand_title = UnicodeAttribute()
    rater_name = UnicodeAttribute()
    awarded_at = UTCDateTimeAttribute()

    by_time = ByTimeIndex()


class PointBalance(Model):
    class Meta(TableMeta):
        table_name = table_name("point_balances")

    account_id = UnicodeAttribute(hash_key=True)
    balance = NumberAttribute(default=0)
    entry_count = NumberAttribute(default=0)
    updated_at = UTCDateTimeAttribute(null=True)

