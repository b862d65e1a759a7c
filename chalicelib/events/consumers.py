"""The streams the app consumes and the scheduled jobs it runs: one list for app.py, the local stack
and the infra/policy generators."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalice import Cron, Rate
from pynamodb.models import Model

from chalicelib.data.demands import DemandEvent
from chalicelib.data.help_requests import HelpRequest
from chalicelib.data.ratings import RatingSheet
from chalicelib.events import demand_events_stream, help_requests_stream, ratings_stream, schedules


@dataclass(frozen=True)
class StreamConsumer:
    function_name: str                 # the Lambda function Chalice creates for it
    logical_table: str                 # its ARN comes from the setting `<logical_table>_stream_arn`
    model: type[Model]
    handle: Callable[[Any], dict]


@dataclass(frozen=True)
class ScheduledJob:
    function_name: str
    expression: Any                    # chalice Cron/Rate (cron in UTC)
    run: Callable[[], Any]
    every_seconds: int | None = None   # the local stack's cadence for a Rate job
    daily_at_utc: tuple[int, int] | None = None   # (hour, minute) for a Cron job


STREAM_CONSUMERS: tuple[StreamConsumer, ...] = (
    StreamConsumer("ratings_stream", "ratings", RatingSheet, ratings_stream.handle),
    StreamConsumer("demand_events_stream", "demand_events", DemandEvent, demand_events_stream.handle),
    StreamConsumer("help_requests_stream", "help_requests", HelpRequest, help_requests_stream.handle),
)

SCHEDULED_JOBS: tuple[ScheduledJob, ...] = (
    # 00:05 China Standard Time = 16:05 UTC the day before: yesterday (CST) has just ended.
    ScheduledJob("daily_totals", Cron(5, 16, "*", "*", "?", "*"), schedules.daily_totals, daily_at_utc=(16, 5)),
    ScheduledJob("reveal_ratings", Rate(1, unit=Rate.HOURS), schedules.reveal_ratings, every_seconds=3600),
)
