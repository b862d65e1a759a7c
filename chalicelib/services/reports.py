"""Reports (举报) and their moderation.

An account has at most one open report per demand. The third distinct open
report hides the demand from every public list until an operator decides:
uphold (it stays hidden and its publisher sees why) or dismiss (it
reappears). Every decision is on the demand's timeline and on each report,
where the reporter reads the outcome.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib import clock
from chalicelib.auth.principal import Principal
from chalicelib.data.base import Transaction
from chalicelib.data.demands import Demand
from chalicelib.data.reports import Report
from chalicelib.errors import AppError, ErrorCode
from chalicelib.reference import REPORTS_TO_HIDE, ReportStatus
from chalicelib.services import claims, demands, gates
from chalicelib.services.pagination import Page, query_page

if TYPE_CHECKING:   # bodies come from the api layer; services do not load its schemas (docs/architecture.md)
    from chalicelib.schemas.reports import ReportIn

REVIEW_PENDING = "pending"


def report(caller: Principal, demand_id: str, body: ReportIn) -> Report:
    demand = demands.readable_demand(caller, demand_id)
    if demand.org_id == caller.account_id:
        raise AppError(ErrorCode.FORBIDDEN, "不能举报本组织发布的需求")
    if not demands.is_visible(demand):
        raise AppError(ErrorCode.NOT_FOUND)
    moment = clock.now()
    item = Report(demand_id, caller.account_id, reason_code=body.reason.value, reason_text=body.text,
                  status=ReportStatus.OPEN.value, demand_title=demand.title, created_at=moment)
    count = int(demand.open_report_count or 0)
    actions = [Demand.open_report_count.set(count + 1), Demand.open_reporters.add({caller.account_id}),
               Demand.review_queue.set(REVIEW_PENDING), Demand.first_reported_at.set(Demand.first_reported_at | moment)]
    if count + 1 >= REPORTS_TO_HIDE:
        actions += [Demand.hidden.set(True), Demand.hidden_reason.set("reported"),
                    *demands.feed_actions(demand, visible=False)]
    count_unchanged = (Demand.open_report_count == count) if count else (
        Demand.open_report_count.does_not_exist() | (Demand.open_report_count == 0))
    tx = (Transaction()
          .put(item, condition=Report.reporter_id.does_not_exist() | (Report.status != ReportStatus.OPEN.value),
               on_conflict=AppError(ErrorCode.ALREADY_REPORTED))
          .update(Demand(demand_id), actions, condition=count_unchanged))
    if count + 1 >= REPORTS_TO_HIDE:
        claims.list_in_feed(tx, demand, listed=False)
        gates.visibility_changed(tx, demand, visible=False)
    tx.commit()
    return item


def my_reports(caller: Principal, *, limit: int, cursor: str | None) -> Page[Report]:
    return query_page(Report.by_reporter.query, caller.account_id, model=Report,
                      scope=f"my-reports:{caller.account_id}", limit=limit, cursor=cursor)


def review_queue(*, limit: int, cursor: str | None) -> Page[Demand]:
    """Oldest report first: the longest-waiting case on top."""
    return query_page(Demand.review.query, REVIEW_PENDING, model=Demand, scope="review-queue", limit=limit,
                      cursor=cursor, newest_first=False)


def reports_of(demand_id: str) -> list[Report]:
    """Operators only: one Query; an unknown demand has no reports (no read of it: docs/decisions.md)."""
    return list(Report.query(demand_id, limit=100))


def decide(operator: Principal, demand_id: str, *, uphold: bool, note: str) -> Demand:
    """One read: the demand, which names its open reports' holders (each report is updated by key)."""
    demand = demands.get_demand(demand_id, consistent=True)   # its status is pinned below
    open_reports = _open_reports(demand)
    if demand.review_queue != REVIEW_PENDING or not open_reports:
        raise AppError(ErrorCode.STATE_CONFLICT, "该需求没有待处理的举报")
    moment = clock.now()
    outcome = ReportStatus.UPHELD if uphold else ReportStatus.DISMISSED
    actions = [Demand.open_report_count.set(0), Demand.open_reporters.remove(), Demand.review_queue.remove(),
               Demand.first_reported_at.remove()]
    if uphold:
        actions += [Demand.hidden.set(True), Demand.hidden_reason.set(note),
                    *demands.feed_actions(demand, visible=False)]
    else:
        demand.hidden = False
        actions += [Demand.hidden.set(False), Demand.hidden_reason.remove(),
                    *demands.feed_actions(demand, visible=demands.is_visible(demand))]
    # status as read is pinned: list_in_feed moves a confirmed claim only for a claimed (or in-service) demand
    tx = Transaction().update(demand, actions,
                              condition=(Demand.review_queue == REVIEW_PENDING) & (Demand.status == demand.status))
    decided = open_reports[:90]  # a demand is hidden at the third report: never near the 100-item limit (+ 3 gates)
    for item in decided:
        tx.update(item, [Report.status.set(outcome.value), Report.decided_at.set(moment),
                         Report.decision_note.set(note)], condition=Report.status == ReportStatus.OPEN.value,
                  mirror=False)
    tx.put(demands.new_event(demand_id, operator, f"report_{outcome.value}", reason=note,
                             notify=[r.reporter_id for r in decided]))
    claims.list_in_feed(tx, demand, listed=demands.is_visible(demand) and not uphold)
    gates.visibility_changed(tx, demand, visible=demands.is_visible(demand) and not uphold)
    tx.commit()
    return demand


def _open_reports(demand: Demand) -> list[Report]:
    """The open reports, as keys to update (the demand names their holders); when the names do not account
    for every open report (some were filed before the demand kept them), the reports are Queried."""
    reporters = demand.open_reporters or set()
    if len(reporters) == int(demand.open_report_count or 0):
        return [Report(demand.demand_id, reporter) for reporter in sorted(reporters)]
    return [r for r in Report.query(demand.demand_id, limit=100) if r.status == ReportStatus.OPEN.value]
