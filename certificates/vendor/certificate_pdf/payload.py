"""What the certificate function takes: one JSON object, validated before anything is drawn.

The API builds it (chalicelib/services/certificates.py) and sends it either to the certificate function
(lambda:InvokeFunction) or, in the local stack and tests, to `render_payload` in its own process: both paths
validate it here. It holds the full 证件号码, so it is never logged by either side.
"""
from __future__ import annotations

import base64
import binascii

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .render import Content, Line, render

MAX_SEAL_BYTES = 2 * 1024 * 1024   # an upload's limit (chalicelib/services/uploads.py)


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1, max_length=200)
    days: str = Field(min_length=10, max_length=21)
    hours: float = Field(ge=0)


class RenderRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    number: str = Field(pattern=r"^ZS\d{4}-[0-9A-Z]{5}-[0-9A-Z]{5}$")
    real_name: str = Field(min_length=1, max_length=50)
    id_type_label: str = Field(min_length=1, max_length=30)
    id_number: str = Field(min_length=5, max_length=18)
    first_day: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    last_day: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    total_hours: float = Field(ge=0)
    org_name: str = Field(min_length=1, max_length=100)
    person_in_charge: str = Field(min_length=1, max_length=50)
    handler: str = Field(min_length=1, max_length=50)
    contact: str = Field(min_length=1, max_length=50)
    issued_on: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    verify_url: str = Field(pattern=r"^https?://[^\s]{1,300}$")
    lines: list[LineIn] = Field(max_length=500)
    seal_base64: str | None = Field(default=None, max_length=(MAX_SEAL_BYTES + 2) // 3 * 4)

    @field_validator("seal_base64")
    @classmethod
    def _seal_is_base64(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                base64.b64decode(value, validate=True)
            except binascii.Error as exc:
                raise ValueError("seal_base64 is not base64") from exc
        return value

    def content(self) -> Content:
        fields = self.model_dump(exclude={"lines", "seal_base64"})
        return Content(**fields, lines=[Line(line.title, line.days, line.hours) for line in self.lines],
                       seal_png=base64.b64decode(self.seal_base64) if self.seal_base64 else None)


def render_payload(payload: dict) -> bytes:
    """The PDF of a payload; pydantic.ValidationError for a malformed one."""
    return render(RenderRequest.model_validate(payload).content())
