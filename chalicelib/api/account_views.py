"""Stored accounts → response models: accounts and organization profiles (see views.py)."""
from __future__ import annotations

from chalicelib.api.views import region_out
from chalicelib.data.accounts import Account, VolunteerOrgProfile
from chalicelib.reference import Role
from chalicelib.schemas.accounts import AccountOut
from chalicelib.schemas.orgs import (
    LeagueOrgOut,
    LeagueOrgProfileOut,
    VolunteerOrgCardOut,
    VolunteerOrgOut,
    VolunteerOrgProfileOut,
)
from chalicelib.schemas.uploads import ImageOut
from chalicelib.services.uploads import image_urls


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
        advantages=profile.advantages, photos=own_images(profile.photo_keys),
        leader_name=profile.leader_name, leader_mobile=profile.leader_mobile, landline=profile.landline,
    )


def own_images(keys: list[str] | None) -> list[ImageOut]:
    """The owner's images: the keys it sends back to keep them, with their short-lived URLs."""
    return [ImageOut(key=key, url=url) for key, url in zip(keys or [], image_urls(keys), strict=True)]


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
        photo_urls=image_urls(profile.photo_keys),
    )


def league_org_profile_out(account: Account) -> LeagueOrgProfileOut:
    profile = account.league_profile
    return LeagueOrgProfileOut(
        org_name=account.display_name, region=region_out(account.region), parent_org_name=account.parent_org_name,
        leader_name=profile.leader_name if profile else None, leader_mobile=account.leader_mobile,
        landline=profile.landline if profile else None,
        services_content=profile.services_content if profile else None,
        introduction=profile.introduction if profile else None,
        photos=own_images(profile.photo_keys if profile else None),
    )


def league_org_out(account: Account) -> LeagueOrgOut:
    return LeagueOrgOut(
        account_id=account.account_id, account_name=account.login, org_name=account.display_name,
        region=region_out(account.region), parent_org_name=account.parent_org_name,
        leader_mobile=account.leader_mobile, must_change_password=bool(account.must_change_password),
        activated=not account.must_change_password,
    )
