"""/claims/{id}/ratings, /demands/{id}/ratings, /me/ratings-owed, /me/points: ratings (评分) and points (积分)."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib import clock
from chalicelib.api.routing import ANYONE, Call, endpoint
from chalicelib.data.claims import claim_id, claim_keys
from chalicelib.data.points import PointEntry
from chalicelib.data.ratings import RatingSheet
from chalicelib.errors import ErrorCode
from chalicelib.reference import Role
from chalicelib.schemas.ratings import (
    ClaimRatingsOut,
    OwedRatingOut,
    OwedRatingPageOut,
    OwedRatingsQuery,
    PointEntryOut,
    PointsOut,
    PointsQuery,
    PublicClaimRatingsOut,
    PublicRatingListOut,
    RatingIn,
    RatingOut,
)
from chalicelib.services import points, ratings
from chalicelib.services.ratings import Side

bp = Blueprint(__name__)
ORGS = frozenset({Role.LEAGUE_ORG, Role.VOLUNTEER_ORG})


def rating_out(sheet: RatingSheet, side: Side) -> RatingOut | None:
    rating = ratings.rating_of(sheet, side)
    if rating is None:
        return None
    rated = sheet.claimant_name if side is Side.PUBLISHER else sheet.publisher_name
    return RatingOut(rating_id=ratings.rating_id(sheet.demand_id, sheet.applicant_id, side), side=side.value,
                     rater_name=ratings.rater_name(sheet, side), rated_name=rated, score=int(rating.score),
                     comment=rating.comment, rated_at=rating.rated_at)


def claim_ratings_out(sheet: RatingSheet | None, side: Side, claim_id: str) -> ClaimRatingsOut:
    demand_id, _ = claim_keys(claim_id)
    if sheet is None:   # never confirmed
        return ClaimRatingsOut(claim_id=claim_id, demand_id=demand_id, demand_title="", my_side=side.value,
                               mine=None, about_me=None, revealed=False, i_owe=False, window_closes_at=None)
    revealed = ratings.is_revealed(sheet)
    owed = (sheet.publisher_owed if side is Side.PUBLISHER else sheet.claimant_owed) is not None
    return ClaimRatingsOut(claim_id=claim_id, demand_id=sheet.demand_id, demand_title=sheet.demand_title,
                           my_side=side.value, mine=rating_out(sheet, side),
                           about_me=rating_out(sheet, side.other) if revealed else None, revealed=revealed,
                           i_owe=owed and clock.now() < ratings.window_closes_at(sheet),
                           window_closes_at=ratings.window_closes_at(sheet))


@endpoint(bp, "/claims/{claim_id}/ratings", "POST", roles=ORGS, body=RatingIn, status=201, response=ClaimRatingsOut,
          errors=(ErrorCode.CLAIM_NOT_RATABLE,
                  ErrorCode.RATING_ALREADY_GIVEN,
                  ErrorCode.RATING_WINDOW_CLOSED,
                  ErrorCode.STATE_CONFLICT),
          idempotent=True)
def rate_claim(call: Call, claim_id: str, body: RatingIn) -> ClaimRatingsOut:
    sheet, side = ratings.rate(call.caller, claim_id, body.score, body.comment, idempotency=call.idempotency)
    return claim_ratings_out(sheet, side, claim_id)


@endpoint(bp, "/claims/{claim_id}/ratings", "GET", roles=ORGS, response=ClaimRatingsOut)
def claim_ratings(call: Call, claim_id: str) -> ClaimRatingsOut:
    sheet, side = ratings.party_sheet(call.caller, claim_id)
    return claim_ratings_out(sheet, side, claim_id)


@endpoint(bp, "/demands/{demand_id}/ratings", "GET", roles=ANYONE, response=PublicRatingListOut)
def demand_ratings(call: Call, demand_id: str) -> PublicRatingListOut:
    items = []
    for sheet in ratings.public_sheets(call.caller, demand_id):
        given = [r for r in (rating_out(sheet, Side.PUBLISHER), rating_out(sheet, Side.CLAIMANT)) if r is not None]
        items.append(PublicClaimRatingsOut(claim_id=claim_id(sheet.demand_id, sheet.applicant_id),
                                           publisher_name=sheet.publisher_name, claimant_name=sheet.claimant_name,
                                           ratings=given))
    return PublicRatingListOut(items=items)


@endpoint(bp, "/me/ratings-owed", "GET", roles=ORGS, query=OwedRatingsQuery, response=OwedRatingPageOut)
def ratings_owed(call: Call, query: OwedRatingsQuery) -> OwedRatingPageOut:
    page = ratings.owed(call.caller, limit=query.limit, cursor=query.cursor)
    publisher = call.caller.role is Role.LEAGUE_ORG
    return OwedRatingPageOut(items=[
        OwedRatingOut(claim_id=claim_id(s.demand_id, s.applicant_id), demand_id=s.demand_id,
                      demand_title=s.demand_title, rate_name=s.claimant_name if publisher else s.publisher_name,
                      confirmed_at=s.confirmed_at,
                      window_closes_at=ratings.window_closes_at(s))
        for s in page.items], next_cursor=page.next_cursor)


def point_entry_out(entry: PointEntry) -> PointEntryOut:
    return PointEntryOut(entry_id=entry.entry_id, points=int(entry.points), reason=entry.reason,
                         score=int(entry.score), rating_id=entry.entry_id,
                         claim_id=claim_id(entry.demand_id, entry.applicant_id), demand_id=entry.demand_id,
                         demand_title=entry.demand_title, rater_name=entry.rater_name, at=entry.at)


@endpoint(bp, "/me/points", "GET", roles=ORGS, query=PointsQuery, response=PointsOut)
def my_points(call: Call, query: PointsQuery) -> PointsOut:
    balance, page = points.my_points(call.caller, limit=query.limit, cursor=query.cursor)
    return PointsOut(balance=balance, items=[point_entry_out(e) for e in page.items], next_cursor=page.next_cursor)
