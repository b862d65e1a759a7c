"""Structured logs and business metrics, through Powertools for AWS Lambda (docs/architecture.md, "Observability").

Logs: every logger of ours (`chalicelib.*`) and Chalice's app logger write one JSON object per line through
the Powertools Logger's handler, with the keys of the invocation being served (a request's correlation id,
route, caller; a stream record's event id and table; a job's name). Metrics: CloudWatch embedded metric
format (EMF) lines, namespace and `service` dimension from the stage's settings, flushed at the end of each
invocation. Tracing is Lambda's and API Gateway's own (`xray` in .chalice/config.json): no SDK is loaded.
"""
from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import Iterator
from enum import StrEnum
from functools import cache

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

from chalicelib.config import get_settings

# Loggers whose records go through the Powertools handler: ours, and Chalice's app logger (named after the app).
LOGGED = ("chalicelib", "yce-api")
# Every key an invocation may add; all are removed when it ends (a warm container serves the next one).
INVOCATION_KEYS = ("correlation_id", "route", "account_id", "role", "job", "event_id", "table")


class BusinessMetric(StrEnum):
    """Counts, one per success (the ops alarms name them: keep in step with infra)."""

    HELP_REQUESTS_SUBMITTED = "HelpRequestsSubmitted"
    DEMANDS_PUBLISHED = "DemandsPublished"
    CLAIMS_CONFIRMED = "ClaimsConfirmed"
    RATINGS_SUBMITTED = "RatingsSubmitted"
    STREAM_RECORDS_PARKED = "StreamRecordsParked"
    SMS_SENT = "SmsSent"
    SMS_FAILED = "SmsFailed"


class _CurrentStdout(logging.StreamHandler):
    """Writes to the `sys.stdout` of the moment, not the one at import (a test's capture replaces it)."""

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _value) -> None:
        pass


@cache
def logger() -> Logger:
    settings = get_settings()
    return Logger(service=settings.powertools_service_name, level=settings.powertools_log_level,
                  logger_handler=_CurrentStdout(), json_serializer=_json_line)


def _json_line(record: dict) -> str:
    # Chinese as it is, not \u escapes: the lines are read in the console; anything else as its text.
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str)


def configure_logging() -> None:
    """Our loggers and Chalice's write through the Powertools handler only (once: app.py calls it)."""
    powertools = logger()
    for name in LOGGED:
        target = logging.getLogger(name)
        target.handlers = [powertools.registered_handler]
        target.setLevel(powertools.log_level)
        target.propagate = False   # Lambda's root handler would print each record a second time, as plain text


def add_log_keys(**keys: str | None) -> None:
    """Keys for every log line until the invocation ends (None values are left out)."""
    logger().append_keys(**{name: value for name, value in keys.items() if value is not None})


@contextlib.contextmanager
def log_keys(**keys: str | None) -> Iterator[None]:
    """Keys for the log lines of a part of an invocation (one stream record)."""
    add_log_keys(**keys)
    try:
        yield
    finally:
        logger().remove_keys(keys)


@contextlib.contextmanager
def invocation(**keys: str | None) -> Iterator[None]:
    """One request, stream batch or job run: its log keys, removed after it, and its metrics, flushed after it."""
    add_log_keys(**keys)
    try:
        yield
    finally:
        logger().remove_keys(INVOCATION_KEYS)
        flush_metrics()


@cache
def _metrics() -> Metrics:
    settings = get_settings()
    return Metrics(namespace=settings.powertools_metrics_namespace, service=settings.powertools_service_name)


def count(metric: BusinessMetric) -> None:
    """One occurrence, emitted with the invocation's other metrics when it ends."""
    _metrics().add_metric(name=metric.value, unit=MetricUnit.Count, value=1)


def count_sms(provider: str, ok: bool) -> None:
    """SmsSent or SmsFailed with the `provider` dimension: an EMF line of its own, now (the invocation's
    other metrics carry `service` alone)."""
    settings = get_settings()
    line = AmazonCloudWatchEMFProvider(namespace=settings.powertools_metrics_namespace,
                                       service=settings.powertools_service_name)
    line.add_dimension(name="provider", value=provider)
    name = BusinessMetric.SMS_SENT if ok else BusinessMetric.SMS_FAILED
    line.add_metric(name=name.value, unit=MetricUnit.Count, value=1)
    line.flush_metrics()


def flush_metrics() -> None:
    """Print the invocation's metrics as one EMF line (none when there are none, or when
    POWERTOOLS_METRICS_DISABLED: tests and the local stack) and forget them."""
    metrics = _metrics()
    if metrics.metric_set:
        metrics.flush_metrics()
    metrics.clear_metrics()   # disabled, Powertools keeps them: they would pile up in a warm container
