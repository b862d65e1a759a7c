"""The demand timeline's stream → notifications of claims, activities and report outcomes.

Every demand-related change writes a `DemandEvent` in its own transaction, so the timeline is an
outbox: each INSERT is one event that happened, exactly as committed. The recipients follow from
the event (the applicant it is about, the demand's publisher, the reporters it names, the
volunteers signed up to a cancelled activity); texts come from the demand and the claim as they
are when the record is handled.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from chalicelib.data.activities import Activity, Signup
from chalicelib.data.claims import Claim, claim_id
from chalicelib.data.demands import Demand, DemandEvent
from chalicelib.data.lookup import get_or_none
from chalicelib.events.records import Poison, handle_event, new_image
from chalicelib.reference import NotificationType, SignupStatus
from chalicelib.services import notifications
from chalicelib.services.notifications import Draft

SOURCE = "demand-events-stream"


def handle(event: Any) -> dict[str, list]:
    return handle_event(SOURCE, event, apply_record)


def apply_record(raw: Any) -> None:
    for draft in drafts_for(raw):
        notifications.deliver(draft)


def drafts_for(raw: Any) -> list[Draft]:
    event = new_image(raw, DemandEvent)
    if raw.get("eventName") != "INSERT":
        return []   # timeline entries are never changed; a TTL or manual delete notifies nobody
    if event is None or not event.demand_id or not event.event_key or not event.action or event.at is None:
        raise Poison("the event lacks its keys, action or time")
    build = _RULES.get(event.action)
    if build is None:
        return []   # created, edited, published, closed, in_service…: nobody else to tell
    demand = get_or_none(Demand, event.demand_id)
    if demand is None:
        raise Poison(f"demand {event.demand_id} does not exist")
    return list(build(event, demand))


def _draft(event: DemandEvent, account_id: str, kind: NotificationType, body: str, link_kind: str,
           link_id: str) -> Draft:
    return Draft(account_id=account_id, type=kind, at=event.at, source=f"demand_events/{event.demand_id}/"
                 f"{event.event_key}", body=body, link_kind=link_kind, link_id=link_id)


def _subject(event: DemandEvent) -> str:
    if not event.subject_id:
        raise Poison(f"a {event.action} event names no subject")
    return event.subject_id


def _applicant_name(demand_id: str, applicant_id: str) -> str:
    claim = get_or_none(Claim, demand_id, applicant_id)
    if claim is None:
        raise Poison(f"claim {claim_id(demand_id, applicant_id)} does not exist")
    return claim.applicant.org_name


def _reason(event: DemandEvent) -> str:
    return f"原因：{event.reason}" if event.reason else ""


def _claim_applied(event: DemandEvent, demand: Demand) -> Iterator[Draft]:
    applicant = _subject(event)
    name = _applicant_name(event.demand_id, applicant)
    yield _draft(event, demand.org_id, NotificationType.CLAIM_APPLIED,
                 f"{name}申请认领您发布的需求《{demand.title}》，请及时确认。", "claim",
                 claim_id(event.demand_id, applicant))


def _claim_confirmed(event: DemandEvent, demand: Demand) -> Iterator[Draft]:
    applicant = _subject(event)
    yield _draft(event, applicant, NotificationType.CLAIM_CONFIRMED,
                 f"{demand.org_name}已确认您对需求《{demand.title}》的认领，请发布志愿服务活动。",
                 "claim", claim_id(event.demand_id, applicant))


def _claim_returned(event: DemandEvent, demand: Demand) -> Iterator[Draft]:
    applicant = _subject(event)
    yield _draft(event, applicant, NotificationType.CLAIM_RETURNED,
                 f"您对需求《{demand.title}》的认领申请未通过。{_reason(event)}", "claim",
                 claim_id(event.demand_id, applicant))


def _claim_withdrawn(event: DemandEvent, demand: Demand) -> Iterator[Draft]:
    applicant = _subject(event)
    name = _applicant_name(event.demand_id, applicant)
    body = f"{name}撤销了对需求《{demand.title}》的认领。{_reason(event)}"
    yield _draft(event, demand.org_id, NotificationType.CLAIM_WITHDRAWN, body, "claim",
                 claim_id(event.demand_id, applicant))


def _activity_published(event: DemandEvent, demand: Demand) -> Iterator[Draft]:
    yield _draft(event, demand.org_id, NotificationType.ACTIVITY_PUBLISHED,
                 f"需求《{demand.title}》的志愿服务活动已发布。", "activity", _subject(event))


def _activity_cancelled(event: DemandEvent, demand: Demand) -> Iterator[Draft]:
    activity_id = _subject(event)
    body = f"需求《{demand.title}》的志愿服务活动已取消。{_reason(event)}"
    yield _draft(event, demand.org_id, NotificationType.ACTIVITY_CANCELLED, body, "activity", activity_id)
    for signup in Signup.query(activity_id, filter_condition=Signup.status == SignupStatus.SIGNED_UP.value):
        yield _draft(event, signup.volunteer_id, NotificationType.ACTIVITY_CANCELLED, body, "activity", activity_id)


def _report_outcome(event: DemandEvent, demand: Demand) -> Iterator[Draft]:
    upheld = event.action == "report_upheld"
    verdict = "经核实，该需求已下架" if upheld else "经核实，该需求未发现违规"
    for reporter in event.notify_ids or []:
        yield _draft(event, reporter, NotificationType.REPORT_OUTCOME,
                     f"您对需求《{demand.title}》的举报已处理：{verdict}。", "demand", event.demand_id)
    if upheld:
        yield _draft(event, demand.org_id, NotificationType.REPORT_OUTCOME,
                     f"您发布的需求《{demand.title}》因举报被下架。{_reason(event)}", "demand", event.demand_id)


def _activity_report_outcome(event: DemandEvent, demand: Demand) -> Iterator[Draft]:
    activity_id = _subject(event)
    activity = get_or_none(Activity, activity_id)
    if activity is None:
        raise Poison(f"activity {activity_id} of a report decision does not exist")
    title = activity.title
    upheld = event.action == "activity_report_upheld"
    verdict = "经核实，该活动已下架" if upheld else "经核实，该活动未发现违规"
    for reporter in event.notify_ids or []:
        yield _draft(event, reporter, NotificationType.REPORT_OUTCOME, f"您对活动《{title}》的举报已处理：{verdict}。",
                     "activity", activity_id)
    if upheld:
        yield _draft(event, activity.org_id, NotificationType.REPORT_OUTCOME,
                     f"您发布的活动《{title}》因举报被下架。{_reason(event)}", "activity", activity_id)


_RULES: dict[str, Callable[[DemandEvent, Demand], Iterator[Draft]]] = {
    "claim_applied": _claim_applied,
    "claim_confirmed": _claim_confirmed,
    "claim_returned": _claim_returned,
    "claim_withdrawn": _claim_withdrawn,
    "activity_published": _activity_published,
    "activity_cancelled": _activity_cancelled,
    "report_upheld": _report_outcome,
    "report_dismissed": _report_outcome,
    "activity_report_upheld": _activity_report_outcome,
    "activity_report_dismissed": _activity_report_outcome,
}
