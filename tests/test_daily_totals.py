"""Yesterday's totals (数据统计 数据截止至昨日): the China-Standard-Time day boundary, idempotency, backfill,
reads bounded by the day's activity, the schedule, and the home endpoint."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app import app as chalice_app
from chalicelib import clock
from chalicelib.data.stats import ALL, DailyTotals
from chalicelib.errors import AppError
from chalicelib.services import stats
from tests.builders import applied, league_org_session, operator_token, publish_demand, volunteer

# 2026-11-27 23:59 CST and 2026-11-28 00:01 CST: the same UTC date (27 November), two CST days.
LATE = datetime(2026, 11, 27, 15, 59, tzinfo=UTC)
EARLY = datetime(2026, 11, 27, 16, 1, tzinfo=UTC)
AFTER = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)   # 2026-11-29 11:00 CST: both days have ended


@pytest.fixture
def at(monkeypatch):
    def move(moment: datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: moment)
    return move


@pytest.fixture
def publisher(api):
    return league_org_session(api)["access_token"]


def stored(day: str) -> dict:
    item = DailyTotals.get(ALL, day)
    return {"total": item.total.as_dict(), "cities": stats.plain(item.cities), "events": item.events_counted}


def test_a_demand_published_at_2359_cst_counts_that_day_and_one_at_0001_the_next(api, outbox, publisher, at):
    at(LATE)
    publish_demand(api, outbox, publisher, city="深圳市")
    at(EARLY)
    publish_demand(api, outbox, publisher, city="广州市")
    at(AFTER)
    first = stats.compute("20261127")
    assert (first.total.demands_new, first.total.demands_total) == (1, 1)
    second = stats.compute("20261128")
    assert (second.total.demands_new, second.total.demands_total) == (1, 2)
    cities = stats.plain(second.cities)
    assert cities["深圳市"]["demands_total"] == 1 and cities["深圳市"]["demands_new"] == 0
    assert cities["广州市"]["demands_total"] == 1 and cities["广州市"]["demands_new"] == 1


def test_claims_count_confirmations_held_and_withdrawals_end_them(api, outbox, publisher, at):
    at(LATE)
    demand = publish_demand(api, outbox, publisher)
    org = volunteer(api, outbox)
    claim = applied(api, org, demand["demand_id"])
    assert api.post(f"/claims/{claim['claim_id']}/confirm", token=publisher).status_code == 200
    at(EARLY)
    withdrawn = api.post(f"/claims/{claim['claim_id']}/withdraw", {"reason": "人手不足"}, token=org["token"])
    assert withdrawn.status_code == 200
    at(AFTER)
    day1, day2 = stats.compute("20261127"), stats.compute("20261128")
    assert (day1.total.claims_new, day1.total.claims_total) == (1, 1)
    assert (day2.total.claims_ended, day2.total.claims_total, day2.total.demands_total) == (1, 0, 1)


def test_running_a_day_again_stores_the_same_result(api, outbox, publisher, at):
    at(LATE)
    publish_demand(api, outbox, publisher)
    at(AFTER)
    stats.compute("20261128")
    before = (stored("20261127"), stored("20261128"))
    stats.compute("20261128")
    stats.compute("20261127")
    assert (stored("20261127"), stored("20261128")) == before


def test_a_backfill_computes_the_missing_days_in_order(api, outbox, publisher, at):
    at(LATE)
    publish_demand(api, outbox, publisher)
    at(datetime(2026, 12, 2, 3, 0, tzinfo=UTC))
    last = stats.compute("20261201")        # nothing stored yet: every day from the first one is computed
    assert last.total.demands_total == 1 and last.total.demands_new == 0
    days = [item.day for item in DailyTotals.query(ALL)]
    assert days[0] == stats.FIRST_DAY and days[-1] == "20261201" and len(days) == len(set(days))
    assert DailyTotals.get(ALL, "20261127").total.demands_new == 1


@pytest.mark.parametrize("day", ["20261129", "20261130", "2026-11-29", "2026-1128", "2026-11-31", "20261340",
                                 "20251231", "", "abc"])
def test_only_ended_days_since_the_first_one_can_be_computed(at, aws, day):
    at(AFTER)   # 29 November CST is still running
    with pytest.raises(AppError) as refused:
        stats.compute(day)
    assert refused.value.fields[0].path == "date"
    assert list(DailyTotals.query(ALL)) == []


def test_a_days_reads_grow_with_its_events_not_with_the_tables(api, outbox, publisher, at, count_queries):
    at(LATE)
    for _ in range(4):
        publish_demand(api, outbox, publisher)
    at(AFTER)
    stats.compute("20261127")
    calls = count_queries()
    stats.compute("20261128")               # a day without events, after a busy one
    assert calls == [None, "stats_day"]     # the previous day's totals, then that day's (empty) index page


def test_the_schedule_runs_after_midnight_cst_for_yesterday(api, outbox, publisher, at):
    [job] = [s for s in chalice_app.event_sources if s.name == "daily_totals"]
    assert job.schedule_expression.to_string() == "cron(5 16 * * ? *)"   # 16:05 UTC = 00:05 CST
    at(LATE)
    publish_demand(api, outbox, publisher)
    at(datetime(2026, 11, 27, 16, 5, tzinfo=UTC))   # 00:05 CST on the 28th: the 27th has just ended
    event = api.client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                                resources=[])
    result = api.client.lambda_.invoke("daily_totals", event).payload
    assert result["day"] == "2026-11-27" and result["demands_total"] == 1


def test_the_home_endpoint_shows_the_latest_totals_and_their_date(api, outbox, publisher, at):
    empty = api.get("/stats/totals").json
    assert empty["as_of"] is None and empty["total"]["demands_total"] == 0 and empty["cities"] == []
    at(LATE)
    publish_demand(api, outbox, publisher, city="深圳市")
    at(AFTER)
    stats.compute("20261128")
    shown = api.get("/stats/totals").json
    assert shown["as_of"] == "2026-11-28" and shown["total"]["demands_total"] == 1
    assert [c["city"] for c in shown["cities"]] == ["深圳市"] and shown["cities"][0]["demands_total"] == 1


def test_an_operator_names_the_day_as_yyyy_mm_dd_or_as_yyyymmdd(api, outbox, publisher, at):
    from chalicelib.events.schedules import daily_totals

    at(LATE)
    publish_demand(api, outbox, publisher)
    at(AFTER)
    assert daily_totals("2026-11-27")["day"] == "2026-11-27"
    assert daily_totals("20261128")["day"] == "2026-11-28"
    assert [item.day for item in DailyTotals.query(ALL)][-2:] == ["20261127", "20261128"]   # the stored keys
    assert DailyTotals.get(ALL, "20261127").total.demands_new == 1


def test_the_local_scheduler_fires_each_job_at_its_time():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    from scheduler import LocalScheduler

    from chalicelib.events.consumers import ScheduledJob

    runs: list[str] = []
    now = [datetime(2026, 11, 27, 12, 0, tzinfo=UTC)]
    jobs = [ScheduledJob("daily", None, lambda: runs.append("daily"), daily_at_utc=(16, 5)),
            ScheduledJob("hourly", None, lambda: runs.append("hourly"), every_seconds=3600)]
    scheduler = LocalScheduler(jobs, now=lambda: now[0])
    assert scheduler.tick() == ["daily", "hourly"]              # catch up at start
    now[0] += timedelta(minutes=30)
    assert scheduler.tick() == []
    now[0] += timedelta(minutes=31)
    assert scheduler.tick() == ["hourly"]
    now[0] = datetime(2026, 11, 27, 16, 5, tzinfo=UTC)
    assert scheduler.tick() == ["daily", "hourly"]
    assert scheduler.tick() == []


def test_operators_chart_the_stored_days_per_city_oldest_first_a_quarter_at_most(api, outbox, publisher, at):
    at(LATE)
    publish_demand(api, outbox, publisher, city="深圳市")
    at(EARLY)
    publish_demand(api, outbox, publisher, city="广州市")
    at(AFTER)
    stats.compute("20261128")
    operator = operator_token(api)
    days = api.get("/admin/stats/daily?first_day=2026-11-27&last_day=2026-11-30", token=operator).json["items"]
    assert [d["day"] for d in days] == ["2026-11-27", "2026-11-28"]      # the 29th is not stored yet
    assert [(c["city"], c["demands_new"]) for c in days[1]["cities"]] == [("广州市", 1), ("深圳市", 0)]
    assert days[1]["total"]["demands_total"] == 2

    for query in ("first_day=2026-11-28&last_day=2026-11-27", "first_day=2026-01-01&last_day=2026-06-30",
                  "first_day=2026-11-28"):
        refused = api.get(f"/admin/stats/daily?{query}", token=operator)
        assert refused.status_code == 400, query
