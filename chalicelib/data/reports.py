"""举报: one report per account per demand (a new one replaces a decided one)."""
from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.data.base import TableMeta, table_name


class ByReporterIndex(GlobalSecondaryIndex):
    """我的举报: a reporter's reports with their outcome, newest first."""

    class Meta:
        index_name = "by_reporter"
        projection = AllProjection()

    reporter_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class Report(Model):
    class Meta(TableMeta):
        table_name = table_name("reports")

    demand_id = UnicodeAttribute(hash_key=True)
    reporter_id = UnicodeAttribute(range_key=True)
    reason_code = UnicodeAttribute()
    reason_text = UnicodeAttribute(null=True)
    status = UnicodeAttribute()                 # open | upheld | dismissed
    demand_title = UnicodeAttribute(null=True)  # what 我的举报 shows without reading the demand
    created_at = UTCDateTimeAttribute()
    decided_at = UTCDateTimeAttribute(null=True)
    decision_note = UnicodeAttribute(null=True)

    by_reporter = ByReporterIndex()
