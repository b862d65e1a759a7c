"""Bodies and answers of the account, session and SMS routes."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from chalicelib.reference import AccountStatus, Role, SmsPurpose
from chalicelib.schemas.common import (
    InputModel,
    LabelledStatus,
    MobilePhone,
    OutputModel,
    Password,
    SmsCodeText,
    UtcTime,
    example,
    text,
)


class SmsCodeRequestIn(InputModel):
    model_config = example({"phone": "13912345678", "purpose": "register"})

    phone: MobilePhone
    purpose: SmsPurpose


class SmsCodeSentOut(OutputModel):
    resend_after_seconds: int
    expires_in_seconds: int


class RegisterIndividualIn(InputModel):
    model_config = example({"phone": "13912345678", "sms_code": "123456", "display_name": "陈静",
                            "password": "Yce-2099-secret"})

    phone: MobilePhone
    sms_code: SmsCodeText
    display_name: text(20)
    password: Password


class LoginIn(InputModel):
    model_config = example({"account_type": "organization", "login": "gd_sz_lh", "password": "Yce-2099-secret"})

    # 一号通 (individual, by phone) or 组织/团体登录 (organizations and operators, by account name).
    account_type: Literal["individual", "organization"]
    login: text(64)
    password: Password


class RefreshIn(InputModel):
    model_config = example({"refresh_token": "rt1.6f1c2a9e4b7d.Hk3vT0c9Qp2xLw8s"})

    refresh_token: text(200)


class ChangePasswordIn(InputModel):
    model_config = example({"current_password": "Init#2024", "new_password": "Yce-2099-secret", "sms_code": "123456"})

    current_password: Password
    new_password: Password
    sms_code: SmsCodeText | None = Field(
        default=None, description="a 团组织's first change (activation): the code POST /auth/activation/sms-code "
                                  "sent to its leader mobile; required then, ignored otherwise")


class ResetPasswordIn(InputModel):
    """An individual sends `phone`; an organization sends `account_type` "organization" and its `login`
    (the code went to its phone on file)."""

    model_config = example({"phone": "13912345678", "sms_code": "123456", "new_password": "Yce-2099-secret"})

    phone: MobilePhone | None = None
    account_type: Literal["organization"] | None = None
    login: text(64) | None = None
    sms_code: SmsCodeText
    new_password: Password

    @model_validator(mode="after")
    def _one_account(self) -> ResetPasswordIn:
        organization = self.account_type is not None or self.login is not None
        if self.phone is not None and organization:
            raise ValueError("个人用户填写 phone，组织填写 account_type 与 login，二者不能同时填写")
        if self.phone is None and (self.account_type is None or self.login is None):
            raise ValueError("个人用户请填写 phone；组织请填写 account_type 与 login")
        return self


class RecoveryCodeRequestIn(InputModel):
    """找回密码 of an organization: the code goes to the phone on file of the account named."""

    model_config = example({"account_type": "organization", "login": "gd_sz_lh"})

    account_type: Literal["organization"]
    login: text(64)


class ActivationCodeSentOut(OutputModel):
    masked_phone: str = Field(description="the provisioned leader mobile the code went to, e.g. 138****8000")
    resend_after_seconds: int
    expires_in_seconds: int


class TokenPairOut(OutputModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    refresh_token: str
    account_id: str
    role: Role
    must_change_password: bool


class AccountOut(LabelledStatus):
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

    role: Literal[Role.LEAGUE_ORG] = Role.LEAGUE_ORG   # the contract's discriminator between the two answers

    awaiting_claim: int   # 待认领: its published demands nobody has claimed (= GET /me/demands?status=open)
    pending_help_requests: int   # 初始需求 addressed to it, 待采用 (= GET /me/help-request-inbox?status=pending)
    pending_claims: int   # 待确认: applications to its demands waiting for its decision
    ratings_owed: int     # 待评分: confirmed claimants it has still to rate (= GET /me/ratings-owed)


class VolunteerOrgTodoOut(OutputModel):
    """志愿服务组织 待办项 (我的): 待确认 (its own pending applications) and 待评分."""

    role: Literal[Role.VOLUNTEER_ORG] = Role.VOLUNTEER_ORG

    pending_applications: int
    ratings_owed: int     # 待评分: publishers of its confirmed claims it has still to rate
