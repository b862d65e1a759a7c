"""/auth and /sms: registration, sessions, passwords, verification codes."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api.routing import ALL_ROLES, ANYONE, NO_CONTENT, Call, endpoint
from chalicelib.api.session_views import tokens_out
from chalicelib.errors import SMS_CODE_ERRORS, AppError, ErrorCode, field_error
from chalicelib.reference import SERVER_SENT_SMS_PURPOSES, Role, SmsPurpose
from chalicelib.schemas.accounts import (
    ActivationCodeSentOut,
    ChangePasswordIn,
    LoginIn,
    RecoveryCodeRequestIn,
    RefreshIn,
    RegisterIndividualIn,
    ResetPasswordIn,
    SmsCodeRequestIn,
    SmsCodeSentOut,
    TokenPairOut,
)
from chalicelib.schemas.common import mask_mobile
from chalicelib.services import accounts, sessions, sms

bp = Blueprint(__name__)

# Codes that prove a contact number inside a logged-in form; the others serve anonymous forms.
_SIGNED_IN_PURPOSES = {SmsPurpose.HELP_CONTACT, SmsPurpose.LEADER_MOBILE}


@endpoint(bp, "/sms/codes", "POST", roles=ANYONE, body=SmsCodeRequestIn, status=202, response=SmsCodeSentOut,
          errors=(ErrorCode.SMS_CLIENT_LIMIT, ErrorCode.SMS_DAILY_LIMIT, ErrorCode.SMS_PLATFORM_LIMIT,
                  ErrorCode.SMS_SEND_TOO_FREQUENT, ErrorCode.SMS_UNAVAILABLE, ErrorCode.SMS_PHONE_REJECTED,
                  ErrorCode.STATE_CONFLICT))
def send_sms_code(call: Call, body: SmsCodeRequestIn) -> SmsCodeSentOut:
    if body.purpose in SERVER_SENT_SMS_PURPOSES:   # sent only to the number on file, by their own routes
        raise field_error(ErrorCode.VALIDATION_FAILED, "purpose", "该验证码由对应功能发送到账号登记的手机号")
    if body.purpose in _SIGNED_IN_PURPOSES and call.caller is None:
        raise AppError(ErrorCode.UNAUTHENTICATED)
    sent = sms.send_code(body.phone, body.purpose, client=call.source_ip)
    return SmsCodeSentOut(resend_after_seconds=sent.resend_after_seconds, expires_in_seconds=sent.expires_in_seconds)


@endpoint(bp, "/auth/register", "POST", roles=ANYONE, body=RegisterIndividualIn, status=201, response=TokenPairOut,
          errors=(*SMS_CODE_ERRORS, ErrorCode.PASSWORD_TOO_WEAK, ErrorCode.PHONE_ALREADY_REGISTERED))
def register(call: Call, body: RegisterIndividualIn) -> TokenPairOut:
    return tokens_out(accounts.register_individual(phone=body.phone, sms_code=body.sms_code,
                                                display_name=body.display_name, password=body.password))


@endpoint(bp, "/auth/login", "POST", roles=ANYONE, body=LoginIn, response=TokenPairOut,
          errors=(ErrorCode.ACCOUNT_DISABLED,
                  ErrorCode.INVALID_CREDENTIALS,
                  ErrorCode.LOGIN_THROTTLED,
                  ErrorCode.ORG_PENDING_APPROVAL,
                  ErrorCode.ORG_REJECTED))
def login(call: Call, body: LoginIn) -> TokenPairOut:
    return tokens_out(accounts.login(account_type=body.account_type, login=body.login, password=body.password,
                                  source_ip=call.source_ip))


@endpoint(bp, "/auth/refresh", "POST", roles=ANYONE, body=RefreshIn, response=TokenPairOut,
          errors=(ErrorCode.REFRESH_TOKEN_INVALID,))
def refresh(call: Call, body: RefreshIn) -> TokenPairOut:
    return tokens_out(sessions.refresh(body.refresh_token))


@endpoint(bp, "/auth/logout", "POST", roles=ANYONE, body=RefreshIn, response=NO_CONTENT,
          errors=(ErrorCode.REFRESH_TOKEN_INVALID,))
def logout(call: Call, body: RefreshIn) -> None:
    sessions.end(body.refresh_token)


@endpoint(bp, "/auth/activation/sms-code", "POST", roles=frozenset({Role.LEAGUE_ORG}), during_password_change=True,
          status=202, response=ActivationCodeSentOut,
          errors=(ErrorCode.ALREADY_ACTIVATED, ErrorCode.NO_PHONE_ON_FILE, ErrorCode.NOT_FOUND,
                  ErrorCode.SMS_CLIENT_LIMIT, ErrorCode.SMS_DAILY_LIMIT, ErrorCode.SMS_PLATFORM_LIMIT,
                  ErrorCode.SMS_SEND_TOO_FREQUENT, ErrorCode.SMS_UNAVAILABLE, ErrorCode.SMS_PHONE_REJECTED,
                  ErrorCode.STATE_CONFLICT))
def send_activation_code(call: Call) -> ActivationCodeSentOut:
    # 激活: a 团组织 on 000000 proves it is the organization with a code sent to its provisioned leader
    # mobile, then sets its password (PUT /auth/password with `sms_code`).
    phone, sent = accounts.send_activation_code(call.caller, client=call.source_ip)
    return ActivationCodeSentOut(masked_phone=mask_mobile(phone), resend_after_seconds=sent.resend_after_seconds,
                                 expires_in_seconds=sent.expires_in_seconds)


@endpoint(bp, "/auth/password", "PUT", roles=ALL_ROLES, body=ChangePasswordIn, during_password_change=True,
          response=TokenPairOut,
          errors=(*SMS_CODE_ERRORS,
                  ErrorCode.ACTIVATION_CODE_REQUIRED,
                  ErrorCode.CURRENT_PASSWORD_INCORRECT,
                  ErrorCode.LOGIN_THROTTLED,
                  ErrorCode.NO_PHONE_ON_FILE,
                  ErrorCode.NOT_FOUND,
                  ErrorCode.PASSWORD_TOO_WEAK,
                  ErrorCode.STATE_CONFLICT))
def change_password(call: Call, body: ChangePasswordIn) -> TokenPairOut:
    return tokens_out(accounts.change_password(call.caller, current_password=body.current_password,
                                            new_password=body.new_password, sms_code=body.sms_code))


@endpoint(bp, "/auth/password/reset/sms-code", "POST", roles=ANYONE, body=RecoveryCodeRequestIn, status=202,
          response=SmsCodeSentOut)
def send_recovery_code(call: Call, body: RecoveryCodeRequestIn) -> SmsCodeSentOut:
    # 找回密码 of an organization: a code to the phone on file. The same answer whether or not the
    # account exists (and whether or not a text could be sent).
    accounts.send_recovery_code(login=body.login, client=call.source_ip)
    return SmsCodeSentOut(resend_after_seconds=sms.RESEND_GAP_SECONDS,
                          expires_in_seconds=int(sms.CODE_TTL.total_seconds()))


@endpoint(bp, "/auth/password/reset", "POST", roles=ANYONE, body=ResetPasswordIn, response=NO_CONTENT,
          errors=(*SMS_CODE_ERRORS, ErrorCode.ACCOUNT_NOT_FOUND, ErrorCode.PASSWORD_TOO_WEAK, ErrorCode.STATE_CONFLICT))
def reset_password(call: Call, body: ResetPasswordIn) -> None:
    # An individual: `phone` (the code from POST /sms/codes, purpose reset_password). An organization:
    # `account_type` + `login` (the code from POST /auth/password/reset/sms-code or an operator's reset).
    accounts.reset_password(phone=body.phone, account_type=body.account_type, login=body.login,
                            sms_code=body.sms_code, new_password=body.new_password)
