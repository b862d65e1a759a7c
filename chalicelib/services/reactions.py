"""Likes (点赞) and favorites (收藏) of demands, for every role.

A like and the demand's like_count change in one transaction, so the count
always equals the likes stored, however many toggles race.
"""
from __future__ import annotations

from dataclasses import dataclass

from chalicelib import clock
from chalicelib.auth.principal import Principal
from chalicelib.data.base import Transaction
from chalicelib.data.batch_get import ItemKey, get_items
from chalicelib.data.claims import Claim
from chalicelib.data.demands import Demand
from chalicelib.data.reactions import FAVORITE, KINDS, LIKE, Reaction, target
from chalicelib.errors import AppError, ErrorCode
from chalicelib.reference import Role
from chalicelib.services.demands import readable_condition, readable_demand, require_readable
from chalicelib.services.pagination import Page, query_page


@dataclass(frozen=True)
class Mine:
    """The caller's own relations to a demand, as its detail page shows them."""

    liked: bool = False
    favorited: bool = False
    claim: Claim | None = None     # a volunteer organization's own application (我要认领 shows its state)


def readable_with_mine(caller: Principal | None, demand_id: str) -> tuple[Demand, Mine]:
    """The demand as `readable_demand` gives it, whether the caller liked / favorited it and, for a
    volunteer organization, its own claim on it.

    Signed in: one BatchGetItem of the demand, the caller's item of every reaction kind and the caller's
    claim (keys known, no Query); anonymous: one GetItem.
    """
    if caller is None:
        return readable_demand(None, demand_id), Mine()
    keys = [ItemKey(Demand, demand_id), *(ItemKey(Reaction, caller.account_id, target(demand_id, kind))
                                         for kind in KINDS)]
    claimant = caller.role is Role.VOLUNTEER_ORG
    if claimant:
        keys.append(ItemKey(Claim, demand_id, caller.account_id))
    demand, *found = get_items(keys)
    claim = found.pop() if claimant else None
    kinds = {reaction.kind for reaction in found if reaction is not None}
    return require_readable(caller, demand), Mine(liked=LIKE in kinds, favorited=FAVORITE in kinds, claim=claim)


class _Already(Exception):
    pass


def set_like(caller: Principal, demand_id: str, *, liked: bool) -> Demand:
    """Idempotent: liking twice, or unliking what was not liked, changes nothing.

    One write, then one read: whether the caller may see the demand is a condition of the write, and
    the demand is read after it (consistently), so the answer's like_count is the count stored, likes
    racing this one included (a count read before the write plus one would lose them).
    """
    item = Reaction(caller.account_id, target(demand_id, LIKE), demand_id=demand_id, kind=LIKE,
                    created_at=clock.now())
    already = AppError(ErrorCode.STATE_CONFLICT, "already")
    tx = Transaction()
    if liked:
        tx.put(item, condition=Reaction.target.does_not_exist(), on_conflict=already)
    else:
        tx.delete(item, condition=Reaction.target.exists(), on_conflict=already)
    tx.update(Demand(demand_id), [Demand.like_count.add(1 if liked else -1)],
              condition=readable_condition(caller), on_conflict=AppError(ErrorCode.NOT_FOUND))
    try:
        tx.commit()
    except AppError as exc:
        if exc is not already:
            raise
    return readable_demand(caller, demand_id, consistent=True)   # "already" did not check the demand

def set_favorite(caller: Principal, demand_id: str, *, favorited: bool) -> None:
    if favorited:
        demand = readable_demand(caller, demand_id)
        moment = clock.now()
        Reaction(caller.account_id, target(demand_id, FAVORITE), demand_id=demand_id, kind=FAVORITE,
                 created_at=moment, favorited_at=moment, title=demand.title, org_name=demand.org_name,
                 city=demand.org_block.region.city if demand.org_block else None).save()
    else:
        Reaction(caller.account_id, target(demand_id, FAVORITE)).delete()


def favorites(caller: Principal, *, limit: int, cursor: str | None) -> Page[Reaction]:
    return query_page(Reaction.favorites_by_time.query, caller.account_id, model=Reaction,
                      scope=f"favorites:{caller.account_id}", limit=limit, cursor=cursor)
