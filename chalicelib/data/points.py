"""Points (积分): a ledger per organization and its balance, in one table.

The ledger entry's key is the rating it rewards (`entry_id` = rating id), so awarding the same
rating twice is a failed conditional put; the entry and the balance change in one transaction, so
a balance always equals the sum of its ledger.

The balance is an item of the ledger's own partition whose `at` comes after every real time, so
the newest-first Query of 我的积分 returns it first: one request gives the balance and the page.
"""
from __future__ import annotations

from datetime import UTC, datetime

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


BALANCE_ID = "~balance"                                       # after every rating id
BALANCE_AT = datetime.max.replace(tzinfo=UTC)               # first in `by_time`, newest first


class PointBalance(Model):
    """Lives in `point_ledger` (ALL_MODELS lists the table once, as `PointEntry`)."""

    class Meta(TableMeta):
        table_name = table_name("point_ledger")

    account_id = UnicodeAttribute(hash_key=True)
    entry_id = UnicodeAttribute(range_key=True, default=BALANCE_ID)
    at = UTCDateTimeAttribute(default=BALANCE_AT)               # the `by_time` range key: the item is indexed
    balance = NumberAttribute(default=0)
    entry_count = NumberAttribute(default=0)
    updated_at = UTCDateTimeAttribute(null=True)

