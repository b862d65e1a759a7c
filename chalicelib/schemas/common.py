"""Shared building blocks for input and output models."""
from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


# defer_build: a model's validator is built on its first use, not at import. A cold start builds the
# few models its request touches instead of all ~120 (bench/coldstart.py; docs/performance.md).
class InputModel(BaseModel):
    """Request bodies: unknown fields (server-owned status, owner, role…) are refused, not ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=False,
                              hide_input_in_errors=True, defer_build=True)


class OutputModel(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


def _normalise_mobile(value: object) -> object:
    if isinstance(value, str):
        value = re.sub(r"[\s-]", "", value)
        if value.startswith("+86"):
            value = value[3:]
    return value


def _check_mobile(value: str) -> str:
    if not _MOBILE.match(value):
        raise ValueError("请输入有效的中国大陆手机号码")
    return value


def _check_landline(value: str) -> str:
    if not _LANDLINE.match(value):
        raise ValueError("请输入有效的固定电话号码，如 020-87195622")
    return value


MobilePhone = Annotated[str, BeforeValidator(_normalise_mobile), StringConstraints(max_length=20),
                        AfterValidator(_check_mobile)]
Landline = Annotated[str, StringConstraints(max_length=20), AfterValidator(_check_landline)]
SmsCodeText = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
Password = Annotated[str, StringConstraints(min_length=1, max_length=128, strip_whitespace=False)]


def text(max_length: int, min_length: int = 1):
    """A required, trimmed string of at most `max_length` characters (as the forms count them)."""
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length)]


def mask_mobile(phone: str | None) -> str | None:
    """185****0174: what anyone but the number's owner sees."""
    if not phone:
        return phone
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def one_of(choices: tuple[str, ...], label: str) -> AfterValidator:
    """A value from one of the fixed lists in chalicelib.reference."""
    def check(value: str) -> str:
        if value not in choices:
            raise ValueError(f"{label}不在可选范围内")
        return value
    return AfterValidator(check)


class PageQuery(InputModel):
    """Every paginated list: at most 50 items a page, an opaque signed cursor."""

    limit: int = Field(default=20, ge=1, le=50)
    cursor: text(1000) | None = None

