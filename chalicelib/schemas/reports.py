"""Bodies and answers of reports (举报) and their moderation."""
from __future__ import annotations

from pydantic import Field, model_validator

from chalicelib.reference import ReportReason, ReportStatus, ReportTarget
from chalicelib.schemas import common
from chalicelib.schemas.common import InputModel, LabelledStatus, OutputModel, PageQuery, UtcTime, example


class ReportIn(InputModel):
    model_config = example({"reason": "false_information", "text": "联系电话无法接通，内容与实际不符"})

    reason: ReportReason
    text: common.text(200) | None = None  # a field named like the helper: qualify it

    @model_validator(mode="after")
    def _other_needs_text(self) -> ReportIn:
        if self.reason is ReportReason.OTHER and not self.text:
            raise ValueError("选择“其他”时请填写举报说明")
        return self


class DecisionIn(InputModel):
    model_config = example({"note": "核实为虚假信息，已隐藏"})

    note: common.text(200)


class ReportOut(LabelledStatus):
    """A reporter's own report; operators see the same plus the reporter id."""

    target: ReportTarget = Field(description="what was reported: a demand, or an activity (then activity_id)")
    demand_id: str = Field(description="the demand reported, or the one the reported activity serves")
    demand_title: str | None = Field(description="the demand's title (a demand report)")
    activity_id: str | None
    activity_title: str | None
    reason: ReportReason
    text: str | None
    status: ReportStatus
    created_at: UtcTime
    decided_at: UtcTime | None
    decision_note: str | None


class ModeratedReportOut(ReportOut):
    reporter_id: str


class ReportPageOut(OutputModel):
    items: list[ReportOut]
    next_cursor: str | None = None


class ReviewQuery(PageQuery):
    kind: ReportTarget = Field(default=ReportTarget.DEMAND, description="which queue: reported demands or activities")


class ReviewItemOut(OutputModel):
    target: ReportTarget
    demand_id: str = Field(description="the demand, or the one the activity serves")
    activity_id: str | None
    title: str | None
    org_name: str
    open_report_count: int
    hidden: bool
    first_reported_at: UtcTime


class ReviewPageOut(OutputModel):
    items: list[ReviewItemOut]
    next_cursor: str | None = None


class DemandReportsOut(OutputModel):
    """Every report of one target (a demand, or an activity), for operators."""

    items: list[ModeratedReportOut] = Field(default_factory=list)
