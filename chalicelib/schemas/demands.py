"""Bodies and answers of formal demands (正式需求), public browsing, likes and favorites."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StrictInt, model_validator

from chalicelib.reference import DEMAND_TYPES, GUARANTEES, ClaimStatus, DemandStatus
from chalicelib.schemas.common import (
    Day,
    InputModel,
    LabelledStatus,
    Landline,
    MobilePhone,
    OutputModel,
    PageQuery,
    SmsCodeText,
    UtcTime,
    example,
    one_of,
    text,
)
from chalicelib.schemas.regions import City, RegionIn, RegionOut

OTHER_TYPE = "其他"
MAX_LINKED_REQUESTS = 20



DemandType = Annotated[str, one_of(DEMAND_TYPES, "需求类型")]
Guarantee = Annotated[str, one_of(GUARANTEES, "保障")]
RequestId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[0-9a-f]+$")]


class DemandContentIn(InputModel):
    """填写需求内容 (step 1). A draft may leave fields out; publishing needs all of them."""

    model_config = example({
        "title": "【乡村云支教】招募数学辅导志愿者", "demand_type": "关爱未成年人", "volunteers_needed": 8,
        "content": "为阳光小学三年级学生线上辅导数学，每周两次。", "period_start": "2099-06-01",
        "period_end": "2099-07-31", "guarantees": ["志愿者保险"]})

    title: text(50) | None = None
    demand_type: DemandType | None = None
    demand_type_other: text(20) | None = None
    volunteers_needed: StrictInt | None = Field(default=None, ge=1, le=10_000)
    content: text(200) | None = None
    period_start: Day | None = None
    period_end: Day | None = None
    guarantees: list[Guarantee] = Field(default_factory=list, max_length=len(GUARANTEES))
    linked_request_ids: list[RequestId] = Field(default_factory=list, max_length=MAX_LINKED_REQUESTS)

    @model_validator(mode="after")
    def _consistent(self) -> DemandContentIn:
        if self.demand_type_other is not None and self.demand_type != OTHER_TYPE:
            raise ValueError("只有需求类型为“其他”时才能填写其他说明")
        if self.period_start and self.period_end and self.period_start > self.period_end:
            raise ValueError("需求周期的开始日期不能晚于结束日期")
        if len(set(self.guarantees)) != len(self.guarantees):
            raise ValueError("保障不能重复选择")
        if len(set(self.linked_request_ids)) != len(self.linked_request_ids):
            raise ValueError("关联的求助需求不能重复")
        return self

    def missing_for_publish(self) -> list[str]:
        required = ["title", "demand_type", "volunteers_needed", "content", "period_start", "period_end"]
        missing = [name for name in required if getattr(self, name) is None]
        if self.demand_type == OTHER_TYPE and self.demand_type_other is None:
            missing.append("demand_type_other")
        if not self.guarantees:
            missing.append("guarantees")
        return missing


class DemandRegionIn(RegionIn):
    district: text(30)  # 所在地区 is province, city and district


class OrgBlockIn(InputModel):
    """确认组织信息 (step 2)."""

    region: DemandRegionIn
    org_name: text(100)
    leader_name: text(20)
    landline: Landline
    leader_mobile: MobilePhone
    leader_sms_code: SmsCodeText | None = None
    services_content: text(200) | None = None


class PublishIn(InputModel):
    model_config = example({"org": {
        "region": {"province": "广东省", "city": "深圳市", "district": "罗湖区"},
        "org_name": "共青团深圳市罗湖区委员会",
        "leader_name": "王芳", "landline": "0755-82221234", "leader_mobile": "13912345678",
        "services_content": "关爱辖区留守儿童"}})

    org: OrgBlockIn


class CloseIn(InputModel):
    model_config = example({"reason": "孩子已找到辅导老师"})

    reason: text(200) | None = None


class DemandListQuery(PageQuery):
    city: City | None = None
    q: text(30) | None = None


class MyDemandsQuery(PageQuery):
    status: DemandStatus | None = None


class RecommendQuery(InputModel):
    city: City | None = None
    q: text(30) | None = None
    limit: int = Field(default=20, ge=1, le=50)



class ProgressStepOut(OutputModel):
    step: int
    label: str
    done: bool


class DemandCardOut(LabelledStatus):
    """A row of a list: no personal data at all."""

    demand_id: str
    title: str | None
    demand_type: str | None
    type_label: str | None            # what the card shows: the type, or the 其他 text
    org_name: str
    city: str | None
    status: DemandStatus
    published_at: UtcTime | None
    like_count: int


class PublicOrgBlockOut(OutputModel):
    """组织/团体信息 as everyone sees it: no leader mobile, no landline before a confirmed claim."""

    region: RegionOut
    org_name: str
    leader_name: str
    services_content: str | None = None


class OwnerOrgBlockOut(PublicOrgBlockOut):
    leader_mobile: str
    landline: str | None = None


class OwnClaimOut(LabelledStatus):
    """The signed-in volunteer organization's own application on this demand (我要认领 shows its state)."""

    claim_id: str
    status: ClaimStatus


class DemandDetailOut(DemandCardOut):
    """GET /demands/{id} as anyone but its publisher and its confirmed claimant sees it. `view` names which of
    the three answers this is (the contract's discriminator): public, claimant (ClaimantDemandOut), owner."""

    view: Literal["public"] = "public"
    volunteers_needed: int | None
    content: str | None
    period_start: date | None
    period_end: date | None
    guarantees: list[str]
    org: PublicOrgBlockOut | None
    progress: list[ProgressStepOut]
    liked: bool
    favorited: bool
    my_claim: OwnClaimOut | None = Field(default=None, description=(
        "志愿服务组织本身对该需求的认领申请（无则为 null；其他角色恒为 null）"))


class OwnerDemandOut(DemandDetailOut):
    """What the publishing organization sees of its own demand."""

    view: Literal["owner"] = "owner"

    org: OwnerOrgBlockOut | None
    demand_type_other: str | None
    linked_request_ids: list[str]
    application_count: int
    hidden: bool
    hidden_reason: str | None
    created_at: UtcTime
    updated_at: UtcTime


class DemandPageOut(OutputModel):
    items: list[DemandCardOut]
    next_cursor: str | None = None


class DemandEventOut(OutputModel):
    at: UtcTime
    actor_role: str
    action: str
    from_status: str | None
    to_status: str | None
    reason: str | None
    changed_fields: list[str]


class TimelineOut(OutputModel):
    items: list[DemandEventOut]


class LikeOut(OutputModel):
    liked: bool
    like_count: int


class FavoriteOut(OutputModel):
    favorited: bool


class FavoriteCardOut(OutputModel):
    demand_id: str
    title: str | None
    org_name: str
    city: str | None
    favorited_at: UtcTime


class FavoritePageOut(OutputModel):
    items: list[FavoriteCardOut]
    next_cursor: str | None = None
