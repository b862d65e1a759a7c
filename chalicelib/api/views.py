"""Stored items → response models. The only place that decides which stored fields leave the API."""
from __future__ import annotations

from datetime import datetime

from chalicelib.data.accounts import Account, Region, VolunteerOrgProfile
from chalicelib.data.activities import Activity, AttendanceRecord, Signup
from chalicelib.data.claims import Claim
from chalicelib.data.demands import Demand, DemandEvent
from chalicelib.data.notifications import Notification
from chalicelib.data.reactions import Reaction
from chalicelib.reference import ActivityStatus, ClaimStatus, Role, SignupStatus
from chalicelib.schemas.accounts import AccountOut
from chalicelib.schemas.activities import (
    ActivityOut,
    AttendanceOut,
    CoordinatesOut,
    RosterEntryOut,
    SignupOut,
)
from chalicelib.schemas.claims import (
    CLAIM_STATUS_LABELS,
    ApplicantOut,
    ClaimantDemandOut,
    ClaimFeedItemOut,
    ClaimOut,
    PublicClaimOut,
)
from chalicelib.schemas.common import mask_mobile
from chalicelib.schemas.demands import (
    DemandCardOut,
    DemandDetailOut,
    DemandEventOut,
    FavoriteCardOut,
    OwnerDemandOut,
    OwnerOrgBlockOut,
    ProgressStepOut,
    PublicOrgBlockOut,
)
from chalicelib.schemas.notifications import NotificationOut
from chalicelib.schemas.orgs import (
    LeagueOrgOut,
    LeagueOrgProfileOut,
    RegionOut,
    VolunteerOrgCardOut,
    VolunteerOrgOut,
    VolunteerOrgProfileOut,
)
from chalicelib.services import activities
from chalicelib.services.claims import claim_id


def region_out(region: Region) -> RegionOut:
    return RegionOut(province=region.province, city=region.city, district=region.district)


def account_out(account: Account) -> AccountOut:
    is_volunteer_org = account.role == Role.VOLUNTEER_ORG.value
    return AccountOut(
        account_id=account.account_id, role=account.role, status=account.status, login=account.login,
        display_name=account.display_name, phone=account.phone,
        must_change_password=bool(account.must_change_password),
        profile_completed=(account.profile is not None) if is_volunteer_org else None,
        created_at=account.created_at,
    )


def profile_out(profile: VolunteerOrgProfile) -> VolunteerOrgProfileOut:
    return VolunteerOrgProfileOut(
        region=region_out(profile.region), service_areas=list(profile.service_areas),
        service_targets=list(profile.service_targets), volunteer_count=int(profile.volunteer_count),
        advantages=profile.advantages, photo_urls=list(profile.photo_urls or []),
        leader_name=profile.leader_name, leader_mobile=profile.leader_mobile, landline=profile.landline,
    )


def volunteer_org_out(account: Account) -> VolunteerOrgOut:
    return VolunteerOrgOut(
        account_id=account.account_id, account_name=account.login, org_name=account.display_name,
        status=account.status, status_reason=account.status_reason, org_kind=account.org_kind,
        credit_code=account.credit_code, filing_number=account.filing_number,
        endorsing_org_name=account.endorsing_org_name, endorsing_credit_code=account.endorsing_credit_code,
        contact_name=account.contact_name or "", contact_phone=account.phone or "",
        profile_completed=account.profile is not None, created_at=account.created_at,
    )


def volunteer_org_card(account: Account) -> VolunteerOrgCardOut:
    profile = account.profile
    return VolunteerOrgCardOut(
        account_id=account.account_id, org_name=account.display_name, region=region_out(profile.region),
        service_areas=list(profile.service_areas), service_targets=list(profile.service_targets),
        volunteer_count=int(profile.volunteer_count), advantages=profile.advantages,
        photo_urls=list(profile.photo_urls or []),
    )


def league_org_profile_out(account: Account) -> LeagueOrgProfileOut:
    profile = account.league_profile
    return LeagueOrgProfileOut(
        org_name=account.display_name, region=region_out(account.region), parent_org_name=account.parent_org_name,
        leader_name=profile.leader_name if profile else None, landline=profile.landline if profile else None,
        services_content=profile.services_content if profile else None,
        introduction=profile.introduction if profile else None,
        photo_urls=list(profile.photo_urls or []) if profile else [],
    )


def league_org_out(account: Account) -> LeagueOrgOut:
    return LeagueOrgOut(
        account_id=account.account_id, account_name=account.login, org_name=account.display_name,
        region=region_out(account.region), parent_org_name=account.parent_org_name,
        must_change_password=bool(account.must_change_password),
    )


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


def _detail_fields(demand: Demand, *, liked: bool, favorited: bool) -> dict:
    return dict(
        _card_fields(demand), volunteers_needed=_int_or_none(demand.volunteers_needed), content=demand.content,
        period_start=demand.period_start, period_end=demand.period_end, guarantees=list(demand.guarantees or []),
        progress=demand_progress(demand), liked=liked, favorited=favorited,
    )


def _int_or_none(value) -> int | None:
    return None if value is None else int(value)


def public_demand(demand: Demand, *, liked: bool, favorited: bool) -> DemandDetailOut:
    block = demand.org_block
    org = None if block is None else PublicOrgBlockOut(
        region=region_out(block.region), org_name=block.org_name, leader_name=block.leader_name,
        services_content=block.services_content)
    return DemandDetailOut(**_detail_fields(demand, liked=liked, favorited=favorited), org=org)


def _contacts_block(demand: Demand) -> OwnerOrgBlockOut | None:
    block = demand.org_block
    return None if block is None else OwnerOrgBlockOut(
        region=region_out(block.region), org_name=block.org_name, leader_name=block.leader_name,
        services_content=block.services_content, leader_mobile=block.leader_mobile, landline=block.landline)


def claimant_demand(demand: Demand, *, liked: bool, favorited: bool) -> ClaimantDemandOut:
    """The confirmed claimant: the public detail plus the leader mobile and landline, nothing else."""
    return ClaimantDemandOut(**_detail_fields(demand, liked=liked, favorited=favorited), org=_contacts_block(demand))


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

def claim_out(claim: Claim) -> ClaimOut:
    snapshot = claim.applicant
    status = ClaimStatus(claim.status)
    return ClaimOut(
        claim_id=claim_id(claim), demand_id=claim.demand_id, demand_title=claim.demand_title,
        publisher_name=claim.publisher_name, status=status, status_label=CLAIM_STATUS_LABELS[status],
        message=claim.message, reason=claim.reason,
        applicant=ApplicantOut(account_id=claim.applicant_id, org_name=snapshot.org_name,
                               region=region_out(snapshot.region), service_areas=list(snapshot.service_areas),
                               volunteer_count=int(snapshot.volunteer_count), advantages=snapshot.advantages),
        applied_at=claim.applied_at, confirmed_at=claim.confirmed_at, ended_at=claim.ended_at,
    )


def public_claim_out(claim: Claim) -> PublicClaimOut:
    return PublicClaimOut(account_id=claim.applicant_id, org_name=claim.applicant.org_name,
                          confirmed_at=claim.confirmed_at)


# --- activities: the public page carries the organization's recruiting contact and counts, never a
# volunteer's data; the organization's roster shows a volunteer's display name and masked phone.

def activity_out(activity: Activity, moment: datetime) -> ActivityOut:
    return ActivityOut(
        activity_id=activity.activity_id, demand_id=activity.demand_id, org_id=activity.org_id,
        org_name=activity.org_name, status=ActivityStatus(activity.status), phase=activities.phase(activity, moment),
        title=activity.title, activity_type=activity.activity_type, category=activity.category,
        volunteers_to_recruit=int(activity.volunteers_to_recruit), signed_up_count=int(activity.signed_up_count or 0),
        seats_left=activities.seats_left(activity), contact_name=activity.contact_name,
        contact_mobile=activity.contact_mobile, recruit_start=activity.recruit_start, recruit_end=activity.recruit_end,
        service_start=activity.service_start, service_end=activity.service_end, address=activity.address,
        coordinates=CoordinatesOut(longitude=float(activity.longitude), latitude=float(activity.latitude)),
        sign_in_method=activity.sign_in_method, attendance_radius_km=float(activity.attendance_radius_km),
        who_may_sign_up=activity.who_may_sign_up, tags=list(activity.tags or []),
        service_targets=list(activity.service_targets or []), guarantees=list(activity.guarantees or []),
        introduction=activity.introduction, service_content=activity.service_content,
        certificate_consent=bool(activity.certificate_consent), counts_hours=bool(activity.counts_hours),
        published_at=activity.created_at, cancelled_at=activity.cancelled_at, cancel_reason=activity.cancel_reason,
    )


def signup_out(signup: Signup, activity: Activity | None = None, moment: datetime | None = None) -> SignupOut:
    return SignupOut(
        activity_id=signup.activity_id, status=SignupStatus(signup.status), signed_up_at=signup.signed_up_at,
        cancelled_at=signup.cancelled_at, checked_in=signup.open_check_in is not None,
        service_hours=activities.hours(signup.service_seconds),
        activity=activity_out(activity, moment) if activity is not None and moment is not None else None,
    )


def roster_entry_out(signup: Signup) -> RosterEntryOut:
    return RosterEntryOut(
        volunteer_id=signup.volunteer_id, display_name=signup.display_name,
        masked_phone=mask_mobile(signup.phone) or "", status=SignupStatus(signup.status),
        signed_up_at=signup.signed_up_at, checked_in=signup.open_check_in is not None,
        service_hours=activities.hours(signup.service_seconds),
    )


def attendance_out(record: AttendanceRecord) -> AttendanceOut:
    return AttendanceOut(
        activity_id=record.activity_id, activity_title=record.activity_title, org_name=record.org_name,
        checked_in_at=record.checked_in_at, check_in_by=record.check_in_by, checked_out_at=record.checked_out_at,
        check_out_by=record.check_out_by, service_hours=activities.hours(record.seconds),
        counts_hours=bool(record.counts_hours),
    )


def claim_feed_item(claim: Claim) -> ClaimFeedItemOut:
    return ClaimFeedItemOut(demand_id=claim.demand_id, demand_title=claim.demand_title,
                            publisher_name=claim.publisher_name, claimant_id=claim.applicant_id,
                            claimant_name=claim.applicant.org_name, city=claim.demand_city,
                            confirmed_at=claim.confirmed_at)


def notification_out(item: Notification) -> NotificationOut:
    return NotificationOut(notification_id=item.notification_id, type=item.type, title=item.title, body=item.body,
                           link_kind=item.link_kind, link_id=item.link_id, created_at=item.created_at,
                           read=item.read_at is not None, read_at=item.read_at)
