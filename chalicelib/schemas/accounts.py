"""Bodies and answers of the account, session and SMS routes."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from chalicelib.reference import AccountStatus, Role, SmsPurpose
from chalicelib.schemas.common import InputModel, MobilePhone, OutputModel, Password, SmsCodeText, UtcTime, text


class SmsCodeRequestIn(InputModel):
    phone: MobilePhone
    purpose: SmsPurpose


class SmsCodeSentOut(OutputModel):
    resend_after_seconds: int
    expires_in_seconds: int


class RegisterIndividualIn(InputModel):
    phone: MobilePhone
    sms_code: SmsCodeText
    display_name: text(20)
    password: Password


class LoginIn(InputModel):
    # 一号通 (individual, by phone) or 组织/团体登录 (organizations and operators, by account name).
    account_type: Literal["individual", "organization"]
    login: text(64)
    password: Password


class RefreshIn(InputModel):
    refresh_token: text(200)


class ChangePasswordIn(InputModel):
    current_password: Password
    new_password: Password


class ResetPasswordIn(InputModel):
    phone: MobilePhone
    sms_code: SmsCodeText
    new_password: Password


class TokenPairOut(OutputModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    refresh_token: str
    account_id: str
    role: Role
    must_change_password: bool


class AccountOut(OutputModel):
    """The caller's own account: their own data is shown in full."""

    account_id: str
    role: Role
    status: AccountStatus
    login: str
    display_name: str
    phone: str | None = None
    must_change_password: bool
    profile_completed: bool | None = Field(default=None, description="volunteer organizations only")
    created_at: UtcTime


class LeagueOrgTodoOut(OutputModel):
    """团组织 待办项 (我的): 待认领, 初始需求 waiting for 采用 / 不采用, 待确认 and 待评分."""

    awaiting_claim: int   # 待认领: its published demands nobody has claimed (= GET /me/demands?status=open)
    pending_help_requests: int   # 初始需求 addressed to it, 待采用 (= GET /me/help-request-inbox?status=pending)
    pending_claims: int   # 待确认: applications to its demands waiting for its decision
    ratings_owed: int     # 待评分: confirmed claimants it has still to rate (= GET /me/ratings-owed)


class VolunteerOrgTodoOut(OutputModel):
    """志愿服务组织 待办项 (我的): 待确认 (its own pending applications) and 待评分."""

    pending_applications: int
    ratings_owed: int     # 待评分: publishers of its confirmed claims it has still to rate
