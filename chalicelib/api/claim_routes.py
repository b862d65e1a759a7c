"""/demands/{id}/claims, /claims/{id}/*, /me/claims, /me/claim-inbox: claims (认领)."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api.routing import ANYONE, Call, endpoint
from chalicelib.api.views import claim_feed_item, claim_out, public_claim_out
from chalicelib.errors import ErrorCode
from chalicelib.reference import Role
from chalicelib.schemas.claims import (
    ApplyIn,
    ClaimFeedPageOut,
    ClaimFeedQuery,
    ClaimInboxQuery,
    ClaimOut,
    ClaimPageOut,
    MyClaimsQuery,
    PublicClaimListOut,
    ReturnIn,
    WithdrawIn,
)
from chalicelib.services import claims

bp = Blueprint(__name__)
LEAGUE_ORG = frozenset({Role.LEAGUE_ORG})
VOLUNTEER_ORG = frozenset({Role.VOLUNTEER_ORG})


@endpoint(bp, "/demands/{demand_id}/claims", "POST", roles=VOLUNTEER_ORG, body=ApplyIn, status=201, response=ClaimOut,
          errors=(ErrorCode.CLAIM_ALREADY_APPLIED,
                  ErrorCode.CLAIM_PENDING_LIMIT,
                  ErrorCode.DEMAND_ALREADY_CLAIMED,
                  ErrorCode.DEMAND_CLAIMS_FULL,
                  ErrorCode.DEMAND_NOT_CLAIMABLE,
                  ErrorCode.ORG_PROFILE_INCOMPLETE,
                  ErrorCode.STATE_CONFLICT),
          idempotent=True)
def apply_for_demand(call: Call, demand_id: str, body: ApplyIn) -> ClaimOut:
    return claim_out(claims.apply(call.caller, demand_id, body.message, idempotency=call.idempotency))


@endpoint(bp, "/demands/{demand_id}/claims", "GET", roles=ANYONE, response=PublicClaimListOut)
def demand_claims(call: Call, demand_id: str) -> PublicClaimListOut:
    return PublicClaimListOut(items=[public_claim_out(c) for c in claims.public_claims(call.caller, demand_id)])


@endpoint(bp, "/claims", "GET", roles=ANYONE, query=ClaimFeedQuery, response=ClaimFeedPageOut)
def claim_feed(call: Call, query: ClaimFeedQuery) -> ClaimFeedPageOut:
    page = claims.claim_feed(city=query.city, limit=query.limit, cursor=query.cursor)
    return ClaimFeedPageOut(items=[claim_feed_item(c) for c in page.items], next_cursor=page.next_cursor)


@endpoint(bp, "/claims/{claim_id}/confirm", "POST", roles=LEAGUE_ORG, response=ClaimOut,
          errors=(ErrorCode.DEMAND_ALREADY_CLAIMED, ErrorCode.DEMAND_NOT_CLAIMABLE, ErrorCode.STATE_CONFLICT))
def confirm_claim(call: Call, claim_id: str) -> ClaimOut:
    return claim_out(claims.confirm(call.caller, claim_id), as_publisher=True)


@endpoint(bp, "/claims/{claim_id}/return", "POST", roles=LEAGUE_ORG, body=ReturnIn, response=ClaimOut,
          errors=(ErrorCode.STATE_CONFLICT,))
def return_claim(call: Call, claim_id: str, body: ReturnIn) -> ClaimOut:
    return claim_out(claims.return_claim(call.caller, claim_id, body.reason), as_publisher=True)


@endpoint(bp, "/claims/{claim_id}/withdraw", "POST", roles=VOLUNTEER_ORG, body=WithdrawIn, response=ClaimOut,
          errors=(ErrorCode.CLAIM_NOT_WITHDRAWABLE, ErrorCode.STATE_CONFLICT))
def withdraw_claim(call: Call, claim_id: str, body: WithdrawIn) -> ClaimOut:
    return claim_out(claims.withdraw(call.caller, claim_id, body.reason))


@endpoint(bp, "/me/claims", "GET", roles=VOLUNTEER_ORG, query=MyClaimsQuery, response=ClaimPageOut)
def my_claims(call: Call, query: MyClaimsQuery) -> ClaimPageOut:
    page = claims.list_mine(call.caller, query.status, limit=query.limit, cursor=query.cursor)
    return ClaimPageOut(items=[claim_out(c) for c in page.items], next_cursor=page.next_cursor)


@endpoint(bp, "/me/claim-inbox", "GET", roles=LEAGUE_ORG, query=ClaimInboxQuery, response=ClaimPageOut)
def claim_inbox(call: Call, query: ClaimInboxQuery) -> ClaimPageOut:
    page = claims.inbox(call.caller, query.status, limit=query.limit, cursor=query.cursor)
    return ClaimPageOut(items=[claim_out(c, as_publisher=True) for c in page.items], next_cursor=page.next_cursor)
