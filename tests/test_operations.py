"""The operations a stage's template gets (scripts/operations.py), without packaging: settings and alarm rules."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import operations  # noqa: E402
import stage_config  # noqa: E402

CONFIG = stage_config.read_json(stage_config.CONFIG_PATH)
STAGES = stage_config.read_json(stage_config.STAGES_PATH)


def alarms_of(stage: str) -> dict[str, dict]:
    variables = stage_config.stage_variables(CONFIG, stage)
    return {rid: r["Properties"] for rid, r in operations.stage_alarms(stage, variables, "api").items()}


@pytest.mark.parametrize("settings, message", [
    ({"log_retention_days": 10, "api_throttle": {"rate": 10, "burst": 20}}, "log_retention_days 10"),
    ({"log_retention_days": 30, "api_throttle": {"rate": 50, "burst": 20}}, "rate <= burst"),
    (None, "no `operations`"),
])
def test_a_stage_whose_operations_settings_cloudwatch_or_api_gateway_would_refuse_is_refused(settings, message):
    stages = {"x": {"region": "cn-north-1", **({"operations": settings} if settings else {})}}
    with pytest.raises(SystemExit, match=message):
        operations.stage_operations(stages, "x")


def test_every_committed_stage_has_valid_operations_settings():
    for stage in CONFIG["stages"]:
        assert operations.stage_operations(STAGES, stage).log_retention_days in operations.RETENTION_DAYS


def test_a_schedule_alarms_after_more_empty_hours_than_its_interval_holds_and_missing_data_breaches():
    alarms = alarms_of("prod-cn-north-1")
    hourly, daily = alarms["RevealRatingsMissedRunAlarm"], alarms["DailyTotalsMissedRunAlarm"]
    # Hourly: two empty hours in a row (one may be empty when a run falls late in the next); daily: a whole
    # day of empty hours (a day at most is what CloudWatch evaluates).
    assert (hourly["Period"], hourly["EvaluationPeriods"], hourly["DatapointsToAlarm"]) == (3600, 2, 2)
    assert (daily["Period"], daily["EvaluationPeriods"], daily["DatapointsToAlarm"]) == (3600, 24, 24)
    for alarm in (hourly, daily):
        assert (alarm["MetricName"], alarm["ComparisonOperator"], alarm["Threshold"], alarm["TreatMissingData"]) \
            == ("Invocations", "LessThanThreshold", 1, "breaching")
    others = [a for rid, a in alarms.items() if not rid.endswith("MissedRunAlarm")]
    assert {a["TreatMissingData"] for a in others} == {"notBreaching"}


def test_a_stream_handler_is_alarmed_only_when_the_stage_names_its_stream():
    variables = {**stage_config.stage_variables(CONFIG, "dev"), "RATINGS_STREAM_ARN": ""}
    alarms = operations.stage_alarms("dev", variables, "api")
    assert "RatingsStreamErrorsAlarm" not in alarms and "DemandEventsStreamIteratorAgeAlarm" in alarms


def test_alarm_names_are_unique_within_a_region_and_fit_cloudwatch():
    by_region: dict[str, list[str]] = {}
    for stage in CONFIG["stages"]:
        by_region.setdefault(STAGES[stage]["region"], []).extend(a["AlarmName"] for a in alarms_of(stage).values())
    for names in by_region.values():
        assert len(names) == len(set(names))
        assert max(len(name) for name in names) <= 255
