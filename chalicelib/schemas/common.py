"""Shared building blocks for input and output models."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated

from annotated_types import GroupedMetadata
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    computed_field,
)
from pydantic_core import core_schema

from chalicelib.reference import STATUS_LABELS_BY_ENUM

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


# defer_build: a model's validator is built on its first use, not at import. A cold start builds the
# few models its request touches instead of all ~120 (bench/coldstart.py; docs/performance.md).
class InputModel(BaseModel):
    """Request bodies: unknown fields (server-owned status, owner, role…) are refused, not ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=False,
                              hide_input_in_errors=True, defer_build=True)


def example(body: dict) -> ConfigDict:
    """An input model's example request body: the contract's `example` (tests/test_contract.py checks that
    each one validates against its own model)."""
    return ConfigDict(json_schema_extra={"examples": [body]})


class OutputModel(BaseModel):
    """Response bodies: the contract forbids unknown properties (a leaked field is a violation), and every
    field is always present (null when empty), so the schema marks even defaulted fields required.
    Validators are built on first use (`defer_build`): ~120 models built at import cost the cold start."""

    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True, defer_build=True)


class LabelledStatus(OutputModel):
    """An answer carrying a `status` also carries its Chinese `status_label` (reference.LABELS), derived
    from the status here so no view can forget it or disagree with /reference."""

    @computed_field(description="status 的中文名称，与 GET /reference 的 labels 一致")
    @property
    def status_label(self) -> str:
        status = self.status   # type: ignore[attr-defined]
        return STATUS_LABELS_BY_ENUM[type(status)][status]


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


class one_of(GroupedMetadata):  # noqa: N801  (used like a function: Annotated[str, one_of(CITIES, "所在市")])
    """A value from one of the fixed lists in chalicelib.reference; the contract shows the list as an enum."""

    def __init__(self, choices: tuple[str, ...], label: str) -> None:
        self.choices = tuple(choices)
        self.label = label

    def __iter__(self) -> Iterator[object]:
        choices, label = self.choices, self.label

        def check(value: str) -> str:
            if value not in choices:
                raise ValueError(f"{label}不在可选范围内")
            return value

        yield AfterValidator(check)
        yield _EnumInSchema(choices)


@dataclass(frozen=True)
class _EnumInSchema:
    choices: tuple[str, ...]

    def __get_pydantic_json_schema__(self, schema, handler):
        json_schema = handler(schema)
        json_schema["enum"] = list(self.choices)
        return json_schema


@dataclass(frozen=True)
class at_most:  # noqa: N801  (used like a function: Annotated[date, at_most(10)])
    """A bound on the text of a value that is not a plain string (a date, a time), checked before
    parsing and shown as maxLength, so every string of the contract has a maximum length."""

    max_length: int

    def __get_pydantic_core_schema__(self, source, handler):
        def check(value: object) -> object:
            if isinstance(value, str) and len(value) > self.max_length:
                raise ValueError(f"不能超过 {self.max_length} 个字符")
            if isinstance(value, int | float):  # bool too: lax parsing would read 0 as 1970-01-01
                raise ValueError("必须是文本格式的日期或时间")
            return value
        return core_schema.no_info_before_validator_function(check, handler(source))

    def __get_pydantic_json_schema__(self, schema, handler):
        json_schema = handler(schema)
        json_schema["maxLength"] = self.max_length
        return json_schema


Day = Annotated[date, at_most(10)]                     # 2099-06-05
Moment = Annotated[AwareDatetime, at_most(40)]         # 2099-06-06T00:00:00.123456+08:00 is 32


def _in_utc(value: datetime) -> datetime:
    """Answers give every moment in UTC (`Z`), whatever offset it was written or computed with
    (docs/api.md, "Conventions"); stored times are UTC already, so naive ones are read as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcTime = Annotated[datetime, AfterValidator(_in_utc)]   # a moment in an answer: 2099-06-05T16:00:00Z


class PageQuery(InputModel):
    """Every paginated list: at most 50 items a page, an opaque signed cursor."""

    limit: int = Field(default=20, ge=1, le=50)
    cursor: text(1000) | None = None

