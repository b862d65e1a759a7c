"""Bodies and answers of volunteer activities (志愿服务活动, guide §4.5), sign-ups, attendance and hours."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import (
    BeforeValidator,
    Field,
    Strict,
    StrictBool,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

from chalicelib.reference import (
    ACTIVITY_CATEGORIES,
    ACTIVITY_TAGS,
    ACTIVITY_TYPES,
    GUARANTEES,
    MAX_ACTIVITY_TAGS,
    SERVICE_TARGETS,
    SIGN_IN_METHODS,
    WHO_MAY_SIGN_UP,
    ActivityStatus,
    CheckInProof,
    SignupStatus,
)
from chalicelib.schemas.common import (
    InputModel,
    LabelledStatus,
    MobilePhone,
    Moment,
    OutputModel,
    UtcTime,
    example,
    one_of,
    text,
)
from chalicelib.schemas.uploads import ImageKey, image_keys, no_repeated_images

ActivityType = Annotated[str, one_of(ACTIVITY_TYPES, "活动类型")]
ActivityCategory = Annotated[str, one_of(ACTIVITY_CATEGORIES, "活动类别")]
SignInMethod = Annotated[str, one_of(SIGN_IN_METHODS, "签到方式")]
WhoMaySignUp = Annotated[str, one_of(WHO_MAY_SIGN_UP, "报名限制")]
ActivityTag = Annotated[str, one_of(ACTIVITY_TAGS, "活动标签")]
ServiceTarget = Annotated[str, one_of(SERVICE_TARGETS, "服务对象")]
Guarantee = Annotated[str, one_of(GUARANTEES, "保障")]
Longitude = Annotated[float, Strict(), Field(ge=-180, le=180, allow_inf_nan=False)]
Latitude = Annotated[float, Strict(), Field(ge=-90, le=90, allow_inf_nan=False)]

_PAIR = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[,，]\s*(-?\d+(?:\.\d+)?)\s*$")
_PAIR_MAX_LENGTH = 60


def _coordinates_from_text(value: object) -> object:
    """The form's single box: "116.608858, 39.812562" is longitude first, as the guide shows."""
    if isinstance(value, str):
        match = _PAIR.match(value) if len(value) <= _PAIR_MAX_LENGTH else None
        if not match:
            raise ValueError("经纬度格式应为“经度, 纬度”，如 116.608858, 39.812562")
        return {"longitude": float(match.group(1)), "latitude": float(match.group(2))}
    return value


@dataclass(frozen=True)
class _OrText:
    """The contract of a value the form may also send as its one line of text (parsed before validation)."""

    pattern: str
    max_length: int

    def __get_pydantic_json_schema__(self, schema, handler):
        return {"anyOf": [handler(schema), {"type": "string", "pattern": self.pattern, "maxLength": self.max_length}]}


class CoordinatesIn(InputModel):
    longitude: Longitude
    latitude: Latitude


class CoordinatesOut(OutputModel):
    longitude: float
    latitude: float


class ActivityIn(InputModel):
    """发布活动 (guide §4.5). Times are RFC 3339 date-times with an offset (China time may be sent as is);
    answers give them in UTC (2099-06-05T16:00:00Z)."""

    model_config = example({
        "title": "【云支教】招募8位数学老师帮助乡村小学生", "activity_type": "志愿服务活动（计入服务时长）",
        "category": "教育辅导", "volunteers_to_recruit": 8, "contact_name": "陈静", "contact_mobile": "13987654321",
        "recruit_start": "2099-06-01T09:00:00+08:00", "recruit_end": "2099-06-04T18:00:00+08:00",
        "service_start": "2099-06-06T09:00:00+08:00", "service_end": "2099-06-06T12:00:00+08:00",
        "address": "深圳市龙岗区布吉街道某小学", "coordinates": {"longitude": 114.12, "latitude": 22.6},
        "sign_in_method": "定位签到签退", "attendance_radius_km": 3, "who_may_sign_up": "所有志愿者可报名",
        "tags": ["适合中小学生参加"], "service_targets": ["青少年"], "guarantees": ["餐饮保障"],
        "introduction": "为乡村孩子在线辅导数学，他们上学期数学成绩中等偏下。",
        "service_content": "每位老师辅导一名孩子，每次两小时。", "certificate_consent": True})

    title: text(50)
    activity_type: ActivityType
    category: ActivityCategory
    volunteers_to_recruit: StrictInt = Field(ge=1, le=1000)
    contact_name: text(20)
    contact_mobile: MobilePhone
    recruit_start: Moment
    recruit_end: Moment
    service_start: Moment
    service_end: Moment
    address: text(100)
    coordinates: Annotated[CoordinatesIn, BeforeValidator(_coordinates_from_text),
                           _OrText(_PAIR.pattern, _PAIR_MAX_LENGTH)]
    sign_in_method: SignInMethod
    attendance_radius_km: float = Field(ge=0.1, le=50, allow_inf_nan=False, strict=True)
    who_may_sign_up: WhoMaySignUp
    tags: list[ActivityTag] = Field(default_factory=list, max_length=MAX_ACTIVITY_TAGS)
    service_targets: list[ServiceTarget] = Field(min_length=1, max_length=len(SERVICE_TARGETS))
    guarantees: list[Guarantee] = Field(default_factory=list, max_length=len(GUARANTEES))
    introduction: text(500)
    service_content: text(500)
    certificate_consent: StrictBool
    photo_keys: list[ImageKey] = image_keys("活动图片: keys from POST /uploads (purpose activity_photo)")

    _distinct_photos = field_validator("photo_keys")(no_repeated_images)

    # Cross-field rules are field validators (fields are checked in declaration order), so the error
    # names the field to correct rather than the whole form.
    @field_validator("recruit_end")
    @classmethod
    def _recruiting_window(cls, value: datetime, info: ValidationInfo) -> datetime:
        start = info.data.get("recruit_start")
        if start is not None and not start < value:
            raise ValueError("报名结束时间必须晚于报名开始时间")
        return value

    @field_validator("service_end")
    @classmethod
    def _service_window(cls, value: datetime, info: ValidationInfo) -> datetime:
        start, recruit_end = info.data.get("service_start"), info.data.get("recruit_end")
        if start is not None and not start < value:
            raise ValueError("服务结束时间必须晚于服务开始时间")
        if recruit_end is not None and recruit_end > value:
            raise ValueError("服务结束时间不能早于报名结束时间")
        return value

    @field_validator("tags", "service_targets", "guarantees")
    @classmethod
    def _no_repeats(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("不能重复选择")
        return value


class CancelActivityIn(InputModel):
    model_config = example({"reason": "台风预警，活动取消"})

    reason: text(200)


class AttendanceIn(InputModel):
    """签到 / 签退: the position (latitude, longitude) or the organization's current code, not both; which one
    the activity needs is its `check_in_proof`."""

    model_config = example({"latitude": 22.6, "longitude": 114.12})

    latitude: Latitude | None = None
    longitude: Longitude | None = None
    code: Annotated[str, Field(pattern=r"^\d{6}$")] | None = None

    @model_validator(mode="after")
    def _one_way(self) -> AttendanceIn:
        located = self.latitude is not None and self.longitude is not None
        partial = (self.latitude is None) != (self.longitude is None)
        if partial or located == (self.code is not None):
            raise ValueError("请提交定位（latitude 和 longitude）或签到码（code），二选一")
        return self


class OwnSignupOut(LabelledStatus):
    """The signed-in individual's own sign-up on this activity (报名 / 取消报名 / 签到 show its state)."""

    status: SignupStatus
    signed_up_at: UtcTime
    checked_in: bool
    service_hours: float


class ActivityOut(LabelledStatus):
    """The public activity page: no volunteer's personal data; the contact is the organization's."""

    activity_id: str
    demand_id: str
    org_id: str
    org_name: str
    status: ActivityStatus
    phase: str          # recruiting_soon / recruiting / recruiting_closed / in_service / ended / cancelled
    title: str
    activity_type: str
    category: str
    volunteers_to_recruit: int
    signed_up_count: int
    seats_left: int
    contact_name: str
    contact_mobile: str
    recruit_start: UtcTime
    recruit_end: UtcTime
    service_start: UtcTime
    service_end: UtcTime
    address: str
    coordinates: CoordinatesOut
    sign_in_method: str
    check_in_proof: CheckInProof = Field(description="what check-in and check-out need: `code` (the organization's "
                                                     "current code, shown on site) or `location` (a position "
                                                     "inside the attendance radius)")
    check_in_instructions: str = Field(description="the same, as a sentence for volunteers")
    attendance_radius_km: float
    who_may_sign_up: str
    tags: list[str]
    service_targets: list[str]
    guarantees: list[str]
    introduction: str
    service_content: str
    certificate_consent: bool
    counts_hours: bool
    photo_urls: list[str] = Field(description="活动图片: presigned GETs, valid for 15 minutes")
    published_at: UtcTime
    cancelled_at: UtcTime | None
    cancel_reason: str | None
    my_signup: OwnSignupOut | None = Field(default=None, description=(
        "个人用户本人对该活动的报名（无则为 null）：只在活动详情中给出，其他角色与列表中恒为 null"))


class ActivityPageOut(OutputModel):
    items: list[ActivityOut]
    next_cursor: str | None = None


class SignupOut(LabelledStatus):
    """A sign-up as its volunteer sees it (我的报名)."""

    activity_id: str
    status: SignupStatus
    signed_up_at: UtcTime
    cancelled_at: UtcTime | None
    checked_in: bool
    service_hours: float
    activity: ActivityOut | None = None


class SignupPageOut(OutputModel):
    items: list[SignupOut]
    next_cursor: str | None = None


class RosterEntryOut(LabelledStatus):
    """What the organization sees of a volunteer: enough to recognise and count them, no more."""

    volunteer_id: str
    display_name: str
    masked_phone: str
    status: SignupStatus
    signed_up_at: UtcTime
    checked_in: bool
    service_hours: float


class RosterPageOut(OutputModel):
    items: list[RosterEntryOut]
    next_cursor: str | None = None


class CheckInCodeOut(OutputModel):
    code: str
    valid_from: UtcTime
    rotates_at: UtcTime
    window_seconds: int


class AttendanceOut(OutputModel):
    activity_id: str
    activity_title: str
    org_name: str
    checked_in_at: UtcTime
    check_in_by: str
    checked_out_at: UtcTime | None
    check_out_by: str | None
    service_hours: float
    counts_hours: bool


class ServiceRecordsOut(OutputModel):
    """我的服务记录: the basis of the 志愿服务记录证书."""

    total_hours: float | None = Field(description="counted hours, on the first page only (null after)")
    total_records: int | None = Field(description="records with counted hours, on the first page only")
    items: list[AttendanceOut]
    next_cursor: str | None = None
