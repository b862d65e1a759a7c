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


ACTIVITY_PREFIX = "activity:"   # the hash key of an activity's reports: "activity:<activity_id>"


def target_key(kind: str, target_id: str) -> str:
    """The reports' hash key of a target: a demand id as is (reports before activities had them), an activity's
    prefixed, so the two kinds never share a partition."""
    return f"{ACTIVITY_PREFIX}{target_id}" if kind == "activity" else target_id


class Report(Model):
    """One report per (target, reporter). A demand's reports are keyed by the demand id; an activity's by
    `activity:<id>` (`target_key`), with `target_kind`, `activity_id`, `activity_title` and the activity's
    `about_demand_id` set."""

    class Meta(TableMeta):
        table_name = table_name("reports")

    demand_id = UnicodeAttribute(hash_key=True)    # the target key (see target_key)
    reporter_id = UnicodeAttribute(range_key=True)
    reason_code = UnicodeAttribute()
    reason_text = UnicodeAttribute(null=True)
    status = UnicodeAttribute()                 # open | upheld | dismissed
    demand_title = UnicodeAttribute(null=True)  # what 我的举报 shows without reading the demand
    created_at = UTCDateTimeAttribute()
    decided_at = UTCDateTimeAttribute(null=True)
    decision_note = UnicodeAttribute(null=True)
    target_kind = UnicodeAttribute(null=True)      # ReportTarget; absent: a demand
    activity_id = UnicodeAttribute(null=True)
    activity_title = UnicodeAttribute(null=True)
    about_demand_id = UnicodeAttribute(null=True)  # an activity report: the demand the activity serves

    by_reporter = ByReporterIndex()
