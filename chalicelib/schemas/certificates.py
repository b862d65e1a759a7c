"""Bodies and answers of 志愿服务记录证明: requests, 我的证明, the organization's inbox, verification.

No answer carries a full 证件号码: `id_number_masked` only (the full number is printed in the PDF alone)."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from chalicelib.reference import CERTIFICATE_CONSENT_VERSION, CertificateStatus, IdType
from chalicelib.schemas.common import (
    Day,
    InputModel,
    LabelledStatus,
    OutputModel,
    PageQuery,
    UtcTime,
    example,
    text,
)


class CertificateRequestIn(InputModel):
    model_config = example({"org_id": "0" * 32, "first_day": "2099-01-01", "last_day": "2099-12-31",
                            "real_name": "王小红", "id_type": "resident_id", "id_number": "11010519491231002X",
                            "consent": True, "consent_version": CERTIFICATE_CONSENT_VERSION})

    org_id: text(64) = Field(description="the volunteer organization that recorded the service")
    first_day: Day = Field(description="first day of the period (China Standard Time)")
    last_day: Day = Field(description="last day of the period, at most 366 days after the first")
    real_name: text(30, 2) = Field(description="姓名, as on the identity document")
    id_type: IdType
    id_number: text(32) = Field(description="证件号码: 居民身份证 checked (18 characters, MOD 11-2); stored encrypted")
    consent: Literal[True] = Field(description="the volunteer agrees to the consent text of this version")
    consent_version: text(32) = Field(description=f"the consent text version, now {CERTIFICATE_CONSENT_VERSION}")


class IssueIn(InputModel):
    model_config = example({"person_in_charge": "李雷", "handler": "韩梅梅", "contact": "020-87195622"})

    person_in_charge: text(30) = Field(description="负责人")
    handler: text(30) = Field(description="经办人")
    contact: text(40) = Field(description="联系方式 printed on the certificate")
    seal_key: text(200) | None = Field(default=None, description=(
        "the organization's seal: a key from POST /uploads with purpose `seal`, printed on the PDF"))


class CertificateReasonIn(InputModel):
    model_config = example({"reason": "服务时长记录有误"})

    reason: text(200)


class CertificateInboxQuery(PageQuery):
    status: CertificateStatus = CertificateStatus.REQUESTED


class ServiceLineOut(OutputModel):
    activity_id: str
    title: str
    service_content: str
    service_start: UtcTime
    service_end: UtcTime
    hours: float


class IssuedOut(OutputModel):
    """The certificate as issued: frozen, whatever happens to the activities afterwards."""

    number: str
    issued_at: UtcTime
    total_hours: float
    lines: list[ServiceLineOut]
    person_in_charge: str
    handler: str
    contact: str
    revoked_at: UtcTime | None
    revoke_reason: str | None


class CertificateRequestOut(LabelledStatus):
    request_id: str
    status: CertificateStatus
    org_id: str
    org_name: str
    first_day: date
    last_day: date
    real_name: str
    id_type: IdType
    id_number_masked: str = Field(description="e.g. 4401**********123X; the full number is in the PDF only")
    consent_version: str
    created_at: UtcTime
    decided_at: UtcTime | None
    refuse_reason: str | None
    certificate: IssuedOut | None = Field(description="once issued")


class CertificateRequestPageOut(OutputModel):
    items: list[CertificateRequestOut]
    next_cursor: str | None


class VerificationOut(OutputModel):
    """What anyone holding the number may learn: no identity beyond the masked name."""

    number: str
    valid: bool = Field(description="false once revoked")
    org_name: str
    masked_name: str
    first_day: date
    last_day: date
    total_hours: float
    issued_at: UtcTime
    revoked_at: UtcTime | None
