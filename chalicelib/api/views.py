"""Stored items → response models. The only place, with its siblings `account_views`, `activity_views` and
`notification_views`, that decides which stored fields leave the API.

Split by resource so that a route module imports only its own resource's response models: routes load
on their first call (routing.LazyView), and a cold start then builds no more than it serves."""
from __future__ import annotations

from chalicelib.data.accounts import Region
from chalicelib.data.claims import Claim, claim_id
from chalicelib.data.demands import Demand, DemandEvent
from chalicelib.data.reactions import Reaction
from chalicelib.reference import ClaimStatus
from chalicelib.schemas.claims import (
    ApplicantOut,
    ClaimantDemandOut,
    ClaimFeedItemOut,
    ClaimOut,
    PublicClaimOut,
)
from chalicelib.schemas.demands import (
    DemandCardOut,
    DemandDetailOut,
    DemandEventOut,
    FavoriteCardOut,
    OwnClaimOut,
    OwnerDemandOut,
    OwnerOrgBlockOut,
    ProgressStepOut,
    PublicOrgBlockOut,
)
from chalicelib.schemas.regions import RegionOut


def region_out(region: Region) -> RegionOut:
    return RegionOut(province=region.province, city=region.city, district=region.district)


# --- demands ---------------------------------------------------------------------------------

def demand_progress(demand: Demand) -> list[ProgressStepOut]:
    """1 发布需求 → 2 认领需求 → 3 发布活动."""
    done = (demand.published_at is not None, demand.status in ("claimed", "in_service"),
            demand.status == "in_service")
    labels = ("发布需求", "认领需求", "发布活动")
    return [ProgressStepOut(step=i + 1, label=labels[i], done=done[i]) for i in range(3)]


def demand_card(demand: Demand) -> DemandCardOut:
    return DemandCardOut(**_card_fields(demand))


def _card_fields(demand: Demand) -> dict:
    other = demand.demand_type_other
    return dict(
        demand_id=demand.demand_id, title=demand.title, demand_type=demand.demand_type,
        type_label=other if demand.demand_type == "其他" and other else demand.demand_type,
        org_name=demand.org_name, city=demand.org_block.region.city if demand.org_block else None,
        status=demand.status, published_at=demand.published_at, like_count=int(demand.like_count or 0),
    )


def _detail_fields(demand: Demand, *, liked: bool, favorited: bool, my_claim: Claim | None = None) -> dict:
    return dict(
        _card_fields(demand), volunteers_needed=_int_or_none(demand.volunteers_needed), content=demand.content,
        period_start=demand.period_start, period_end=demand.period_end, guarantees=list(demand.guarantees or []),
        progress=demand_progress(demand), liked=liked, favorited=favorited,
        my_claim=None if my_claim is None else OwnClaimOut(
            claim_id=claim_id(my_claim.demand_id, my_claim.applicant_id), status=ClaimStatus(my_claim.status)),
    )


def _int_or_none(value) -> int | None:
    return None if value is None else int(value)


def public_demand(demand: Demand, *, liked: bool, favorited: bool, my_claim: Claim | None = None) -> DemandDetailOut:
    block = demand.org_block
    org = None if block is None else PublicOrgBlockOut(
        region=region_out(block.region), org_name=block.org_name, leader_name=block.leader_name,
        services_content=block.services_content)
    return DemandDetailOut(**_detail_fields(demand, liked=liked, favorited=favorited, my_claim=my_claim), org=org)


def _contacts_block(demand: Demand) -> OwnerOrgBlockOut | None:
    block = demand.org_block
    return None if block is None else OwnerOrgBlockOut(
        region=region_out(block.region), org_name=block.org_name, leader_name=block.leader_name,
        services_content=block.services_content, leader_mobile=block.leader_mobile, landline=block.landline)


def claimant_demand(demand: Demand, *, liked: bool, favorited: bool, my_claim: Claim | None) -> ClaimantDemandOut:
    """The confirmed claimant: the public detail plus the leader mobile and landline, nothing else."""
    return ClaimantDemandOut(**_detail_fields(demand, liked=liked, favorited=favorited, my_claim=my_claim),
                             org=_contacts_block(demand))


def owner_demand(demand: Demand, *, liked: bool = False, favorited: bool = False) -> OwnerDemandOut:
    org = _contacts_block(demand)
    return OwnerDemandOut(
        **_detail_fields(demand, liked=liked, favorited=favorited), org=org,
        demand_type_other=demand.demand_type_other, linked_request_ids=list(demand.linked_request_ids or []),
        application_count=int(demand.application_count or 0), hidden=bool(demand.hidden),
        hidden_reason=demand.hidden_reason, created_at=demand.created_at, updated_at=demand.updated_at,
    )


def demand_event(event: DemandEvent) -> DemandEventOut:
    return DemandEventOut(at=event.at, actor_role=event.actor_role, action=event.action,
                          from_status=event.from_status, to_status=event.to_status, reason=event.reason,
                          changed_fields=list(event.changed_fields or []))


def favorite_card(reaction: Reaction) -> FavoriteCardOut:
    return FavoriteCardOut(demand_id=reaction.demand_id, title=reaction.title, org_name=reaction.org_name or "",
                           city=reaction.city, favorited_at=reaction.favorited_at)


# --- claims: the applicant snapshot is the organization's public profile; the public
# 认领信息 tab shows only who holds the demand and since when.

def claim_out(claim: Claim, *, as_publisher: bool = False) -> ClaimOut:
    """`as_publisher`: the caller is the demand's 团组织 (its rating is the one `rated_by_me` names)."""
    snapshot = claim.applicant
    status = ClaimStatus(claim.status)
    return ClaimOut(
        claim_id=claim_id(claim.demand_id, claim.applicant_id), demand_id=claim.demand_id,
        demand_title=claim.demand_title,
        publisher_name=claim.publisher_name, status=status,
        message=claim.message, reason=claim.reason,
        applicant=ApplicantOut(account_id=claim.applicant_id, org_name=snapshot.org_name,
                               region=region_out(snapshot.region), service_areas=list(snapshot.service_areas),
                               volunteer_count=int(snapshot.volunteer_count), advantages=snapshot.advantages),
        applied_at=claim.applied_at, confirmed_at=claim.confirmed_at, ended_at=claim.ended_at,
        rated_by_me=(claim.publisher_rated_at if as_publisher else claim.claimant_rated_at) is not None,
        activity_published=claim.activity_published_at is not None,
    )


def public_claim_out(claim: Claim) -> PublicClaimOut:
    return PublicClaimOut(account_id=claim.applicant_id, org_name=claim.applicant.org_name,
                          confirmed_at=claim.confirmed_at)


def claim_feed_item(claim: Claim) -> ClaimFeedItemOut:
    return ClaimFeedItemOut(demand_id=claim.demand_id, demand_title=claim.demand_title,
                            publisher_name=claim.publisher_name, claimant_id=claim.applicant_id,
                            claimant_name=claim.applicant.org_name, city=claim.demand_city,
                            confirmed_at=claim.confirmed_at)
