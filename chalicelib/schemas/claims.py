"""Bodies and answers of claims (认领): applying, confirming, returning, withdrawing, and their lists."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from chalicelib.reference import ClaimStatus, MyClaimsFilter
from chalicelib.schemas.common import InputModel, LabelledStatus, OutputModel, PageQuery, UtcTime, example, text
from chalicelib.schemas.demands import DemandDetailOut, OwnerOrgBlockOut
from chalicelib.schemas.regions import City, RegionOut


class ApplyIn(InputModel):
    model_config = example({"message": "我们有8位数学老师可以在周末线上辅导"})

    message: text(200) | None = None


class ReturnIn(InputModel):
    model_config = example({"reason": "需求已由其他组织承担"})

    reason: text(200)


class WithdrawIn(InputModel):
    model_config = example({"reason": "志愿者时间冲突"})

    reason: text(200) | None = None


class MyClaimsQuery(PageQuery):
    status: MyClaimsFilter | None = Field(default=None, description=(
        "a claim state, or to_rate (待评分): confirmed claims the caller still owes a rating on, while the "
        "14-day window is open, the window closing soonest first; none: every claim, newest application first"))


class ClaimInboxQuery(PageQuery):
    status: ClaimStatus = ClaimStatus.PENDING


class ApplicantOut(OutputModel):
    """The applicant's public profile as it was when it applied (no contact data)."""

    account_id: str
    org_name: str
    region: RegionOut
    service_areas: list[str]
    volunteer_count: int
    advantages: str


class ClaimOut(LabelledStatus):
    """One application, as its applicant (我的申请) and the publisher (待确认) see it."""

    claim_id: str
    demand_id: str
    demand_title: str
    publisher_name: str
    status: ClaimStatus
    message: str | None
    reason: str | None
    applicant: ApplicantOut
    applied_at: UtcTime
    confirmed_at: UtcTime | None
    ended_at: UtcTime | None
    rated_by_me: bool = Field(description="the caller (the applicant in 我的申请, the publisher in 待确认) has given "
                                          "its rating on this claim")
    activity_published: bool = Field(description="the applicant published an activity for this claim (发布活动 done)")


class ClaimPageOut(OutputModel):
    items: list[ClaimOut]
    next_cursor: str | None = None


class PublicClaimOut(OutputModel):
    """认领信息 tab: which organization holds the demand and since when."""

    account_id: str
    org_name: str
    confirmed_at: UtcTime


class ClaimFeedItemOut(OutputModel):
    """认领信息 home tab: which organization claimed which demand, and when (no personal data)."""

    demand_id: str
    demand_title: str
    publisher_name: str
    claimant_id: str
    claimant_name: str
    city: str | None
    confirmed_at: UtcTime


class ClaimFeedPageOut(OutputModel):
    items: list[ClaimFeedItemOut]
    next_cursor: str | None = None


class ClaimFeedQuery(PageQuery):
    city: City | None = None


class PublicClaimListOut(OutputModel):
    items: list[PublicClaimOut]


class ClaimantDemandOut(DemandDetailOut):
    """The demand as its confirmed claimant sees it: the public detail plus the leader mobile and landline."""

    view: Literal["claimant"] = "claimant"

    org: OwnerOrgBlockOut | None
