"""Scale: list pages, keyword search and the daily totals job at 1,000 and 100,000 demands (each with a
confirmed claim and its timeline events).

Demands are written straight into the moto server with BatchWriteItem (bench/seed.py); every page is
then requested through the app as Lambda would call it, with the DynamoDB meter of the request-budget
test on the app's clients. Per page it prints the DynamoDB requests, the items DynamoDB evaluated (what
a Query is billed for), an RCU estimate from the bytes returned, and the latency. The cost columns are
DynamoDB's; the latency is moto's, whose Query walks the whole table in Python for an index (it has no
index structures), so it grows with the table where DynamoDB's does not.
"""
from __future__ import annotations

import os
import resource
import statistics
import time
from collections.abc import Callable

from bench import common, seed
from bench.common import PREFIX, line
from tests.dynamodb_meter import DynamoMeter

REPEAT = 5            # latency is the median of this many calls (one call above 10,000 demands: moto is slow)
PAGES = {
    "需求信息 page of 20": ("/demands", {"limit": "20"}),
    "需求信息 page of 20, city 深圳市": ("/demands", {"limit": "20", "city": "深圳市"}),
    "keyword 数学 (1 in 10 match)": ("/demands", {"limit": "20", "q": "数学"}),
    "keyword with no match": ("/demands", {"limit": "20", "q": "天文望远镜"}),
    "认领信息 page of 20": ("/claims", {"limit": "20"}),
}

QUIET_DAY, DAY_BEFORE = "20260301", "20260228"   # far from the seeded days (2026-01-01/02 CST)
QUIET_DAY_EVENTS = 50


def _quiet_day_setup() -> None:
    """One day with 50 publications and its previous day's totals stored (once; not measured)."""
    from datetime import UTC, datetime

    from chalicelib.data.demands import DemandEvent
    from chalicelib.data.stats import ALL, Counts, DailyTotals

    try:
        DailyTotals.get(ALL, DAY_BEFORE)
        return
    except DailyTotals.DoesNotExist:
        pass
    at = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)
    for n in range(QUIET_DAY_EVENTS):
        DemandEvent(demand_id=f"{n:032x}", event_key=f"{at.isoformat()}#{n:08x}", at=at, actor_id="b" * 32,
                    actor_role="league_org", action="published", city="深圳市", stats_day=QUIET_DAY).save()
    DailyTotals(scope=ALL, day=DAY_BEFORE, total=Counts(), cities={}, events_counted=0).save()


def _daily_totals_of_the_quiet_day() -> object:
    """Its reads must be the same at every table size: the previous day's item + that day's index page."""
    from datetime import UTC, datetime

    from chalicelib.services import stats

    return stats.compute(QUIET_DAY, now=datetime(2026, 3, 2, 4, 0, tzinfo=UTC))


# Scheduled jobs whose reads should grow with the day's activity, not the table: (label, setup, job).
SCHEDULED_JOBS: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
    (f"daily totals of a day with {QUIET_DAY_EVENTS} events", _quiet_day_setup, _daily_totals_of_the_quiet_day),
]


def run(endpoint: str, sizes: list[int]) -> None:
    import boto3

    from app import app
    from chalicelib.data.tables import create_all_tables

    create_all_tables()
    _patient_with_moto()
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name=os.environ["AWS_DEFAULT_REGION"])
    meter = DynamoMeter(prefix=PREFIX)
    for app_client in common.app_clients():
        meter.install(app_client.meta.events)
    present = 0   # run.py starts an empty moto server
    print("Scale (moto server on loopback; demands each with one confirmed claim)")
    for size in sorted(sizes):
        if size > present:
            started = time.perf_counter()
            seed.seed(client, size - present, first=present)
            took = time.perf_counter() - started
            line(f"seeded demands {present}..{size - 1} (+ claims), BatchWriteItem",
                 f"{took:.1f} s ({(size - present) * 2 / took:.0f} items/s)")
            present = size
        line(f"table size {size} demands; bench process peak RSS",
             f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (moto in this process)")
        for label, (path, query) in PAGES.items():
            try:
                _page(app, meter, label, path, query, repeat=REPEAT if size <= 10_000 else 1)
            except Exception as exc:  # one failed page must not lose a 100,000-item seed
                line(f"  {label}", f"FAILED: {exc!r}"[:200])
        for label, setup, job in SCHEDULED_JOBS:
            setup()
            _job(meter, label, job)


def _patient_with_moto() -> None:
    """moto answers an index Query by walking the whole table: at 100,000 items that outlasts the app's
    5 s read timeout, and each retry would walk it again. Bench only: wait, never retry."""
    from chalicelib.data.tables import EVERY_MODEL

    for model in EVERY_MODEL:
        model.Meta.read_timeout_seconds = 900
        model.Meta.max_retry_attempts = 0
        model._connection = None


def _page(app, meter: DynamoMeter, label: str, path: str, query: dict, repeat: int) -> None:
    event = common.api_event("GET", path, path, query=query)
    timings: list[float] = []
    outside: list[float] = []
    for _ in range(repeat):
        with meter.record(forbid_scan=True) as calls:
            started = time.perf_counter()
            response = app(event, common.LambdaContext())
            timings.append(time.perf_counter() - started)
        outside.append(timings[-1] - sum(call.seconds for call in calls))
        assert response["statusCode"] == 200, response
    requests = " + ".join(call.label for call in calls)
    evaluated = sum(call.evaluated for call in calls)
    returned = sum(call.items for call in calls)
    rcu = sum(call.read_units(seed.item_bytes(call.table)) for call in calls)
    line(f"  {label}", f"{requests}: {returned} returned / {evaluated} evaluated, ~{rcu:g} RCU; "
                       f"{statistics.median(timings) * 1000:.0f} ms, of which outside DynamoDB "
                       f"{statistics.median(outside) * 1000:.1f} ms")


def _job(meter: DynamoMeter, label: str, job: Callable[[], object]) -> None:
    with meter.record(forbid_scan=True) as calls:
        started = time.perf_counter()
        job()
        took = time.perf_counter() - started
    rcu = sum(c.read_units(seed.item_bytes(c.table)) for c in calls)
    line(f"  {label}", f"{' + '.join(c.label for c in calls)}: {sum(c.evaluated for c in calls)} items evaluated, "
                       f"~{rcu:g} RCU, {took * 1000:.0f} ms")
