"""Published demands, each with one confirmed claim and the two timeline events that record them
(published, claimed: what the daily totals count), written straight into the tables with BatchWriteItem.

Items are built with the PynamoDB models (`serialize()`), so they carry exactly the attributes and sparse
index keys the app writes when a demand is published and a claim confirmed. One in five demands is in
深圳市, and one in ten mentions 数学 (the keyword the scale benchmark searches for).
"""
from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from functools import lru_cache

CITIES = ("深圳市", "广州市", "珠海市", "汕头市", "佛山市")
PUBLISHER = "b" * 32


EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def demand_and_claim(i: int, start: datetime) -> tuple[dict, dict]:
    """The i-th demand and its claim as AttributeValue maps, published `i` seconds after `start`."""
    demand, claim, _ = _items(i, start)
    return demand, claim


def _items(i: int, start: datetime) -> tuple[dict, dict, list[dict]]:
    demand, claim, event, epoch_text = _templates()
    at = start + timedelta(seconds=i)
    moment = at.strftime(_TIME_FORMAT)
    subject = "数学" if i % 10 == 0 else "英语"
    values = {"@ID@": secrets.token_hex(16), "@APP@": secrets.token_hex(16), "@N@": str(i), "@n@": str(i),
              "@CITY@": CITIES[i % len(CITIES)], "@SUBJ@": subject, "@subj@": subject, epoch_text: moment,
              "@DAY@": cst_date(at), "@ISO@": at.isoformat()}
    events = [_fill(event.replace("@ACTION@", action).replace("@SEQ@", seq), values)
              for action, seq in (("published", "0"), ("claimed", "1"))]
    return _fill(demand, values), _fill(claim, values), events


def cst_date(moment: datetime) -> str:
    from chalicelib import clock

    return clock.cst_date(moment)


_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f+0000"   # PynamoDB's UTCDateTimeAttribute


def item_bytes(table: str | None) -> int | None:
    """Size of one seeded item of `table` (its AttributeValue JSON: a little above DynamoDB's count)."""
    demand, claim = demand_and_claim(0, EPOCH)
    sizes = {"demands": demand, "claims": claim}
    return len(json.dumps(sizes[table], ensure_ascii=False).encode()) if table in sizes else None


def _fill(template: str, values: dict[str, str]) -> dict:
    for placeholder, value in values.items():
        template = template.replace(placeholder, json.dumps(value)[1:-1])
    return json.loads(template)


@lru_cache(maxsize=1)
def _templates() -> tuple[str, str, str, str]:
    """One demand and one claim built with the models, placeholders in the fields that vary (search_text
    holds them casefolded).

    Building each of 100,000 items through PynamoDB costs ~3 ms; filling a template costs microseconds.
    """
    from chalicelib.data.accounts import Region
    from chalicelib.data.claims import ApplicantSnapshot, Claim
    from chalicelib.data.demands import PUBLIC_FEED, Demand, DemandEvent, OrgBlock

    city, subject, demand_id, applicant = "@CITY@", "@SUBJ@", "@ID@", "@APP@"
    title = f"需要招募8位{subject}老师为乡村孩子在线辅导课程 @N@"
    content = "他们上学期成绩中等偏下，需要耐心的老师每周两次在线辅导，帮助孩子建立学习习惯。"
    region = Region(province="广东省", city=city, district="某区")
    demand = Demand(
        demand_id=demand_id, org_id=PUBLISHER, org_name="中国共产主义青年团深圳市委员会", status="claimed",
        org_status=f"{PUBLISHER}#claimed", title=title, demand_type="关爱未成年人", volunteers_needed=8,
        content=content, period_start="2099-06-05", period_end="2099-06-08", guarantees=["餐饮保障"],
        org_block=OrgBlock(region=region, org_name="中国共产主义青年团深圳市委员会", leader_name="李雷",
                           landline="0571-99889988", leader_mobile="13800000000", services_content="数学课程辅导"),
        created_at=EPOCH, updated_at=EPOCH, published_at=EPOCH, like_count=3, application_count=1,
        feed=PUBLIC_FEED, feed_city=f"{PUBLIC_FEED}#{city}", search_text=f"{title} {content}".casefold())
    claim = Claim(
        demand_id=demand_id, applicant_id=applicant, publisher_id=PUBLISHER, publisher_name=demand.org_name,
        demand_title=title, status="confirmed", applicant_status=f"{applicant}#confirmed",
        publisher_status=f"{PUBLISHER}#confirmed", applied_at=EPOCH, confirmed_at=EPOCH, updated_at=EPOCH,
        confirmed_demand=demand_id, demand_city=city, claim_feed="confirmed", claim_feed_city=f"confirmed#{city}",
        applicant=ApplicantSnapshot(org_name="志愿服务组织@N@", region=region, service_areas=["关爱未成年人"],
                                    volunteer_count=120, advantages="数学、英语课程辅导"))
    event = DemandEvent(demand_id=demand_id, event_key="@ISO@#@SEQ@", at=EPOCH, actor_id=PUBLISHER,
                        actor_role="league_org", action="@ACTION@", city=city, stats_day="@DAY@")
    return (json.dumps(demand.serialize()), json.dumps(claim.serialize()), json.dumps(event.serialize()),
            EPOCH.strftime(_TIME_FORMAT))


def seed(client, count: int, *, first: int = 0, start: datetime | None = None) -> None:
    """Write demands first..first+count-1, their claims and timeline events, ≤ 25 items per BatchWriteItem."""
    from chalicelib.data.claims import Claim
    from chalicelib.data.demands import Demand, DemandEvent

    start = start or EPOCH
    demands_table, claims_table, events_table = (Demand.Meta.table_name, Claim.Meta.table_name,
                                                 DemandEvent.Meta.table_name)
    batch: list[tuple[str, dict]] = []
    for i in range(first, first + count):
        demand, claim, events = _items(i, start)
        batch += [(demands_table, demand), (claims_table, claim), *((events_table, e) for e in events)]
        if len(batch) >= 22:
            _write(client, batch)
            batch = []
    if batch:
        _write(client, batch)


def _write(client, batch: list[tuple[str, dict]]) -> None:
    requests: dict[str, list] = {}
    for table, item in batch:
        requests.setdefault(table, []).append({"PutRequest": {"Item": item}})
    while requests:
        requests = client.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}
