"""Bodies and answers of organization registration, provisioning, vetting and profiles."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StrictInt, StringConstraints, field_validator, model_validator

from chalicelib.reference import (
    DEMAND_TYPES,
    SERVICE_TARGETS,
    AccountStatus,
    AuditAction,
    Role,
    VolunteerOrgKind,
)
from chalicelib.schemas.common import (
    InputModel,
    LabelledStatus,
    Landline,
    MobilePhone,
    OutputModel,
    PageQuery,
    Password,
    SmsCodeText,
    UtcTime,
    example,
    one_of,
    text,
)
from chalicelib.schemas.regions import City, RegionIn, RegionOut
from chalicelib.schemas.uploads import ImageKey, ImageOut, image_keys, no_repeated_images
from chalicelib.services import credit_code

AccountName = Annotated[str, StringConstraints(min_length=2, max_length=64, pattern=r"^[^\s]+$")]


def _check_credit_code(value: str) -> str:
    problem = credit_code.problem(value.upper())
    if problem:
        raise ValueError(problem)
    return value.upper()


CreditCode = Annotated[str, StringConstraints(min_length=1, max_length=18), AfterValidator(_check_credit_code)]



class RegisterVolunteerOrgIn(InputModel):
    model_config = example({
        "account_name": "sz_math_team", "password": "Yce-2099-secret", "org_name": "深圳市数学支教志愿者协会",
        "org_kind": "registered", "credit_code": "51440300MJL0000129", "filing_number": "粤民备2020001",
        "contact_name": "周强", "contact_phone": "13912345678", "sms_code": "123456"})

    account_name: AccountName
    password: Password
    org_name: text(100)
    org_kind: VolunteerOrgKind
    credit_code: CreditCode | None = None
    filing_number: text(50) | None = None
    endorsing_org_name: text(100) | None = None
    endorsing_credit_code: CreditCode | None = None
    contact_name: text(20)
    contact_phone: MobilePhone
    sms_code: SmsCodeText

    @model_validator(mode="after")
    def _kind_fields(self) -> RegisterVolunteerOrgIn:
        if self.org_kind is VolunteerOrgKind.REGISTERED:
            required = ("credit_code", "filing_number")
        else:
            required = ("endorsing_org_name", "endorsing_credit_code")
        missing = [name for name in required if getattr(self, name) is None]
        if missing:
            raise ValueError(f"{self.org_kind.value} 组织必须填写: {', '.join(missing)}")
        return self


class OrgRegisteredOut(LabelledStatus):
    account_id: str
    status: AccountStatus


class VolunteerOrgProfileIn(InputModel):
    """完善信息."""

    model_config = example({
        "region": {"province": "广东省", "city": "深圳市", "district": "南山区"},
        "service_areas": ["关爱未成年人"], "service_targets": ["青少年"], "volunteer_count": 120,
        "advantages": "队员多为中学数学教师", "photo_keys": [], "leader_name": "周强",
        "leader_mobile": "13912345678", "leader_sms_code": "123456", "landline": "0755-86001234"})

    region: RegionIn
    service_areas: list[Annotated[str, one_of(DEMAND_TYPES, "服务领域")]] = Field(min_length=1, max_length=11)
    service_targets: list[Annotated[str, one_of(SERVICE_TARGETS, "服务对象")]] = Field(min_length=1, max_length=7)
    volunteer_count: StrictInt = Field(ge=1, le=1_000_000)
    advantages: text(200)
    photo_keys: list[ImageKey] = image_keys("组织/团体照片: keys from POST /uploads (purpose org_photo), or the "
                                            "keys of `photos` to keep; the list replaces the photos")
    leader_name: text(20)
    leader_mobile: MobilePhone
    leader_sms_code: SmsCodeText | None = None
    landline: Landline | None = None

    @model_validator(mode="after")
    def _distinct_choices(self) -> VolunteerOrgProfileIn:
        if len(set(self.service_areas)) != len(self.service_areas) or \
                len(set(self.service_targets)) != len(self.service_targets):
            raise ValueError("服务领域和服务对象不能重复选择")
        return self

    _distinct_photos = field_validator("photo_keys")(no_repeated_images)


class VolunteerOrgProfileOut(OutputModel):
    region: RegionOut
    service_areas: list[str]
    service_targets: list[str]
    volunteer_count: int
    advantages: str
    photos: list[ImageOut]
    leader_name: str
    leader_mobile: str
    landline: str | None = None


class VolunteerOrgOut(LabelledStatus):
    """What operators see when vetting a registration."""

    account_id: str
    account_name: str
    org_name: str
    status: AccountStatus
    status_reason: str | None = None
    org_kind: VolunteerOrgKind
    credit_code: str | None = None
    filing_number: str | None = None
    endorsing_org_name: str | None = None
    endorsing_credit_code: str | None = None
    contact_name: str
    contact_phone: str
    profile_completed: bool
    created_at: UtcTime


class VolunteerOrgPageOut(OutputModel):
    items: list[VolunteerOrgOut]
    next_cursor: str | None = None


class VolunteerOrgListQuery(PageQuery):
    status: AccountStatus = AccountStatus.PENDING_REVIEW


class RejectIn(InputModel):
    model_config = example({"reason": "统一社会信用代码与组织名称不符"})

    reason: text(200)


class LeagueOrgIn(InputModel):
    model_config = example({
        "org_name": "共青团深圳市罗湖区委员会", "account_name": "gd_sz_lh",
        "region": {"province": "广东省", "city": "深圳市", "district": "罗湖区"},
        "parent_org_name": "共青团深圳市委员会", "leader_mobile": "13912345678"})

    org_name: text(100)
    account_name: AccountName
    region: RegionIn
    parent_org_name: text(100) | None = None
    # 负责人手机号: the activation code (first login) and recovery codes go to it, and only to it.
    leader_mobile: MobilePhone


class LeagueOrgProfileIn(InputModel):
    """组织信息管理: every field optional (非必填项)."""

    model_config = example({
        "leader_name": "王芳", "landline": "0755-82221234", "services_content": "关爱辖区留守儿童",
        "introduction": "罗湖区团委联系辖区青年志愿者。", "photo_keys": []})

    leader_name: text(20) | None = None
    landline: Landline | None = None
    services_content: text(200) | None = None
    introduction: text(500) | None = None
    photo_keys: list[ImageKey] = image_keys("组织/团体照片: keys from POST /uploads (purpose org_photo), or the "
                                            "keys of `photos` to keep; the list replaces the photos")

    _distinct_photos = field_validator("photo_keys")(no_repeated_images)


class LeagueOrgProfileOut(OutputModel):
    org_name: str
    region: RegionOut
    parent_org_name: str | None = None
    leader_name: str | None = None
    leader_mobile: str | None = Field(default=None, description=(
        "负责人手机号（开通时登记，激活与找回密码的验证码发往此号）：本组织自己的号码，发布需求时可预填"))
    landline: str | None = None
    services_content: str | None = None
    introduction: str | None = None
    photos: list[ImageOut]


class LeagueOrgOut(OutputModel):
    account_id: str
    account_name: str
    org_name: str
    region: RegionOut
    parent_org_name: str | None = None
    leader_mobile: str | None = None
    must_change_password: bool
    activated: bool = Field(description="its first login proved the organization (SMS code to the leader mobile)")


class ImportResultOut(OutputModel):
    created: int
    unchanged: int


class DisableIn(InputModel):
    model_config = example({"reason": "多次发布虚假信息"})

    reason: text(200)


class PasswordResetIn(InputModel):
    model_config = example({"reason": "负责人更换，原手机号已停用"})

    reason: text(200)


class PasswordResetOut(OutputModel):
    """No secret: the owner sets the new password with the code sent to its own phone."""

    account_id: str
    code_sent_to: str = Field(description="the owner's phone on file, masked (138****8000)")
    sessions_revoked: Literal[True] = True


class AuditEntryOut(OutputModel):
    action: AuditAction
    actor_id: str
    target_id: str
    target_role: Role
    target_login: str
    reason: str | None = None
    at: UtcTime


class AuditEntryPageOut(OutputModel):
    items: list[AuditEntryOut]
    next_cursor: str | None


class AccountStatusOut(LabelledStatus):
    account_id: str
    status: AccountStatus




class AccountListQuery(PageQuery):
    """账号管理: the accounts of one role in one status, newest first."""

    role: Role = Field(description="账号类型")
    status: AccountStatus = Field(default=AccountStatus.ACTIVE, description="账号状态")


class AdminAccountOut(LabelledStatus):
    """An account as the operators' 账号管理 list shows it: enough to find it and act on it, phones masked
    (a reset sends its code to the phone on file; the operator never needs the number)."""

    account_id: str
    role: Role
    login: str = Field(description="登录名；个人用户的登录名是手机号，已打码")
    display_name: str
    status: AccountStatus
    status_reason: str | None
    phone: str | None = Field(description="账号的手机号，已打码")
    created_at: UtcTime


class AdminAccountPageOut(OutputModel):
    items: list[AdminAccountOut]
    next_cursor: str | None = None


class DirectoryQuery(PageQuery):
    city: City | None = None
    q: text(30) | None = None


class VolunteerOrgCardOut(OutputModel):
    """组织信息 tab: what the public sees of an approved volunteer organization (no contacts)."""

    account_id: str
    org_name: str
    region: RegionOut
    service_areas: list[str]
    service_targets: list[str]
    volunteer_count: int
    advantages: str
    photo_urls: list[str] = Field(description="presigned GETs of its photos, valid for 15 minutes")


class VolunteerOrgCardPageOut(OutputModel):
    items: list[VolunteerOrgCardOut]
    next_cursor: str | None = None
