"""Public browsing: the 需求信息 list with the city selector and keyword search.

Without a keyword a page is one Query of `limit` items on a sparse index.
With a keyword the same Query carries a `contains` filter on the casefolded
title and content and reads at most KEYWORD_READS_PER_PAGE items: the read
cost of a page is bounded whatever the table size; a sparse page comes back
with a cursor to continue.
"""
from __future__ import annotations

from chalicelib.auth.principal import Principal
from chalicelib.data.base import one_page
from chalicelib.data.demands import PUBLIC_FEED, Demand
from chalicelib.reference import DemandStatus, Role
from chalicelib.services.pagination import Page, decode_cursor, encode_cursor, trim_page

KEYWORD_READS_PER_PAGE = 100


def public_demands(*, city: str | None, keyword: str | None, limit: int, cursor: str | None) -> Page[Demand]:
    folded = keyword.casefold() if keyword else None
    scope = f"feed:{city or ''}:{folded or ''}"
    start = decode_cursor(scope, cursor)
    reads = KEYWORD_READS_PER_PAGE if folded else limit
    condition = Demand.search_text.contains(folded) if folded else None
    if city:
        index, hash_key, key_names = Demand.public_city_feed, f"{PUBLIC_FEED}#{city}", ("demand_id", "feed_city",
                                                                                        "published_at")
    else:
        index, hash_key, key_names = Demand.public_feed, PUBLIC_FEED, ("demand_id", "feed", "published_at")
    results = index.query(hash_key, scan_index_forward=False, page_size=reads, filter_condition=condition,
                          last_evaluated_key=start)
    items, last = one_page(results, Demand)
    items, last = trim_page(items, last, limit, key_names)
    return Page(items=items, next_cursor=encode_cursor(scope, last))


RECOMMEND_WINDOW = 50


def recommended(caller: Principal | None, *, limit: int, city: str | None = None,
                keyword: str | None = None) -> list[Demand]:
    """推荐: open demands for a volunteer organization, its city and service areas first, then recency.

    Ranks a bounded window (the newest RECOMMEND_WINDOW visible demands of its
    city and of the province: two Queries), so the cost does not grow with the
    table. Everyone else, and an organization without a profile, sees the newest
    open demands. The region selector and keyword filter the same window.
    """
    profile = _profile_of(caller)
    windows = [Demand.public_feed.query(PUBLIC_FEED, scan_index_forward=False, page_size=RECOMMEND_WINDOW,
                                        filter_condition=Demand.status == DemandStatus.OPEN.value)]
    if profile is not None:
        windows.append(Demand.public_city_feed.query(
            f"{PUBLIC_FEED}#{profile.region.city}", scan_index_forward=False, page_size=RECOMMEND_WINDOW,
            filter_condition=Demand.status == DemandStatus.OPEN.value))
    folded = keyword.casefold() if keyword else None
    candidates = {d.demand_id: d for results in windows for d in one_page(results, Demand)[0]
                  if (city is None or d.org_block.region.city == city)
                  and (folded is None or folded in (d.search_text or ""))}
    ranked = sorted(candidates.values(), key=lambda d: (_score(d, profile), d.published_at), reverse=True)
    return ranked[:limit]


def _profile_of(caller: Principal | None):
    from chalicelib.services import accounts  # cold start: anonymous browsing loads no account service

    if caller is None or caller.role is not Role.VOLUNTEER_ORG:
        return None
    return accounts.get_account(caller.account_id).profile


def _score(demand: Demand, profile) -> int:
    if profile is None:
        return 0
    same_city = demand.org_block is not None and demand.org_block.region.city == profile.region.city
    serves_type = demand.demand_type in set(profile.service_areas or [])
    return 2 * same_city + serves_type
