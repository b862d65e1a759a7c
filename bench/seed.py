"""Published demands, each with one confirmed claim, written straight into the tables with BatchWriteItem.

Items are built with the PynamoDB models (`serialize()`), so they carry exactly the attributes and sparse
index keys the app writes when a demand is published and a claim confirmed. One in five demands is in
深圳市, and one in ten mentions 数学 (the keyword the scale benchmark searches for).
"""
from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

CITIES = ("深圳市", "广州市", "珠海市", "汕头市", "佛山市")
PUBLISHER = "b" * 32


def demand_and_claim(i: int, start: datetime) -> tuple[dict, dict]:
    from chalicelib.data.accounts import Region
    from chalicelib.data.claims import ApplicantSnapshot, Claim
    from chalicelib.data.demands import PUBLIC_FEED, Demand, OrgBlock

    city = CITIES[i % len(CITIES)]
    subject = "数学" if i % 10 == 0 else "英语"
    title = f"需要招募8位{subject}老师为乡村孩子在线辅导课程 {i}"
    content = "他们上学期成绩中等偏下，需要耐心的老师每周两次在线辅导，帮助孩子建立学习习惯。"
    moment = start + timedelta(seconds=i)
    demand_id = secrets.token_hex(16)
    region = Region(province="广东省", city=city, district="某区")
    demand = Demand(
        demand_id=demand_id, org_id=PUBLISHER, org_name="中国共产主义青年团深圳市委员会", status="claimed",
        org_status=f"{PUBLISHER}#claimed", title=title, demand_type="关爱未成年人", volunteers_needed=8,
        content=content, period_start="2099-06-05", period_end="2099-06-08", guarantees=["餐饮保障"],
        org_block=OrgBlock(region=region, org_name="中国共产主义青年团深圳市委员会", leader_name="李雷",
                           landline="0571-99889988", leader_mobile="13800000000", services_content="数学课程辅导"),
        created_at=moment, updated_at=moment, published_at=moment, like_count=i % 7, application_count=1,
        feed=PUBLIC_FEED, feed_city=f"{PUBLIC_FEED}#{city}", search_text=f"{title} {content}".casefold())
    applicant = secrets.token_hex(16)
    claim = Claim(
        demand_id=demand_id, applicant_id=applicant, publisher_id=PUBLISHER, publisher_name=demand.org_name,
        demand_title=title, status="confirmed", applicant_status=f"{applicant}#confirmed",
        publisher_status=f"{PUBLISHER}#confirmed", applied_at=moment, confirmed_at=moment, updated_at=moment,
        confirmed_demand=demand_id, demand_city=city, claim_feed="confirmed", claim_feed_city=f"confirmed#{city}",
        applicant=ApplicantSnapshot(org_name=f"志愿服务组织{i}", region=region, service_areas=["关爱未成年人"],
                                    volunteer_count=120, advantages="数学、英语课程辅导"))
    return demand.serialize(), claim.serialize()


def seed(client, count: int, *, first: int = 0, start: datetime | None = None) -> None:
    """Write demands first..first+count-1 and their claims, 25 items per BatchWriteItem."""
    from chalicelib.data.claims import Claim
    from chalicelib.data.demands import Demand

    start = start or datetime(2026, 1, 1, tzinfo=UTC)
    demands_table, claims_table = Demand.Meta.table_name, Claim.Meta.table_name
    batch: list[tuple[str, dict]] = []
    for i in range(first, first + count):
        demand, claim = demand_and_claim(i, start)
        batch += [(demands_table, demand), (claims_table, claim)]
        if len(batch) >= 24:
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
