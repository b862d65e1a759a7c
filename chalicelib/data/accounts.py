"""Accounts of every role, and the unique keys (login names, phones, credit codes) that point at them."""
from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.data.base import TableMeta, table_name


class Region(MapAttribute):
    province = UnicodeAttribute()
    city = UnicodeAttribute()
    district = UnicodeAttribute(null=True)


class VolunteerOrgProfile(MapAttribute):
    """完善信息: what a volunteer organization must fill in before claiming."""

    region = Region()
    service_areas = ListAttribute(of=UnicodeAttribute)      # demand types it serves
    service_targets = ListAttribute(of=UnicodeAttribute)
    volunteer_count = NumberAttribute()
    advantages = UnicodeAttribute()
    photo_keys = ListAttribute(of=UnicodeAttribute, default=list)   # images/… keys in the image bucket
    leader_name = UnicodeAttribute()
    leader_mobile = UnicodeAttribute()
    landline = UnicodeAttribute(null=True)


class LeagueOrgProfile(MapAttribute):
    """组织信息管理: optional details a 团组织 keeps (guide §3.4.4), e.g. to prefill publishing."""

    leader_name = UnicodeAttribute(null=True)
    landline = UnicodeAttribute(null=True)
    services_content = UnicodeAttribute(null=True)
    introduction = UnicodeAttribute(null=True)
    photo_keys = ListAttribute(of=UnicodeAttribute, default=list)   # images/… keys in the image bucket


class ByRoleStatusIndex(GlobalSecondaryIndex):
    """Operators' lists: accounts of one role in one status, newest first."""

    class Meta:
        index_name = "by_role_status"
        projection = AllProjection()

    role_status = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class DirectoryIndex(GlobalSecondaryIndex):
    """组织信息 tab: approved volunteer organizations with a completed profile, newest first (sparse)."""

    class Meta:
        index_name = "directory"
        projection = AllProjection()

    directory = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class DirectoryCityIndex(GlobalSecondaryIndex):
    """组织信息 tab with the region selector (sparse)."""

    class Meta:
        index_name = "directory_city"
        projection = AllProjection()

    directory_city = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class Account(Model):
    class Meta(TableMeta):
        table_name = table_name("accounts")

    account_id = UnicodeAttribute(hash_key=True)
    role = UnicodeAttribute()
    status = UnicodeAttribute()
    status_reason = UnicodeAttribute(null=True)
    role_status = UnicodeAttribute()
    login = UnicodeAttribute()                       # phone (individual) or account name (others)
    display_name = UnicodeAttribute()
    phone = UnicodeAttribute(null=True)              # individual's own / organization contact mobile
    password_hash = UnicodeAttribute()
    must_change_password = BooleanAttribute(default=False)
    # Bumped to revoke every refresh token (password change, reset, disable).
    session_generation = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()

    # 团组织 (from 智慧团建)
    region = Region(null=True)
    parent_org_name = UnicodeAttribute(null=True)
    league_profile = LeagueOrgProfile(null=True)
    # 负责人手机号 as provisioned: the number that proves the organization at activation and recovery.
    leader_mobile = UnicodeAttribute(null=True)
    # When the first login proved the organization (activation). A 团组织 is "not activated" while
    # must_change_password is set (only provisioning sets it): neither searchable nor addressable.
    activated_at = UTCDateTimeAttribute(null=True)

    # 志愿服务组织
    org_kind = UnicodeAttribute(null=True)
    credit_code = UnicodeAttribute(null=True)
    filing_number = UnicodeAttribute(null=True)
    endorsing_org_name = UnicodeAttribute(null=True)
    endorsing_credit_code = UnicodeAttribute(null=True)
    contact_name = UnicodeAttribute(null=True)
    profile = VolunteerOrgProfile(null=True)

    # Sparse keys: present only while the organization is listed publicly.
    directory = UnicodeAttribute(null=True)
    directory_city = UnicodeAttribute(null=True)
    search_name = UnicodeAttribute(null=True)        # casefolded name for keyword filters

    # The WeChat openid (公众号 "i志愿") bound to this individual, if any: personal data, never answered. Its
    # unique key (`identity_key`) finds the account by openid; this copy lets an unbind delete that key.
    wechat_openid = UnicodeAttribute(null=True)

    version = VersionAttribute()

    by_role_status = ByRoleStatusIndex()
    by_directory = DirectoryIndex()
    by_directory_city = DirectoryCityIndex()


class UniqueKey(Model):
    """One item per value that must be unique across accounts.

    Written in the same transaction as the account with attribute_not_exists,
    so two registrations racing for one phone never both succeed.
    """

    class Meta(TableMeta):
        table_name = table_name("unique_keys")

    key = UnicodeAttribute(hash_key=True)            # e.g. "phone:13800138000"
    account_id = UnicodeAttribute()


def phone_key(phone: str) -> str:
    return f"phone:{phone}"


def login_key(account_name: str) -> str:
    # Organization account names are case-insensitive, like the 智慧团建 ones.
    return f"login:{account_name.casefold()}"


def credit_code_key(code: str) -> str:
    return f"uscc:{code}"


def identity_key(provider: str, subject: str) -> str:
    """An external identity bound to an account: a WeChat openid ("wechat"), later a 一号通 id."""
    return f"idp:{provider}:{subject}"
