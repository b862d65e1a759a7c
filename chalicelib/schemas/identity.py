"""Bodies and answers of the WeChat sign-in and JS-SDK routes."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from chalicelib.schemas.accounts import TokenPairOut
from chalicelib.schemas.common import (
    InputModel,
    MobilePhone,
    OutputModel,
    Password,
    SmsCodeText,
    example,
    text,
)


class WechatAuthorizeIn(InputModel):
    model_config = example({"redirect_uri": "https://h5.example.cn/wechat-login"})

    redirect_uri: text(1024) = Field(description="the H5 page WeChat sends the person back to, with ?code=&state=; "
                                                 "on one of the stage's H5 origins")


class WechatAuthorizeOut(OutputModel):
    authorize_url: str = Field(description="open it (location.href) inside WeChat")
    state: str = Field(description="also in authorize_url; keep it (sessionStorage) and send back only a callback "
                                   "whose state is this one")
    expires_in: int


class WechatLoginIn(InputModel):
    model_config = example({"code": "061Ab2000abcDE1FgH300aBcD1eF2Ab2",
                                                        "state": "f4865700" + "0" * 48})

    code: text(128)
    state: text(128)


class WechatSignedInOut(TokenPairOut):
    """The WeChat account is bound: the same session as a password login."""

    outcome: Literal["signed_in"] = "signed_in"


class WechatBindTicketOut(OutputModel):
    """The WeChat account is bound to no account yet: bind it with POST /auth/wechat/bind."""

    outcome: Literal["bind_required"] = "bind_required"
    bind_ticket: str
    expires_in: int


class WechatBindIn(InputModel):
    model_config = example({"bind_ticket": "5f0c…", "phone": "13912345678",
                                                        "sms_code": "123456"})

    bind_ticket: text(200)
    phone: MobilePhone = Field(description="the individual account's registered phone")
    sms_code: SmsCodeText = Field(description="from POST /sms/codes, purpose wechat_bind, to that phone")


class WechatBindingOut(OutputModel):
    bound: bool


class WechatUnbindIn(InputModel):
    """The account's password, or a `wechat_bind` code sent to its phone: one of them."""

    model_config = example({"password": "Yce-2099-secret"})

    password: Password | None = None
    sms_code: SmsCodeText | None = None

    @model_validator(mode="after")
    def _one_proof(self) -> WechatUnbindIn:
        if (self.password is None) == (self.sms_code is None):
            raise ValueError("请填写登录密码或短信验证码（二者之一）")
        return self


class JsSdkSignatureIn(InputModel):
    model_config = example({"url": "https://h5.example.cn/activities/1f2e/check-in"})

    url: text(1024) = Field(description="the page's location.href; its #fragment, if any, is left out of the signature")


class JsSdkSignatureOut(OutputModel):
    """The arguments of wx.config (with jsApiList the page's own)."""

    app_id: str
    timestamp: int
    nonce_str: str
    signature: str
