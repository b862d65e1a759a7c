"""Reports (举报) and their moderation, for every kind of target: demands and activities.

An account has at most one open report per target. The third distinct open report hides the target
from the public (a demand from every list, an activity from its page, its demand's list and sign-up)
until an operator decides: uphold (it stays hidden and its publisher sees why) or dismiss (it
reappears). Every decision is on the demand's timeline (an activity's: on its demand's) and on each
report, where the reporter reads the outcome.

The rules are written once, over a `_Target`: what differs between kinds is how the target is read
and authorized, what else moves when its visibility changes (a demand's feed keys and confirmed claim;
nothing for an activity, whose lists leave hidden ones out at read time) and the event.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pynamodb.models import Model

from chalicelib import clock
from chalicelib.auth.principal import Principal
from chalicelib.data import idempotency_keys
from chalicelib.data.activities import Activity
from chalicelib.data.base import Transaction
from chalicelib.data.demands import Demand
from chalicelib.data.idempotency_keys import IdempotencyRecord
from chalicelib.data.reports import Report, target_key
from chalicelib.errors import AppError, ErrorCode
from chalicelib.reference import REPORTS_TO_HIDE, ReportStatus, ReportTarget
from chalicelib.services import activities, claims, demands
from chalicelib.services.pagination import Page, query_page

if TYPE_CHECKING:   # bodies come from the api layer; services do not load its schemas (docs/architecture.md)
    from chalicelib.schemas.reports import ReportIn

REVIEW_PENDING = "pending"


@dataclass
class _Target:
    kind: ReportTarget
    item: Demand | Activity
    model: type[Model]
    key: str                                       # the reports' hash key
    # extra actions on the target when its public visibility changes (a demand's feed keys)
    visibility_actions: Callable[[bool], list]
    # other items moving in the same transaction (a demand's confirmed claim)
    visibility_changed: Callable[[Transaction, bool], None]

    @property
    def target_id(self) -> str:
        return self.item.demand_id if self.kind is ReportTarget.DEMAND else self.item.activity_id

    def shown_after(self, uphold: bool) -> bool:
        """Whether the public sees the target once a decision cleared `hidden` (or kept it)."""
        if uphold:
            return False
        return demands.is_visible(self.item) if self.kind is ReportTarget.DEMAND else True

    def new_report(self, reporter_id: str, body: ReportIn, moment) -> Report:
        report = Report(self.key, reporter_id, reason_code=body.reason.value, reason_text=body.text,
                        status=ReportStatus.OPEN.value, created_at=moment)
        if self.kind is ReportTarget.DEMAND:
            report.demand_title = self.item.title
        else:
            report.target_kind = ReportTarget.ACTIVITY.value
            report.activity_id, report.activity_title = self.item.activity_id, self.item.title
            report.about_demand_id = self.item.demand_id
        return report

    def decision_event(self, operator: Principal, outcome: ReportStatus, note: str, notify: list[str]):
        if self.kind is ReportTarget.DEMAND:
            return demands.new_event(self.item.demand_id, operator, f"report_{outcome.value}", reason=note,
                                     notify=notify)
        return demands.new_event(self.item.demand_id, operator, f"activity_report_{outcome.value}", reason=note,
                                 notify=notify, changed=[f"activity:{self.item.activity_id}"],
                                 subject=self.item.activity_id)


def _demand_target(demand: Demand) -> _Target:
    return _Target(ReportTarget.DEMAND, demand, Demand, demand.demand_id,
                   visibility_actions=lambda visible: demands.feed_actions(demand, visible=visible),
                   visibility_changed=lambda tx, visible: claims.list_in_feed(tx, demand, listed=visible))


def _activity_target(activity: Activity) -> _Target:
    return _Target(ReportTarget.ACTIVITY, activity, Activity, target_key("activity", activity.activity_id),
                   visibility_actions=lambda visible: [], visibility_changed=lambda tx, visible: None)


# ---------------------------------------------------------------- filing a report

def report(caller: Principal, demand_id: str, body: ReportIn, *,
           idempotency: IdempotencyRecord | None = None) -> Report:
    demand = demands.readable_demand(caller, demand_id)
    if demand.org_id == caller.account_id:
        raise AppError(ErrorCode.FORBIDDEN, "不能举报本组织发布的需求")
    if not demands.is_visible(demand):
        raise AppError(ErrorCode.NOT_FOUND)
    return _file(caller, _demand_target(demand), body, idempotency=idempotency)


def report_activity(caller: Principal, activity_id: str, body: ReportIn, *,
                    idempotency: IdempotencyRecord | None = None) -> Report:
    """举报 on the activity page: an activity its page shows (not hidden, its demand readable by the caller).
    One read, the activity; that its demand is still readable is a condition of the write (404), as at sign-up."""
    activity = activities.get_any(activity_id)
    if activity.org_id == caller.account_id:
        raise AppError(ErrorCode.FORBIDDEN, "不能举报本组织发布的活动")
    if activity.hidden:
        raise AppError(ErrorCode.NOT_FOUND)
    return _file(caller, _activity_target(activity), body, guard=lambda tx: tx.condition_check(
        Demand, activity.demand_id, condition=demands.readable_condition(caller),
        on_conflict=AppError(ErrorCode.NOT_FOUND)), idempotency=idempotency)


def _file(caller: Principal, target: _Target, body: ReportIn,
          guard: Callable[[Transaction], object] | None = None, *,
          idempotency: IdempotencyRecord | None = None) -> Report:
    """The report and the target's counters in one transaction; the third distinct reporter hides it."""
    model, moment = target.model, clock.now()
    item = target.new_report(caller.account_id, body, moment)
    count = int(target.item.open_report_count or 0)
    hides = count + 1 >= REPORTS_TO_HIDE
    actions = [model.open_report_count.set(count + 1), model.open_reporters.add({caller.account_id}),
               model.review_queue.set(REVIEW_PENDING), model.first_reported_at.set(model.first_reported_at | moment)]
    if hides:
        actions += [model.hidden.set(True), model.hidden_reason.set("reported"), *target.visibility_actions(False)]
    count_unchanged = (model.open_report_count == count) if count else (
        model.open_report_count.does_not_exist() | (model.open_report_count == 0))
    tx = (Transaction()
          .put(item, condition=Report.reporter_id.does_not_exist() | (Report.status != ReportStatus.OPEN.value),
               on_conflict=AppError(ErrorCode.ALREADY_REPORTED))
          .update(model(target.target_id), actions, condition=count_unchanged))
    if guard is not None:
        guard(tx)
    if hides:
        target.visibility_changed(tx, False)
    idempotency_keys.join(tx, idempotency)
    tx.commit()
    return item


# ---------------------------------------------------------------- reading

def my_reports(caller: Principal, *, limit: int, cursor: str | None) -> Page[Report]:
    return query_page(Report.by_reporter.query, caller.account_id, model=Report,
                      scope=f"my-reports:{caller.account_id}", limit=limit, cursor=cursor)


def review_queue(*, limit: int, cursor: str | None, kind: ReportTarget = ReportTarget.DEMAND) -> Page:
    """Oldest report first: the longest-waiting case on top (one queue per kind: one Query each)."""
    if kind is ReportTarget.ACTIVITY:
        return query_page(Activity.review.query, REVIEW_PENDING, model=Activity, scope="activity-review-queue",
                          limit=limit, cursor=cursor, newest_first=False)
    return query_page(Demand.review.query, REVIEW_PENDING, model=Demand, scope="review-queue", limit=limit,
                      cursor=cursor, newest_first=False)


def reports_of(demand_id: str) -> list[Report]:
    """Operators only: one Query; an unknown demand has no reports (no read of it: docs/decisions.md)."""
    return list(Report.query(demand_id, limit=100))


def reports_of_activity(activity_id: str) -> list[Report]:
    """Operators only: one Query, as for a demand."""
    return list(Report.query(target_key("activity", activity_id), limit=100))


# ---------------------------------------------------------------- an operator's decision

def decide(operator: Principal, demand_id: str, *, uphold: bool, note: str) -> Demand:
    """One read: the demand, which names its open reports' holders (each report is updated by key)."""
    demand = demands.get_demand(demand_id, consistent=True)   # its status is pinned below
    # status as read is pinned: list_in_feed moves a confirmed claim only for a claimed (or in-service) demand
    _decide(operator, _demand_target(demand), uphold=uphold, note=note, pinned=Demand.status == demand.status)
    return demand


def decide_activity(operator: Principal, activity_id: str, *, uphold: bool, note: str) -> Activity:
    """One read: the activity, which names its open reports' holders."""
    activity = activities.get_any(activity_id)
    _decide(operator, _activity_target(activity), uphold=uphold, note=note)
    return activity


def _decide(operator: Principal, target: _Target, *, uphold: bool, note: str, pinned=None) -> None:
    model, item = target.model, target.item
    open_reports = _open_reports(target)
    if item.review_queue != REVIEW_PENDING or not open_reports:
        raise AppError(ErrorCode.STATE_CONFLICT, "没有待处理的举报")
    moment = clock.now()
    outcome = ReportStatus.UPHELD if uphold else ReportStatus.DISMISSED
    actions = [model.open_report_count.set(0), model.open_reporters.remove(), model.review_queue.remove(),
               model.first_reported_at.remove()]
    if uphold:
        actions += [model.hidden.set(True), model.hidden_reason.set(note), *target.visibility_actions(False)]
    else:
        item.hidden = False
        actions += [model.hidden.set(False), model.hidden_reason.remove(),
                    *target.visibility_actions(target.shown_after(uphold))]
    condition = model.review_queue == REVIEW_PENDING
    tx = Transaction().update(item, actions, condition=condition if pinned is None else condition & pinned)
    decided = open_reports[:90]  # a target is hidden at the third report: never near the 100-item limit
    for report in decided:
        tx.update(report, [Report.status.set(outcome.value), Report.decided_at.set(moment),
                           Report.decision_note.set(note)], condition=Report.status == ReportStatus.OPEN.value)
    tx.put(target.decision_event(operator, outcome, note, [r.reporter_id for r in decided]))
    target.visibility_changed(tx, target.shown_after(uphold))
    tx.commit()


def _open_reports(target: _Target) -> list[Report]:
    """The open reports, as keys to update: the target names their holders."""
    return [Report(target.key, reporter) for reporter in sorted(target.item.open_reporters or set())]
