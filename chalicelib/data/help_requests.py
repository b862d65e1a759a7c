"""初始需求 (help requests): what an individual asks of one 团组织, with its transition history.

The item holds a minor's personal data (student name, school, address, the
family's mobile). The four list indexes project only what a list row shows
(title, state, names, time), so the personal data is stored once, in the base
table, and is read only by GetItem/BatchGetItem on the detail and link paths.
"""
from __future__ import annotations

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from chalicelib.data.base import TableMeta, table_name

# What a list row shows (我的求助, 初始需求 inbox); keys are projected anyway.
LIST_ROW_ATTRIBUTES = ["kind", "status", "title", "org_id", "org_name", "submitter_id", "submitter_name",
                       "updated_at"]

MAX_HISTORY = 30  # transitions kept on the item: the submission, then the latest 29


class Transition(MapAttribute):
    """One state change: who, when, from, to, why (and the formal demand it concerns)."""

    at = UTCDateTimeAttribute()
    actor_id = UnicodeAttribute()
    from_status = UnicodeAttribute(null=True)      # None for the submission itself
    to_status = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    demand_id = UnicodeAttribute(null=True)


class SubjectScore(MapAttribute):
    subject = UnicodeAttribute()
    score = NumberAttribute()                      # 0–150, at most one decimal


class TutoringDetails(MapAttribute):
    """青年云支教专题需求: the form of guide §2.2, kept structured beside the rendered description."""

    student_name = UnicodeAttribute()
    gender = UnicodeAttribute()
    grade = UnicodeAttribute()
    school = UnicodeAttribute()
    city = UnicodeAttribute()
    address = UnicodeAttribute()
    subjects = ListAttribute(of=SubjectScore)
    interests = ListAttribute(of=UnicodeAttribute, default=list)
    remark = UnicodeAttribute(null=True)


def _row_projection() -> IncludeProjection:
    return IncludeProjection(LIST_ROW_ATTRIBUTES)


class BySubmitterIndex(GlobalSecondaryIndex):
    """我的求助, 全部状态: one individual's requests, newest first."""

    class Meta:
        index_name = "by_submitter"
        projection = _row_projection()

    submitter_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class BySubmitterStatusIndex(GlobalSecondaryIndex):
    """我的求助 filtered by one state, newest first."""

    class Meta:
        index_name = "by_submitter_status"
        projection = _row_projection()

    submitter_status = UnicodeAttribute(hash_key=True)     # "<submitter_id>#<status>"
    created_at = UTCDateTimeAttribute(range_key=True)


class ByOrgIndex(GlobalSecondaryIndex):
    """初始需求 inbox of one 团组织, 全部状态, newest first."""

    class Meta:
        index_name = "by_org"
        projection = _row_projection()

    org_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class ByOrgStatusIndex(GlobalSecondaryIndex):
    """初始需求 inbox filtered by one state (待采用 / 已采用 / 不采用 …), newest first."""

    class Meta:
        index_name = "by_org_status"
        projection = _row_projection()

    org_status = UnicodeAttribute(hash_key=True)           # "<org_id>#<status>"
    created_at = UTCDateTimeAttribute(range_key=True)


class HelpRequest(Model):
    class Meta(TableMeta):
        table_name = table_name("help_requests")
        stream_view_type = "NEW_AND_OLD_IMAGES"   # adopted/declined → the submitter's notification

    request_id = UnicodeAttribute(hash_key=True)           # random 128-bit hex
    kind = UnicodeAttribute()                              # HelpRequestKind
    status = UnicodeAttribute()                            # HelpRequestStatus
    title = UnicodeAttribute()
    description = UnicodeAttribute()                       # rendered server-side (cloud tutoring) or as typed
    tutoring = TutoringDetails(null=True)                  # cloud tutoring only

    org_id = UnicodeAttribute()                            # the addressed 团组织 (account id)
    org_name = UnicodeAttribute()                          # denormalised for list rows
    submitter_id = UnicodeAttribute()
    submitter_name = UnicodeAttribute()                    # 提交人, denormalised for list rows
    contact_name = UnicodeAttribute()
    contact_phone = UnicodeAttribute()                     # proven by an SMS code; masked for the submitter

    decline_reason = UnicodeAttribute(null=True)
    demand_id = UnicodeAttribute(null=True)                # the formal demand it is linked to, if any

    submitter_status = UnicodeAttribute()
    org_status = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    history = ListAttribute(of=Transition, default=list)   # bounded: MAX_HISTORY
    version = VersionAttribute()

    by_submitter = BySubmitterIndex()
    by_submitter_status = BySubmitterStatusIndex()
    by_org = ByOrgIndex()
    by_org_status = ByOrgStatusIndex()
