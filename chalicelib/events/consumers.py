"""The streams the app consumes and the scheduled jobs it runs: one list for app.py, the local stack
and the infra/policy generators."""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalice import Cron, Rate


def deferred(target: str) -> Callable[..., Any]:
    """`module:function`, imported on the first call: importing app.py loads no handler, service or model."""
    module, _, name = target.partition(":")

    def call(*args: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args)

    call.__qualname__ = call.__name__ = name
    return call


@dataclass(frozen=True)
class StreamConsumer:
    function_name: str                 # the Lambda function Chalice creates for it
    logical_table: str                 # its ARN comes from the setting `<logical_table>_stream_arn`
    model_path: str                    # `module:Model` of the consumed table (read by tools and tests)
    handle: Callable[[Any], dict]

    @property
    def model(self) -> Any:
        module, _, name = self.model_path.partition(":")
        return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class ScheduledJob:
    function_name: str
    expression: Any                    # chalice Cron/Rate (cron in UTC)
    run: Callable[[], Any]
    every_seconds: int | None = None   # the local stack's cadence for a Rate job
    daily_at_utc: tuple[int, int] | None = None   # (hour, minute) for a Cron job


_EVENTS = "chalicelib.events"
STREAM_CONSUMERS: tuple[StreamConsumer, ...] = (
    StreamConsumer("ratings_stream", "ratings", "chalicelib.data.ratings:RatingSheet",
                   deferred(f"{_EVENTS}.ratings_stream:handle")),
    StreamConsumer("demand_events_stream", "demand_events", "chalicelib.data.demands:DemandEvent",
                   deferred(f"{_EVENTS}.demand_events_stream:handle")),
    StreamConsumer("help_requests_stream", "help_requests", "chalicelib.data.help_requests:HelpRequest",
                   deferred(f"{_EVENTS}.help_requests_stream:handle")),
)

SCHEDULED_JOBS: tuple[ScheduledJob, ...] = (
    # 00:05 China Standard Time = 16:05 UTC the day before: yesterday (CST) has just ended.
    ScheduledJob("daily_totals", Cron(5, 16, "*", "*", "?", "*"), deferred(f"{_EVENTS}.schedules:daily_totals"),
                 daily_at_utc=(16, 5)),
    ScheduledJob("reveal_ratings", Rate(1, unit=Rate.HOURS), deferred(f"{_EVENTS}.schedules:reveal_ratings"),
                 every_seconds=3600),
)
