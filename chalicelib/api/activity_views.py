"""Stored activities, signups and attendance → response models (see views.py).

The public page carries the organization's recruiting contact and counts, never a volunteer's data; the
organization's roster shows a volunteer's display name and masked phone."""
from __future__ import annotations

from datetime import datetime

from chalicelib.data.activities import Activity, AttendanceRecord, Signup
from chalicelib.reference import CHECK_IN_INSTRUCTIONS, ActivityStatus, SignupStatus, check_in_proof
from chalicelib.schemas.activities import (
    ActivityOut,
    AttendanceOut,
    CoordinatesOut,
    OwnSignupOut,
    RosterEntryOut,
    SignupOut,
)
from chalicelib.schemas.common import mask_mobile
from chalicelib.services import activities, uploads


def activity_out(activity: Activity, moment: datetime, *, my_signup: Signup | None = None) -> ActivityOut:
    return ActivityOut(
        activity_id=activity.activity_id, demand_id=activity.demand_id, org_id=activity.org_id,
        org_name=activity.org_name, status=ActivityStatus(activity.status), phase=activities.phase(activity, moment),
        title=activity.title, activity_type=activity.activity_type, category=activity.category,
        volunteers_to_recruit=int(activity.volunteers_to_recruit), signed_up_count=int(activity.signed_up_count or 0),
        seats_left=activities.seats_left(activity), contact_name=activity.contact_name,
        contact_mobile=activity.contact_mobile, recruit_start=activity.recruit_start, recruit_end=activity.recruit_end,
        service_start=activity.service_start, service_end=activity.service_end, address=activity.address,
        coordinates=CoordinatesOut(longitude=float(activity.longitude), latitude=float(activity.latitude)),
        sign_in_method=activity.sign_in_method, check_in_proof=(proof := check_in_proof(activity.sign_in_method)),
        check_in_instructions=CHECK_IN_INSTRUCTIONS[proof], attendance_radius_km=float(activity.attendance_radius_km),
        who_may_sign_up=activity.who_may_sign_up, tags=list(activity.tags or []),
        service_targets=list(activity.service_targets or []), guarantees=list(activity.guarantees or []),
        introduction=activity.introduction, service_content=activity.service_content,
        certificate_consent=bool(activity.certificate_consent), counts_hours=bool(activity.counts_hours),
        photo_urls=uploads.image_urls(activity.photo_keys),
        published_at=activity.created_at, cancelled_at=activity.cancelled_at, cancel_reason=activity.cancel_reason,
        my_signup=None if my_signup is None else OwnSignupOut(
            status=SignupStatus(my_signup.status), signed_up_at=my_signup.signed_up_at,
            checked_in=my_signup.open_check_in is not None, service_hours=activities.hours(my_signup.service_seconds)),
    )


def signup_out(signup: Signup, activity: Activity | None = None, moment: datetime | None = None) -> SignupOut:
    return SignupOut(
        activity_id=signup.activity_id, status=SignupStatus(signup.status), signed_up_at=signup.signed_up_at,
        cancelled_at=signup.cancelled_at, checked_in=signup.open_check_in is not None,
        service_hours=activities.hours(signup.service_seconds),
        activity=activity_out(activity, moment) if activity is not None and moment is not None else None,
    )


def roster_entry_out(signup: Signup) -> RosterEntryOut:
    return RosterEntryOut(
        volunteer_id=signup.volunteer_id, display_name=signup.display_name,
        masked_phone=mask_mobile(signup.phone) or "", status=SignupStatus(signup.status),
        signed_up_at=signup.signed_up_at, checked_in=signup.open_check_in is not None,
        service_hours=activities.hours(signup.service_seconds),
    )


def attendance_out(record: AttendanceRecord) -> AttendanceOut:
    return AttendanceOut(
        activity_id=record.activity_id, activity_title=record.activity_title, org_name=record.org_name,
        checked_in_at=record.checked_in_at, check_in_by=record.check_in_by, checked_out_at=record.checked_out_at,
        check_out_by=record.check_out_by, service_hours=activities.hours(record.seconds),
        counts_hours=bool(record.counts_hours),
    )
