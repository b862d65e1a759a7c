"""Volunteer activities (志愿服务活动), their sign-ups (报名), attendance (签到签退) and service hours.

Every list is one Query: a demand's activities (`by_demand`), an activity's sign-ups (base table),
a volunteer's sign-ups (`by_volunteer`), a volunteer's attendance records (base table of
`attendance`). The seat counter lives on the activity and the open check-in and the day's
check-in count on the sign-up, so each rule is one condition inside the transaction that
writes the change: racing requests cannot exceed a limit.
"""
from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.data.base import TableMeta, table_name


class ByDemandIndex(GlobalSecondaryIndex):
    """A demand's activities, newest first (public list on the demand page)."""

    class Meta:
        index_name = "by_demand"
        projection = AllProjection()

    demand_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class ActivityReviewIndex(GlobalSecondaryIndex):
    """Operators' moderation queue of activities: reported ones, oldest report first (sparse)."""

    class Meta:
        index_name = "review_queue"
        projection = AllProjection()

    review_queue = UnicodeAttribute(hash_key=True)
    first_reported_at = UTCDateTimeAttribute(range_key=True)


class Activity(Model):
    class Meta(TableMeta):
        table_name = table_name("activities")

    activity_id = UnicodeAttribute(hash_key=True)
    demand_id = UnicodeAttribute()
    org_id = UnicodeAttribute()                          # the confirmed claimant (volunteer org)
    org_name = UnicodeAttribute()
    status = UnicodeAttribute()                          # ActivityStatus

    title = UnicodeAttribute()
    activity_type = UnicodeAttribute()
    category = UnicodeAttribute()
    volunteers_to_recruit = NumberAttribute()
    signed_up_count = NumberAttribute(default=0)         # condition: < volunteers_to_recruit
    contact_name = UnicodeAttribute()
    contact_mobile = UnicodeAttribute()                  # the organization's public recruiting contact
    recruit_start = UTCDateTimeAttribute()
    recruit_end = UTCDateTimeAttribute()
    service_start = UTCDateTimeAttribute()
    service_end = UTCDateTimeAttribute()
    address = UnicodeAttribute()
    longitude = NumberAttribute()
    latitude = NumberAttribute()
    sign_in_method = UnicodeAttribute()
    attendance_radius_km = NumberAttribute()
    who_may_sign_up = UnicodeAttribute()
    tags = ListAttribute(of=UnicodeAttribute, default=list)
    service_targets = ListAttribute(of=UnicodeAttribute, default=list)
    guarantees = ListAttribute(of=UnicodeAttribute, default=list)
    introduction = UnicodeAttribute()
    service_content = UnicodeAttribute()
    certificate_consent = BooleanAttribute()
    counts_hours = BooleanAttribute()                    # type counts hours (and consent was given)
    photo_keys = ListAttribute(of=UnicodeAttribute, default=list)   # 活动图片: images/… keys in the image bucket

    check_in_secret = UnicodeAttribute()                 # HMAC key of the rotating code; never leaves the API
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    cancelled_at = UTCDateTimeAttribute(null=True)
    cancel_reason = UnicodeAttribute(null=True)

    # 举报 and moderation, as on a demand (services/reports.py): hidden from the public and from sign-up.
    hidden = BooleanAttribute(null=True)
    hidden_reason = UnicodeAttribute(null=True)
    open_report_count = NumberAttribute(null=True)
    open_reporters = UnicodeSetAttribute(null=True)      # the open reports' holders (at most REPORTS_TO_HIDE)
    review_queue = UnicodeAttribute(null=True)           # "pending" while reports wait for an operator
    first_reported_at = UTCDateTimeAttribute(null=True)

    by_demand = ByDemandIndex()
    review = ActivityReviewIndex()


class ByVolunteerIndex(GlobalSecondaryIndex):
    """我的报名: a volunteer's sign-ups, newest first."""

    class Meta:
        index_name = "by_volunteer"
        projection = AllProjection()

    volunteer_id = UnicodeAttribute(hash_key=True)
    signed_up_at = UTCDateTimeAttribute(range_key=True)


class Signup(Model):
    """One per (activity, volunteer); a cancelled sign-up is reused by a new sign-up."""

    class Meta(TableMeta):
        table_name = table_name("activity_signups")

    activity_id = UnicodeAttribute(hash_key=True)
    volunteer_id = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute()                          # SignupStatus
    display_name = UnicodeAttribute()                    # shown to the organization
    phone = UnicodeAttribute()                           # stored once; the organization sees it masked
    signed_up_at = UTCDateTimeAttribute()
    cancelled_at = UTCDateTimeAttribute(null=True)
    # Attendance state, changed only in the check-in / check-out transactions (with conditions):
    open_check_in = UnicodeAttribute(null=True)          # record_key of the open attendance record
    open_check_in_by = UnicodeAttribute(null=True)       # its check_in_by: check-out answers the record unread
    check_in_day = UnicodeAttribute(null=True)           # YYYYMMDD (CST) of the latest check-in
    check_in_day_count = NumberAttribute(default=0)      # check-ins on that day (≤ MAX_CHECK_INS_PER_DAY)
    service_seconds = NumberAttribute(default=0)         # counted, clipped seconds of this activity

    by_volunteer = ByVolunteerIndex()


class AttendanceRecord(Model):
    """签到签退: one item per check-in; the check-out completes it with the clipped seconds."""

    class Meta(TableMeta):
        table_name = table_name("attendance")

    volunteer_id = UnicodeAttribute(hash_key=True)
    record_key = UnicodeAttribute(range_key=True)        # checked-in ISO time + "#" + activity id
    activity_id = UnicodeAttribute()
    activity_title = UnicodeAttribute()
    org_name = UnicodeAttribute()
    service_start = UTCDateTimeAttribute()
    service_end = UTCDateTimeAttribute()
    checked_in_at = UTCDateTimeAttribute()
    check_in_by = UnicodeAttribute()                     # "code" | "location"
    checked_out_at = UTCDateTimeAttribute(null=True)
    check_out_by = UnicodeAttribute(null=True)
    seconds = NumberAttribute(default=0)                 # checked-in time clipped to the service window
    counts_hours = BooleanAttribute()


class ServiceTotal(Model):
    """A volunteer's counted service time across activities (志愿服务记录证书), added at each check-out."""

    class Meta(TableMeta):
        table_name = table_name("service_totals")

    volunteer_id = UnicodeAttribute(hash_key=True)
    seconds = NumberAttribute(default=0)
    records = NumberAttribute(default=0)
