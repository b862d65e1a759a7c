"""/demands/{id}/activities, /activities/{id}/*, /me/signups, /me/service-records: volunteer activities."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib import clock
from chalicelib.api.activity_views import activity_out, attendance_out, roster_entry_out, signup_out
from chalicelib.api.routing import ANYONE, Call, endpoint
from chalicelib.errors import UPLOAD_ERRORS, ErrorCode
from chalicelib.reference import Role
from chalicelib.schemas.activities import (
    ActivityIn,
    ActivityOut,
    ActivityPageOut,
    AttendanceIn,
    AttendanceOut,
    CancelActivityIn,
    CheckInCodeOut,
    RosterPageOut,
    ServiceRecordsOut,
    SignupOut,
    SignupPageOut,
)
from chalicelib.schemas.common import PageQuery
from chalicelib.services import activities

bp = Blueprint(__name__)
VOLUNTEER_ORG = frozenset({Role.VOLUNTEER_ORG})
INDIVIDUAL = frozenset({Role.INDIVIDUAL})


@endpoint(bp, "/demands/{demand_id}/activities", "POST", roles=VOLUNTEER_ORG, body=ActivityIn, status=201,
          response=ActivityOut,
          errors=(ErrorCode.STATE_CONFLICT, *UPLOAD_ERRORS), idempotent=True)
def publish_activity(call: Call, demand_id: str, body: ActivityIn) -> ActivityOut:
    return activity_out(activities.publish(call.caller, demand_id, body, idempotency=call.idempotency), clock.now())


@endpoint(bp, "/demands/{demand_id}/activities", "GET", roles=ANYONE, query=PageQuery, response=ActivityPageOut)
def demand_activities(call: Call, demand_id: str, query: PageQuery) -> ActivityPageOut:
    page = activities.list_for_demand(call.caller, demand_id, limit=query.limit, cursor=query.cursor)
    moment = clock.now()
    return ActivityPageOut(items=[activity_out(a, moment) for a in page.items], next_cursor=page.next_cursor)


@endpoint(bp, "/activities/{activity_id}", "GET", roles=ANYONE, response=ActivityOut)
def activity_detail(call: Call, activity_id: str) -> ActivityOut:
    activity, my_signup = activities.get_public(call.caller, activity_id)
    return activity_out(activity, clock.now(), my_signup=my_signup)


@endpoint(bp, "/activities/{activity_id}/cancel", "POST", roles=VOLUNTEER_ORG, body=CancelActivityIn,
          response=ActivityOut,
          errors=(ErrorCode.ACTIVITY_CANCELLED, ErrorCode.ACTIVITY_NOT_CANCELLABLE, ErrorCode.STATE_CONFLICT))
def cancel_activity(call: Call, activity_id: str, body: CancelActivityIn) -> ActivityOut:
    return activity_out(activities.cancel(call.caller, activity_id, body.reason), clock.now())


@endpoint(bp, "/activities/{activity_id}/signups", "POST", roles=INDIVIDUAL, status=201, response=SignupOut,
          errors=(ErrorCode.ACTIVITY_CANCELLED,
                  ErrorCode.ACTIVITY_FULL,
                  ErrorCode.ALREADY_SIGNED_UP,
                  ErrorCode.SIGNUP_CLOSED),
          idempotent=True)
def sign_up(call: Call, activity_id: str) -> SignupOut:
    return signup_out(activities.sign_up(call.caller, activity_id, idempotency=call.idempotency))


@endpoint(bp, "/activities/{activity_id}/signups/me", "DELETE", roles=INDIVIDUAL, response=SignupOut,
          errors=(ErrorCode.SIGNUP_NOT_CANCELLABLE,))
def cancel_signup(call: Call, activity_id: str) -> SignupOut:
    return signup_out(activities.cancel_signup(call.caller, activity_id))


@endpoint(bp, "/activities/{activity_id}/signups", "GET", roles=VOLUNTEER_ORG, query=PageQuery, response=RosterPageOut)
def activity_roster(call: Call, activity_id: str, query: PageQuery) -> RosterPageOut:
    page = activities.roster(call.caller, activity_id, limit=query.limit, cursor=query.cursor)
    return RosterPageOut(items=[roster_entry_out(s) for s in page.items], next_cursor=page.next_cursor)


@endpoint(bp, "/me/signups", "GET", roles=INDIVIDUAL, query=PageQuery, response=SignupPageOut)
def my_signups(call: Call, query: PageQuery) -> SignupPageOut:
    page, found = activities.my_signups(call.caller, limit=query.limit, cursor=query.cursor)
    moment = clock.now()
    return SignupPageOut(items=[signup_out(s, found.get(s.activity_id), moment) for s in page.items],
                         next_cursor=page.next_cursor)


@endpoint(bp, "/activities/{activity_id}/check-in-code", "GET", roles=VOLUNTEER_ORG, response=CheckInCodeOut,
          errors=(ErrorCode.ACTIVITY_CANCELLED,))
def check_in_code(call: Call, activity_id: str) -> CheckInCodeOut:
    code, valid_from, rotates_at = activities.check_in_code(call.caller, activity_id)
    return CheckInCodeOut(code=code, valid_from=valid_from, rotates_at=rotates_at,
                          window_seconds=activities.CODE_WINDOW_SECONDS)


@endpoint(bp, "/activities/{activity_id}/check-ins", "POST", roles=INDIVIDUAL, body=AttendanceIn, status=201,
          response=AttendanceOut,
          errors=(ErrorCode.ACTIVITY_CANCELLED,
                  ErrorCode.ALREADY_CHECKED_IN,
                  ErrorCode.CHECK_IN_CODE_INVALID,
                  ErrorCode.CHECK_IN_CODE_REQUIRED,
                  ErrorCode.CHECK_IN_CODE_THROTTLED,
                  ErrorCode.CHECK_IN_DAILY_LIMIT,
                  ErrorCode.NOT_SIGNED_UP,
                  ErrorCode.OUTSIDE_ATTENDANCE_AREA,
                  ErrorCode.OUTSIDE_ATTENDANCE_TIME,
                  ErrorCode.STATE_CONFLICT),
          idempotent=True)
def check_in(call: Call, activity_id: str, body: AttendanceIn) -> AttendanceOut:
    return attendance_out(activities.check_in(call.caller, activity_id, body, idempotency=call.idempotency))


@endpoint(bp, "/activities/{activity_id}/check-outs", "POST", roles=INDIVIDUAL, body=AttendanceIn,
          response=AttendanceOut,
          errors=(ErrorCode.ACTIVITY_CANCELLED,
                  ErrorCode.CHECK_IN_CODE_INVALID,
                  ErrorCode.CHECK_IN_CODE_REQUIRED,
                  ErrorCode.CHECK_IN_CODE_THROTTLED,
                  ErrorCode.NOT_CHECKED_IN,
                  ErrorCode.NOT_SIGNED_UP,
                  ErrorCode.OUTSIDE_ATTENDANCE_AREA,
                  ErrorCode.OUTSIDE_ATTENDANCE_TIME,
                  ErrorCode.STATE_CONFLICT),
          idempotent=True)
def check_out(call: Call, activity_id: str, body: AttendanceIn) -> AttendanceOut:
    return attendance_out(activities.check_out(call.caller, activity_id, body, idempotency=call.idempotency))


@endpoint(bp, "/me/service-records", "GET", roles=INDIVIDUAL, query=PageQuery, response=ServiceRecordsOut)
def service_records(call: Call, query: PageQuery) -> ServiceRecordsOut:
    total, page = activities.service_records(call.caller, limit=query.limit, cursor=query.cursor)
    return ServiceRecordsOut(total_hours=activities.hours(total.seconds) if total else None,
                             total_records=int(total.records or 0) if total else None,
                             items=[attendance_out(r) for r in page.items], next_cursor=page.next_cursor)
