"""/auth/wechat and /wechat: sign-in from the 公众号 "i志愿" (网页授权) and the JS-SDK signature."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api.routing import ANYONE, NO_CONTENT, Call, endpoint
from chalicelib.api.session_views import tokens_out
from chalicelib.errors import SMS_CODE_ERRORS, ErrorCode
from chalicelib.reference import Role
from chalicelib.schemas.accounts import TokenPairOut
from chalicelib.schemas.identity import (
    JsSdkSignatureIn,
    JsSdkSignatureOut,
    WechatAuthorizeIn,
    WechatAuthorizeOut,
    WechatBindIn,
    WechatBindingOut,
    WechatBindTicketOut,
    WechatLoginIn,
    WechatSignedInOut,
    WechatUnbindIn,
)
from chalicelib.services import identity, wechat

bp = Blueprint(__name__)
# Only an individual's account binds a WeChat (docs/decisions.md, "WeChat sign-in"); check-in is theirs too.
INDIVIDUAL = frozenset({Role.INDIVIDUAL})
_WECHAT_DOWN = (ErrorCode.WECHAT_NOT_CONFIGURED, ErrorCode.WECHAT_UNAVAILABLE, ErrorCode.WECHAT_RATE_LIMITED)


@endpoint(bp, "/auth/wechat/authorize-url", "POST", roles=ANYONE, body=WechatAuthorizeIn,
          response=WechatAuthorizeOut, errors=(ErrorCode.WECHAT_NOT_CONFIGURED, ErrorCode.SERVICE_MISCONFIGURED))
def wechat_authorize_url(call: Call, body: WechatAuthorizeIn) -> WechatAuthorizeOut:
    link = identity.authorize(wechat.PROVIDER, body.redirect_uri)
    return WechatAuthorizeOut(authorize_url=link.url, state=link.state, expires_in=link.expires_in)


@endpoint(bp, "/auth/wechat/login", "POST", roles=ANYONE, body=WechatLoginIn,
          response=WechatSignedInOut | WechatBindTicketOut,
          errors=(*_WECHAT_DOWN, ErrorCode.WECHAT_STATE_INVALID, ErrorCode.WECHAT_CODE_INVALID,
                  ErrorCode.ACCOUNT_DISABLED, ErrorCode.LOGIN_THROTTLED, ErrorCode.STATE_CONFLICT))
def wechat_login(call: Call, body: WechatLoginIn) -> WechatSignedInOut | WechatBindTicketOut:
    outcome = identity.sign_in(wechat.PROVIDER, code=body.code, state=body.state, source_ip=call.source_ip)
    if isinstance(outcome, identity.BindTicketIssued):
        return WechatBindTicketOut(bind_ticket=outcome.ticket, expires_in=outcome.expires_in)
    return WechatSignedInOut(**tokens_out(outcome).model_dump())


@endpoint(bp, "/auth/wechat/bind", "POST", roles=ANYONE, body=WechatBindIn, response=TokenPairOut,
          errors=(*SMS_CODE_ERRORS, ErrorCode.WECHAT_BIND_TICKET_INVALID, ErrorCode.ACCOUNT_NOT_FOUND,
                  ErrorCode.ACCOUNT_DISABLED, ErrorCode.WECHAT_ALREADY_BOUND, ErrorCode.ACCOUNT_ALREADY_BOUND,
                  ErrorCode.STATE_CONFLICT))
def wechat_bind(call: Call, body: WechatBindIn) -> TokenPairOut:
    return tokens_out(identity.bind({wechat.PROVIDER.name: wechat.PROVIDER}, ticket=body.bind_ticket,
                                    phone=body.phone, sms_code=body.sms_code))


@endpoint(bp, "/auth/wechat/binding", "GET", roles=INDIVIDUAL, response=WechatBindingOut,
          errors=(ErrorCode.NOT_FOUND,))
def wechat_binding(call: Call) -> WechatBindingOut:
    return WechatBindingOut(bound=identity.is_bound(wechat.PROVIDER, call.caller))


@endpoint(bp, "/auth/wechat/unbind", "POST", roles=INDIVIDUAL, body=WechatUnbindIn, response=NO_CONTENT,
          errors=(*SMS_CODE_ERRORS, ErrorCode.CURRENT_PASSWORD_INCORRECT, ErrorCode.LOGIN_THROTTLED,
                  ErrorCode.NO_PHONE_ON_FILE, ErrorCode.NOT_FOUND, ErrorCode.WECHAT_NOT_BOUND,
                  ErrorCode.STATE_CONFLICT))
def wechat_unbind(call: Call, body: WechatUnbindIn) -> None:
    identity.unbind(wechat.PROVIDER, call.caller, password=body.password, sms_code=body.sms_code)


@endpoint(bp, "/wechat/js-sdk-signature", "POST", roles=INDIVIDUAL, body=JsSdkSignatureIn,
          response=JsSdkSignatureOut, errors=(*_WECHAT_DOWN, ErrorCode.SERVICE_MISCONFIGURED))
def js_sdk_signature(call: Call, body: JsSdkSignatureIn) -> JsSdkSignatureOut:
    signed = wechat.js_sdk_signature(body.url)
    return JsSdkSignatureOut(app_id=signed.app_id, timestamp=signed.timestamp, nonce_str=signed.nonce_str,
                             signature=signed.signature)
