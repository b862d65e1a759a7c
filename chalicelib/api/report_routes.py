"""/demands/{id}/reports, /activities/{id}/reports, /me/reports, /admin/review-queue, /admin/demands/*/reports,
/admin/activities/*/reports: reports (举报) on demands and activities, and their moderation."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib import clock
from chalicelib.api import views
from chalicelib.api.activity_views import activity_out
from chalicelib.api.routing import ALL_ROLES, Call, endpoint
from chalicelib.data.reports import Report
from chalicelib.errors import ErrorCode
from chalicelib.reference import ReportTarget, Role
from chalicelib.schemas.activities import ActivityOut
from chalicelib.schemas.common import PageQuery
from chalicelib.schemas.demands import DemandDetailOut
from chalicelib.schemas.reports import (
    DecisionIn,
    DemandReportsOut,
    ModeratedReportOut,
    ReportIn,
    ReportOut,
    ReportPageOut,
    ReviewItemOut,
    ReviewPageOut,
    ReviewQuery,
)
from chalicelib.services import reports

bp = Blueprint(__name__)
OPERATOR = frozenset({Role.OPERATOR})


def _report_fields(item: Report) -> dict:
    target = ReportTarget(item.target_kind or ReportTarget.DEMAND.value)
    about = item.about_demand_id if target is ReportTarget.ACTIVITY else item.demand_id   # the key is the target's
    return dict(target=target, demand_id=about, demand_title=item.demand_title, activity_id=item.activity_id,
                activity_title=item.activity_title, reason=item.reason_code, text=item.reason_text,
                status=item.status, created_at=item.created_at, decided_at=item.decided_at,
                decision_note=item.decision_note)


@endpoint(bp, "/demands/{demand_id}/reports", "POST", roles=ALL_ROLES, body=ReportIn, status=201, response=ReportOut,
          errors=(ErrorCode.ALREADY_REPORTED, ErrorCode.FORBIDDEN), idempotent=True)
def report_demand(call: Call, demand_id: str, body: ReportIn) -> ReportOut:
    return ReportOut(**_report_fields(reports.report(call.caller, demand_id, body, idempotency=call.idempotency)))


@endpoint(bp, "/activities/{activity_id}/reports", "POST", roles=ALL_ROLES, body=ReportIn, status=201,
          response=ReportOut, errors=(ErrorCode.ALREADY_REPORTED, ErrorCode.FORBIDDEN), idempotent=True)
def report_activity(call: Call, activity_id: str, body: ReportIn) -> ReportOut:
    filed = reports.report_activity(call.caller, activity_id, body, idempotency=call.idempotency)
    return ReportOut(**_report_fields(filed))


@endpoint(bp, "/me/reports", "GET", roles=ALL_ROLES, query=PageQuery, response=ReportPageOut)
def my_reports(call: Call, query: PageQuery) -> ReportPageOut:
    page = reports.my_reports(call.caller, limit=query.limit, cursor=query.cursor)
    return ReportPageOut(items=[ReportOut(**_report_fields(r)) for r in page.items], next_cursor=page.next_cursor)


@endpoint(bp, "/admin/review-queue", "GET", roles=OPERATOR, query=ReviewQuery, response=ReviewPageOut)
def review_queue(call: Call, query: ReviewQuery) -> ReviewPageOut:
    page = reports.review_queue(limit=query.limit, cursor=query.cursor, kind=query.kind)
    activity = query.kind is ReportTarget.ACTIVITY
    items = [ReviewItemOut(target=query.kind, demand_id=t.demand_id, activity_id=t.activity_id if activity else None,
                           title=t.title, org_name=t.org_name, open_report_count=int(t.open_report_count or 0),
                           hidden=bool(t.hidden), first_reported_at=t.first_reported_at) for t in page.items]
    return ReviewPageOut(items=items, next_cursor=page.next_cursor)


@endpoint(bp, "/admin/demands/{demand_id}/reports", "GET", roles=OPERATOR, response=DemandReportsOut)
def demand_reports(call: Call, demand_id: str) -> DemandReportsOut:
    return DemandReportsOut(items=[ModeratedReportOut(**_report_fields(r), reporter_id=r.reporter_id)
                                   for r in reports.reports_of(demand_id)])


@endpoint(bp, "/admin/demands/{demand_id}/reports/uphold", "POST", roles=OPERATOR, body=DecisionIn,
          response=DemandDetailOut,
          errors=(ErrorCode.STATE_CONFLICT,))
def uphold_reports(call: Call, demand_id: str, body: DecisionIn) -> DemandDetailOut:
    return views.public_demand(reports.decide(call.caller, demand_id, uphold=True, note=body.note),
                               liked=False, favorited=False)


@endpoint(bp, "/admin/demands/{demand_id}/reports/dismiss", "POST", roles=OPERATOR, body=DecisionIn,
          response=DemandDetailOut,
          errors=(ErrorCode.STATE_CONFLICT,))
def dismiss_reports(call: Call, demand_id: str, body: DecisionIn) -> DemandDetailOut:
    return views.public_demand(reports.decide(call.caller, demand_id, uphold=False, note=body.note),
                               liked=False, favorited=False)


@endpoint(bp, "/admin/activities/{activity_id}/reports", "GET", roles=OPERATOR, response=DemandReportsOut)
def activity_reports(call: Call, activity_id: str) -> DemandReportsOut:
    return DemandReportsOut(items=[ModeratedReportOut(**_report_fields(r), reporter_id=r.reporter_id)
                                   for r in reports.reports_of_activity(activity_id)])


@endpoint(bp, "/admin/activities/{activity_id}/reports/uphold", "POST", roles=OPERATOR, body=DecisionIn,
          response=ActivityOut, errors=(ErrorCode.STATE_CONFLICT,))
def uphold_activity_reports(call: Call, activity_id: str, body: DecisionIn) -> ActivityOut:
    return activity_out(reports.decide_activity(call.caller, activity_id, uphold=True, note=body.note), clock.now())


@endpoint(bp, "/admin/activities/{activity_id}/reports/dismiss", "POST", roles=OPERATOR, body=DecisionIn,
          response=ActivityOut, errors=(ErrorCode.STATE_CONFLICT,))
def dismiss_activity_reports(call: Call, activity_id: str, body: DecisionIn) -> ActivityOut:
    return activity_out(reports.decide_activity(call.caller, activity_id, uphold=False, note=body.note), clock.now())
