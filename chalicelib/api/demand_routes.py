"""/demands, /me/demands, /me/favorites: formal demands, public browsing, likes and favorites."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api import views
from chalicelib.api.routing import ALL_ROLES, ANYONE, Call, endpoint
from chalicelib.errors import SMS_CODE_ERRORS, ErrorCode
from chalicelib.reference import Role
from chalicelib.schemas.claims import ClaimantDemandOut
from chalicelib.schemas.common import PageQuery
from chalicelib.schemas.demands import (
    CloseIn,
    DemandContentIn,
    DemandDetailOut,
    DemandListQuery,
    DemandPageOut,
    FavoriteOut,
    FavoritePageOut,
    LikeOut,
    MyDemandsQuery,
    OwnerDemandOut,
    PublishIn,
    RecommendQuery,
    TimelineOut,
)
from chalicelib.services import claims, demands, feed, reactions

bp = Blueprint(__name__)
LEAGUE_ORG = frozenset({Role.LEAGUE_ORG})
OWNER_OR_OPERATOR = frozenset({Role.LEAGUE_ORG, Role.OPERATOR})


@endpoint(bp, "/demands", "POST", roles=LEAGUE_ORG, body=DemandContentIn, status=201, response=OwnerDemandOut,
          errors=(ErrorCode.HELP_REQUEST_NOT_LINKABLE, ErrorCode.NOT_FOUND, ErrorCode.STATE_CONFLICT), idempotent=True)
def create_demand(call: Call, body: DemandContentIn) -> OwnerDemandOut:
    return views.owner_demand(demands.create_draft(call.caller, body, idempotency=call.idempotency))


@endpoint(bp, "/demands", "GET", roles=ANYONE, query=DemandListQuery, response=DemandPageOut)
def list_demands(call: Call, query: DemandListQuery) -> DemandPageOut:
    page = feed.public_demands(city=query.city, keyword=query.q, limit=query.limit, cursor=query.cursor)
    return DemandPageOut(items=[views.demand_card(d) for d in page.items], next_cursor=page.next_cursor)


@endpoint(bp, "/demands/recommended", "GET", roles=ANYONE, query=RecommendQuery, response=DemandPageOut,
          errors=(ErrorCode.NOT_FOUND,))
def recommended_demands(call: Call, query: RecommendQuery) -> DemandPageOut:
    ranked = feed.recommended(call.caller, limit=query.limit, city=query.city, keyword=query.q)
    return DemandPageOut(items=[views.demand_card(d) for d in ranked])


# The publisher, the confirmed claimant (with the leader's contacts) and everyone else see different models.
@endpoint(bp, "/demands/{demand_id}", "GET", roles=ANYONE,
          response=OwnerDemandOut | ClaimantDemandOut | DemandDetailOut)
def get_demand(call: Call, demand_id: str) -> OwnerDemandOut | ClaimantDemandOut | DemandDetailOut:
    demand, mine = reactions.readable_with_mine(call.caller, demand_id)
    if call.caller is not None and call.caller.account_id == demand.org_id:
        return views.owner_demand(demand, liked=mine.liked, favorited=mine.favorited)
    if claims.is_confirmed_claimant(call.caller, demand):   # the leader's contacts, audited per read
        claims.record_contact_read(call.caller, demand)
        return views.claimant_demand(demand, liked=mine.liked, favorited=mine.favorited, my_claim=mine.claim)
    return views.public_demand(demand, liked=mine.liked, favorited=mine.favorited, my_claim=mine.claim)


@endpoint(bp, "/demands/{demand_id}", "PUT", roles=LEAGUE_ORG, body=DemandContentIn, response=OwnerDemandOut,
          errors=(ErrorCode.DEMAND_NOT_EDITABLE, ErrorCode.HELP_REQUEST_NOT_LINKABLE, ErrorCode.STATE_CONFLICT))
def update_demand(call: Call, demand_id: str, body: DemandContentIn) -> OwnerDemandOut:
    return views.owner_demand(demands.update(call.caller, demand_id, body))


@endpoint(bp, "/demands/{demand_id}/publish", "POST", roles=LEAGUE_ORG, body=PublishIn, response=OwnerDemandOut,
          errors=(*SMS_CODE_ERRORS, ErrorCode.STATE_CONFLICT), idempotent=True)
def publish_demand(call: Call, demand_id: str, body: PublishIn) -> OwnerDemandOut:
    return views.owner_demand(demands.publish(call.caller, demand_id, body.org, idempotency=call.idempotency))


@endpoint(bp, "/demands/{demand_id}/close", "POST", roles=LEAGUE_ORG, body=CloseIn, response=OwnerDemandOut,
          errors=(ErrorCode.HELP_REQUEST_NOT_LINKABLE, ErrorCode.STATE_CONFLICT))
def close_demand(call: Call, demand_id: str, body: CloseIn) -> OwnerDemandOut:
    return views.owner_demand(demands.close(call.caller, demand_id, body.reason))


@endpoint(bp, "/demands/{demand_id}/timeline", "GET", roles=OWNER_OR_OPERATOR, response=TimelineOut)
def demand_timeline(call: Call, demand_id: str) -> TimelineOut:
    return TimelineOut(items=[views.demand_event(e) for e in demands.timeline(call.caller, demand_id)])


@endpoint(bp, "/me/demands", "GET", roles=LEAGUE_ORG, query=MyDemandsQuery, response=DemandPageOut)
def my_demands(call: Call, query: MyDemandsQuery) -> DemandPageOut:
    page = demands.list_mine(call.caller, query.status, limit=query.limit, cursor=query.cursor)
    return DemandPageOut(items=[views.demand_card(d) for d in page.items], next_cursor=page.next_cursor)


@endpoint(bp, "/demands/{demand_id}/like", "PUT", roles=ALL_ROLES, response=LikeOut,
          errors=(ErrorCode.STATE_CONFLICT,))
def like_demand(call: Call, demand_id: str) -> LikeOut:
    demand = reactions.set_like(call.caller, demand_id, liked=True)
    return LikeOut(liked=True, like_count=int(demand.like_count))


@endpoint(bp, "/demands/{demand_id}/like", "DELETE", roles=ALL_ROLES, response=LikeOut,
          errors=(ErrorCode.STATE_CONFLICT,))
def unlike_demand(call: Call, demand_id: str) -> LikeOut:
    demand = reactions.set_like(call.caller, demand_id, liked=False)
    return LikeOut(liked=False, like_count=int(demand.like_count))


@endpoint(bp, "/demands/{demand_id}/favorite", "PUT", roles=ALL_ROLES, response=FavoriteOut)
def favorite_demand(call: Call, demand_id: str) -> FavoriteOut:
    reactions.set_favorite(call.caller, demand_id, favorited=True)
    return FavoriteOut(favorited=True)


@endpoint(bp, "/demands/{demand_id}/favorite", "DELETE", roles=ALL_ROLES, response=FavoriteOut)
def unfavorite_demand(call: Call, demand_id: str) -> FavoriteOut:
    reactions.set_favorite(call.caller, demand_id, favorited=False)
    return FavoriteOut(favorited=False)


@endpoint(bp, "/me/favorites", "GET", roles=ALL_ROLES, query=PageQuery, response=FavoritePageOut)
def my_favorites(call: Call, query: PageQuery) -> FavoritePageOut:
    page = reactions.favorites(call.caller, limit=query.limit, cursor=query.cursor)
    return FavoritePageOut(items=[views.favorite_card(r) for r in page.items], next_cursor=page.next_cursor)


