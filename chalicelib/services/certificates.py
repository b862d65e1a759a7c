"""志愿服务记录证明 (issue 18): a volunteer asks the organization that recorded their service; it issues
the certificate (谁记录谁证明) or refuses, and may revoke what it issued.

    requested ──issue (organization)──▶ issued ──revoke (organization, with a reason)──▶ revoked
    requested ──refuse (organization, with a reason)──▶ refused
    requested | refused ──delete (volunteer)──▶ gone, with the identity it held
    issued ──pdf (volunteer)──▶ the certificate's PDF, the one place the full 证件号码 is shown

What counts: the volunteer's closed attendance records in the period (China-Standard-Time days, by check-in
time) on activities of that organization that count hours with `certificate_consent`; their clipped
seconds, as the check-out computed them. The request checks there is something to certify; the issue
computes it again and freezes it into the request. Every transition is one transaction conditioned on the
state it leaves, with the notification of the other side (notifications.add_in).
"""
from __future__ import annotations

import base64
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from chalicelib import clock
from chalicelib.auth.principal import Principal
from chalicelib.config import get_settings
from chalicelib.data import idempotency_keys
from chalicelib.data.accounts import Account
from chalicelib.data.activities import Activity, AttendanceRecord
from chalicelib.data.base import Transaction
from chalicelib.data.batch_get import MAX_KEYS, ItemKey, get_items
from chalicelib.data.certificates import Certificate, CertificateRequest, ServiceLine
from chalicelib.data.idempotency_keys import IdempotencyRecord
from chalicelib.data.lookup import get_or_none
from chalicelib.errors import AppError, ErrorCode, field_error
from chalicelib.reference import (
    CERTIFICATE_CONSENT_VERSION,
    LABELS,
    MAX_CERTIFICATE_PERIOD_DAYS,
    AccountStatus,
    ActivityStatus,
    CertificateStatus,
    IdType,
    NotificationType,
    Role,
    UploadPurpose,
)
from chalicelib.services import certificate_renderer, id_documents, notifications, uploads
from chalicelib.services.activities import hours
from chalicelib.services.notifications import Draft
from chalicelib.services.pagination import Page, query_page

if TYPE_CHECKING:   # bodies come from the api layer; services do not load its schemas (docs/architecture.md)
    from chalicelib.schemas.certificates import CertificateRequestIn, IssueIn

# Crockford's base32 without I, L, O, U: read aloud or typed from paper without confusion.
NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NUMBER_RANDOM_CHARS = 10        # 50 random bits: numbers cannot be walked to harvest names
NUMBER_ATTEMPTS = 3             # a collision needs another draw; three in a row means something else is wrong


# ---------------------------------------------------------------- what can be certified

def _cst_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), clock.CST).astimezone(UTC)


def _service_lines(volunteer_id: str, org_id: str, first: date, last: date) -> tuple[list[ServiceLine], Account]:
    """The organization's certifiable service of the volunteer in [first, last], and the organization's
    account: one Query of the volunteer's attendance records, one BatchGetItem of their activities and it."""
    records = AttendanceRecord.query(
        volunteer_id, AttendanceRecord.record_key.between(_cst_midnight(first).isoformat(),
                                                          _cst_midnight(last + timedelta(days=1)).isoformat()),
        consistent_read=True)
    seconds: dict[str, int] = defaultdict(int)
    for record in records:
        if record.checked_out_at is not None and record.counts_hours and int(record.seconds or 0) > 0:
            seconds[record.activity_id] += int(record.seconds)
    ids = sorted(seconds)[:MAX_KEYS - 1]   # 99 activities of one organization in one year is far beyond use
    org, *activities = get_items([ItemKey(Account, org_id), *(ItemKey(Activity, a) for a in ids)], consistent=True)
    if org is None or org.role != Role.VOLUNTEER_ORG or org.status != AccountStatus.ACTIVE:
        raise field_error(ErrorCode.NOT_FOUND, "org_id", "志愿服务组织不存在")
    lines = [ServiceLine(activity_id=a.activity_id, title=a.title, service_content=a.service_content,
                         service_start=a.service_start, service_end=a.service_end, seconds=seconds[a.activity_id])
             for a in activities
             if a is not None and a.org_id == org_id and a.certificate_consent and a.counts_hours
             and a.status == ActivityStatus.PUBLISHED]
    return sorted(lines, key=lambda line: line.service_start), org


def _require_service(lines: list[ServiceLine]) -> None:
    if not lines:
        raise AppError(ErrorCode.NOTHING_TO_CERTIFY)


# ---------------------------------------------------------------- the volunteer

def request(caller: Principal, body: CertificateRequestIn, *,
            idempotency: IdempotencyRecord | None = None) -> CertificateRequest:
    """申请证明: the identity is checked and sealed, the organization hears of it in the same transaction."""
    moment = clock.now()
    if body.consent_version != CERTIFICATE_CONSENT_VERSION:
        raise field_error(ErrorCode.VALIDATION_FAILED, "consent_version", "同意的说明已更新，请阅读后重新同意")
    if body.last_day < body.first_day:
        raise field_error(ErrorCode.VALIDATION_FAILED, "last_day", "结束日期不能早于开始日期")
    if (body.last_day - body.first_day).days >= MAX_CERTIFICATE_PERIOD_DAYS:
        raise field_error(ErrorCode.VALIDATION_FAILED, "last_day", f"证明期间不能超过{MAX_CERTIFICATE_PERIOD_DAYS}天")
    id_type = IdType(body.id_type)
    number = id_documents.normalise(id_type, body.id_number, today=moment.astimezone(clock.CST).date())
    lines, org = _service_lines(caller.account_id, body.org_id, body.first_day, body.last_day)
    _require_service(lines)
    request_id = secrets.token_hex(16)
    status = CertificateStatus.REQUESTED.value
    item = CertificateRequest(
        request_id=request_id, volunteer_id=caller.account_id, org_id=org.account_id, org_name=org.display_name,
        status=status, org_status=f"{org.account_id}#{status}", first_day=body.first_day.isoformat(),
        last_day=body.last_day.isoformat(), real_name=body.real_name, id_type=id_type.value,
        id_number_masked=id_documents.mask(number), id_number_sealed=id_documents.encrypt(number, request_id),
        consent_version=body.consent_version, consented_at=moment, created_at=moment, updated_at=moment)
    tx = Transaction()
    tx.put(item, condition=CertificateRequest.request_id.does_not_exist())
    notifications.add_in(tx, Draft(
        account_id=org.account_id, type=NotificationType.CERTIFICATE_REQUESTED, at=moment,
        source=f"certificate_requests/{request_id}/requested", link_kind="certificate_request", link_id=request_id,
        body=f"{id_documents.mask_name(body.real_name)}申请出具{_period(item)}的志愿服务记录证明。"))
    idempotency_keys.join(tx, idempotency)
    tx.commit()
    return item


def mine(caller: Principal, *, limit: int, cursor: str | None) -> Page[CertificateRequest]:
    """我的证明: the volunteer's requests, newest first (one Query on by_volunteer)."""
    return query_page(CertificateRequest.by_volunteer.query, caller.account_id, model=CertificateRequest,
                      scope=f"my-certificates:{caller.account_id}", limit=limit, cursor=cursor)


def delete(caller: Principal, request_id: str) -> None:
    """The volunteer withdraws a request not issued: the item goes, and with it the identity it held."""
    item = _request(request_id)
    if item.volunteer_id != caller.account_id:
        raise AppError(ErrorCode.NOT_FOUND)
    deletable = (CertificateStatus.REQUESTED.value, CertificateStatus.REFUSED.value)
    if item.status not in deletable:
        raise AppError(ErrorCode.STATE_CONFLICT)
    Transaction().delete(item, condition=CertificateRequest.status.is_in(*deletable)).commit()


@dataclass(frozen=True)
class CertificatePdf:
    filename: str
    data: bytes


def pdf(caller: Principal, request_id: str) -> CertificatePdf:
    """下载证明: the volunteer's own issued certificate, with the full 证件号码, rendered on each download
    (nothing stored). The organization sees the masked number only, as the spec asks: the PDF is the volunteer's."""
    item = _request(request_id)
    if item.volunteer_id != caller.account_id:
        raise AppError(ErrorCode.NOT_FOUND)
    if item.status == CertificateStatus.REVOKED.value:
        raise AppError(ErrorCode.CERTIFICATE_REVOKED)
    if item.status != CertificateStatus.ISSUED.value:
        raise AppError(ErrorCode.STATE_CONFLICT)
    origin = get_settings().public_h5_origin
    if not origin:
        raise AppError(ErrorCode.SERVICE_MISCONFIGURED)
    seal = uploads.read_image(item.seal_key) if item.seal_key else None
    payload = {
        "number": item.number, "real_name": item.real_name,
        "id_type_label": LABELS["id_type"][IdType(item.id_type)],
        "id_number": id_documents.decrypt(item.id_number_sealed, item.request_id),
        "first_day": item.first_day, "last_day": item.last_day, "total_hours": hours(item.total_seconds),
        "org_name": item.org_name, "person_in_charge": item.person_in_charge, "handler": item.handler,
        "contact": item.contact, "issued_on": _cst_day(item.issued_at).isoformat(),
        "verify_url": f"{origin}/certificates/{item.number}",
        "lines": [{"title": line.title, "days": _days(line), "hours": hours(line.seconds)}
                  for line in item.lines or []],
        "seal_base64": base64.b64encode(seal).decode() if seal else None}
    return CertificatePdf(filename=f"{item.number}.pdf", data=certificate_renderer.render(payload))


def _cst_day(moment: datetime) -> date:
    return moment.astimezone(clock.CST).date()


def _days(line: ServiceLine) -> str:
    first, last = _cst_day(line.service_start), _cst_day(line.service_end)
    return first.isoformat() if first == last else f"{first.isoformat()}至{last.isoformat()}"


# ---------------------------------------------------------------- the organization

def inbox(caller: Principal, status: CertificateStatus, *, limit: int, cursor: str | None
          ) -> Page[CertificateRequest]:
    """The organization's requests in one state, oldest first (one Query on org_status)."""
    key = f"{caller.account_id}#{status.value}"
    return query_page(CertificateRequest.by_org_status.query, key, model=CertificateRequest,
                      scope=f"certificate-inbox:{key}", limit=limit, cursor=cursor, newest_first=False)


def issue(caller: Principal, request_id: str, body: IssueIn) -> CertificateRequest:
    """出具: the service is computed again and frozen, a new number is allocated by a conditional put."""
    item = _org_request(caller, request_id, CertificateStatus.REQUESTED)
    seal = uploads.claim(caller, [body.seal_key], purpose=UploadPurpose.SEAL, field="seal_key") if body.seal_key else []
    lines, org = _service_lines(item.volunteer_id, caller.account_id, date.fromisoformat(item.first_day),
                                date.fromisoformat(item.last_day))
    _require_service(lines)
    moment = clock.now()
    total = sum(int(line.seconds) for line in lines)
    issued = CertificateStatus.ISSUED.value
    for _ in range(NUMBER_ATTEMPTS):
        number = new_number(moment)
        taken = AppError(ErrorCode.STATE_CONFLICT)
        tx = Transaction()
        tx.put(Certificate(number=number, request_id=request_id, org_name=org.display_name,
                           masked_name=id_documents.mask_name(item.real_name), first_day=item.first_day,
                           last_day=item.last_day, total_seconds=total, status=issued, issued_at=moment),
               condition=Certificate.number.does_not_exist(), on_conflict=taken)
        _transition(tx, item, CertificateStatus.REQUESTED, CertificateStatus.ISSUED, moment, [
            CertificateRequest.number.set(number), CertificateRequest.lines.set(lines),
            CertificateRequest.total_seconds.set(total), CertificateRequest.org_name.set(org.display_name),
            CertificateRequest.person_in_charge.set(body.person_in_charge),
            CertificateRequest.handler.set(body.handler), CertificateRequest.contact.set(body.contact),
            *([CertificateRequest.seal_key.set(seal[0])] if seal else []),
            CertificateRequest.issued_at.set(moment), CertificateRequest.decided_at.set(moment)])
        _notify_volunteer(tx, item, NotificationType.CERTIFICATE_ISSUED, moment,
                          f"{org.display_name}已出具{_period(item)}的志愿服务记录证明，编号 {number}。")
        try:
            tx.commit()
        except AppError as exc:
            if exc is taken:
                continue
            raise
        return item   # the commit applied the actions to it (data/base.py)
    raise AppError(ErrorCode.STATE_CONFLICT)


def refuse(caller: Principal, request_id: str, reason: str) -> CertificateRequest:
    item = _org_request(caller, request_id, CertificateStatus.REQUESTED)
    moment = clock.now()
    tx = Transaction()
    _transition(tx, item, CertificateStatus.REQUESTED, CertificateStatus.REFUSED, moment,
                [CertificateRequest.refuse_reason.set(reason), CertificateRequest.decided_at.set(moment)])
    _notify_volunteer(tx, item, NotificationType.CERTIFICATE_REFUSED, moment,
                      f"{item.org_name}未出具{_period(item)}的志愿服务记录证明。原因：{reason}")
    tx.commit()
    return item


def revoke(caller: Principal, request_id: str, reason: str) -> CertificateRequest:
    """撤销: the certificate stays verifiable, as revoked (with the date); its number is never given again."""
    item = _org_request(caller, request_id, CertificateStatus.ISSUED)
    moment = clock.now()
    revoked = CertificateStatus.REVOKED.value
    tx = Transaction()
    _transition(tx, item, CertificateStatus.ISSUED, CertificateStatus.REVOKED, moment,
                [CertificateRequest.revoke_reason.set(reason), CertificateRequest.revoked_at.set(moment)])
    tx.update(Certificate(item.number), [Certificate.status.set(revoked), Certificate.revoked_at.set(moment)],
              condition=Certificate.status == CertificateStatus.ISSUED.value,
              on_conflict=AppError(ErrorCode.STATE_CONFLICT))
    _notify_volunteer(tx, item, NotificationType.CERTIFICATE_REVOKED, moment,
                      f"{item.org_name}撤销了编号 {item.number} 的志愿服务记录证明。原因：{reason}")
    tx.commit()
    return item


# ---------------------------------------------------------------- anyone

def verify(number: str) -> Certificate:
    """验证: one GetItem on the number; an unknown or malformed number is not found."""
    certificate = get_or_none(Certificate, number.upper()) if _is_number(number.upper()) else None
    if certificate is None:
        raise AppError(ErrorCode.NOT_FOUND)
    return certificate


def new_number(moment: datetime) -> str:
    """ZS2099-XXXXX-XXXXX: the issue year (CST), then random characters."""
    drawn = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_RANDOM_CHARS))
    return f"ZS{moment.astimezone(clock.CST).year}-{drawn[:5]}-{drawn[5:]}"


def _is_number(text: str) -> bool:
    head, _, rest = text.partition("-")
    parts = rest.split("-")
    return (len(head) == 6 and head.startswith("ZS") and head[2:].isdigit() and len(parts) == 2
            and all(len(p) == 5 and set(p) <= set(NUMBER_ALPHABET) for p in parts))


# ---------------------------------------------------------------- helpers

def _request(request_id: str) -> CertificateRequest:
    item = get_or_none(CertificateRequest, request_id, consistent_read=True)
    if item is None:
        raise AppError(ErrorCode.NOT_FOUND)
    return item


def _org_request(caller: Principal, request_id: str, status: CertificateStatus) -> CertificateRequest:
    item = _request(request_id)
    if item.org_id != caller.account_id:
        raise AppError(ErrorCode.NOT_FOUND)
    if item.status != status.value:
        raise AppError(ErrorCode.STATE_CONFLICT)
    return item


def _transition(tx: Transaction, item: CertificateRequest, source: CertificateStatus, target: CertificateStatus,
                moment: datetime, actions: list) -> None:
    tx.update(item, [CertificateRequest.status.set(target.value),
                     CertificateRequest.org_status.set(f"{item.org_id}#{target.value}"),
                     CertificateRequest.updated_at.set(moment), *actions],
              condition=CertificateRequest.status == source.value, on_conflict=AppError(ErrorCode.STATE_CONFLICT))


def _notify_volunteer(tx: Transaction, item: CertificateRequest, kind: NotificationType, moment: datetime,
                      body: str) -> None:
    notifications.add_in(tx, Draft(account_id=item.volunteer_id, type=kind, at=moment, body=body,
                                   source=f"certificate_requests/{item.request_id}/{kind.value}",
                                   link_kind="certificate_request", link_id=item.request_id))


def _period(item: CertificateRequest) -> str:
    return f"{item.first_day}至{item.last_day}"

