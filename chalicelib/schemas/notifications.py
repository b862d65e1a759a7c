"""Bodies and answers of the inbox (消息), its settings, yesterday's totals and parked stream records."""
from __future__ import annotations

from datetime import date

from pydantic import Field, StrictBool, model_validator

from chalicelib.reference import MAX_SERIES_DAYS, NotificationType
from chalicelib.schemas.common import Day, InputModel, OutputModel, PageQuery, UtcTime, example


class NotificationQuery(PageQuery):
    unread_only: bool = False
    unread_first: bool = Field(default=False, description="unread ones first (newest first), then the read ones")


class NotificationOut(OutputModel):
    notification_id: str
    type: NotificationType
    title: str
    body: str
    link_kind: str | None = Field(description="demand | claim | help_request | activity | points")
    link_id: str | None
    created_at: UtcTime
    read: bool
    read_at: UtcTime | None


class NotificationPageOut(OutputModel):
    items: list[NotificationOut]
    next_cursor: str | None


class UnreadCountOut(OutputModel):
    unread: int


class MarkedReadOut(OutputModel):
    marked: int
    more_unread: bool = Field(description="more than one call's worth were unread: call again")


class NotificationTypeOut(OutputModel):
    type: NotificationType
    label: str
    muted: bool
    texted: bool = Field(description="also sent as a text message (when SMS is on)")


class NotificationSettingsOut(OutputModel):
    sms_enabled: bool
    types: list[NotificationTypeOut]


class NotificationSettingsIn(InputModel):
    model_config = example({"muted": ["points_awarded"], "sms_enabled": True})

    muted: list[NotificationType] = Field(default_factory=list, max_length=len(NotificationType))
    sms_enabled: StrictBool = True


class CountsOut(OutputModel):
    demands_total: int = Field(description="需求数: demands published up to the end of the day")
    claims_total: int = Field(description="认领数: confirmed claims held at the end of the day")
    demands_new: int
    claims_new: int
    claims_ended: int


class CityCountsOut(CountsOut):
    city: str


class TotalsOut(OutputModel):
    as_of: date | None = Field(description="the China-Standard-Time day (YYYY-MM-DD) the totals are as of; "
                                           "null before the first run")
    total: CountsOut
    cities: list[CityCountsOut]


class StatsSeriesQuery(InputModel):
    """数据统计 over time: the stored days from `first_day` to `last_day` (CST calendar days, at most 92)."""

    first_day: Day = Field(description="第一天（YYYY-MM-DD，中国标准时间）")
    last_day: Day = Field(description="最后一天（含），距第一天不超过 92 天")

    @model_validator(mode="after")
    def _a_bounded_range(self) -> StatsSeriesQuery:
        if self.last_day < self.first_day:
            raise ValueError("结束日期不能早于开始日期")
        if (self.last_day - self.first_day).days >= MAX_SERIES_DAYS:
            raise ValueError(f"一次最多查询 {MAX_SERIES_DAYS} 天")
        return self


class DayTotalsOut(OutputModel):
    day: date
    total: CountsOut
    cities: list[CityCountsOut]


class StatsSeriesOut(OutputModel):
    """One entry per day the daily job stored, oldest first (a day it did not run is absent)."""

    items: list[DayTotalsOut]


class ParkedEventOut(OutputModel):
    """A parked stream record as operators see it: never its images (they hold personal data); replay or
    discard it by source and event id (`scripts/manage.py replay-parked` / `discard-parked`)."""

    source: str
    event_id: str
    sequence_number: str | None
    keys: str | None
    reason: str
    error: str
    parked_at: UtcTime
    attempts: int = Field(description="failed applications: the handler's, then each replay's")


class ParkedEventPageOut(OutputModel):
    items: list[ParkedEventOut]
    next_cursor: str | None


class ParkedEventQuery(PageQuery):
    source: str = Field(max_length=60, pattern=r"^[a-z0-9-]+$")
