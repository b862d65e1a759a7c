"""/certificate-requests, /me/certificate-requests, /me/certificate-inbox, /certificates/{number}:
志愿服务记录证明 (issue 18)."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api.routing import ANYONE, NO_CONTENT, PDF, Attachment, Call, endpoint
from chalicelib.data.certificates import Certificate, CertificateRequest
from chalicelib.errors import UPLOAD_ERRORS, ErrorCode
from chalicelib.reference import CertificateStatus, Role
from chalicelib.schemas.certificates import (
    CertificateInboxQuery,
    CertificateReasonIn,
    CertificateRequestIn,
    CertificateRequestOut,
    CertificateRequestPageOut,
    IssuedOut,
    IssueIn,
    ServiceLineOut,
    VerificationOut,
)
from chalicelib.schemas.common import PageQuery
from chalicelib.services import certificates
from chalicelib.services.activities import hours

bp = Blueprint(__name__)
INDIVIDUAL = frozenset({Role.INDIVIDUAL})
VOLUNTEER_ORG = frozenset({Role.VOLUNTEER_ORG})


def request_out(item: CertificateRequest) -> CertificateRequestOut:
    issued = None
    if item.number:
        issued = IssuedOut(
            number=item.number, issued_at=item.issued_at, total_hours=hours(item.total_seconds),
            lines=[ServiceLineOut(activity_id=line.activity_id, title=line.title, service_content=line.service_content,
                                  service_start=line.service_start, service_end=line.service_end,
                                  hours=hours(line.seconds)) for line in item.lines or []],
            person_in_charge=item.person_in_charge, handler=item.handler, contact=item.contact,
            revoked_at=item.revoked_at, revoke_reason=item.revoke_reason)
    return CertificateRequestOut(
        request_id=item.request_id, status=item.status, org_id=item.org_id, org_name=item.org_name,
        first_day=item.first_day, last_day=item.last_day, real_name=item.real_name, id_type=item.id_type,
        id_number_masked=item.id_number_masked, consent_version=item.consent_version, created_at=item.created_at,
        decided_at=item.decided_at, refuse_reason=item.refuse_reason, certificate=issued)


@endpoint(bp, "/certificate-requests", "POST", roles=INDIVIDUAL, body=CertificateRequestIn, status=201,
          response=CertificateRequestOut,
          errors=(ErrorCode.NOT_FOUND, ErrorCode.ID_NUMBER_INVALID, ErrorCode.NOTHING_TO_CERTIFY,
                  ErrorCode.SERVICE_MISCONFIGURED),
          idempotent=True)
def request_certificate(call: Call, body: CertificateRequestIn) -> CertificateRequestOut:
    """申请志愿服务记录证明 from the organization that recorded the service."""
    return request_out(certificates.request(call.caller, body, idempotency=call.idempotency))


@endpoint(bp, "/me/certificate-requests", "GET", roles=INDIVIDUAL, query=PageQuery,
          response=CertificateRequestPageOut)
def my_certificates(call: Call, query: PageQuery) -> CertificateRequestPageOut:
    """我的证明, newest first."""
    page = certificates.mine(call.caller, limit=query.limit, cursor=query.cursor)
    return CertificateRequestPageOut(items=[request_out(i) for i in page.items], next_cursor=page.next_cursor)


@endpoint(bp, "/certificate-requests/{certificate_request_id}", "DELETE", roles=INDIVIDUAL, response=NO_CONTENT,
          errors=(ErrorCode.STATE_CONFLICT,))
def delete_certificate_request(call: Call, certificate_request_id: str) -> None:
    """Withdraw a request not issued (待出具 or 不予出具): its identity data goes with it."""
    certificates.delete(call.caller, certificate_request_id)


@endpoint(bp, "/certificate-requests/{certificate_request_id}/pdf", "GET", roles=INDIVIDUAL, response=PDF,
          errors=(ErrorCode.STATE_CONFLICT, ErrorCode.CERTIFICATE_REVOKED, ErrorCode.SERVICE_MISCONFIGURED,
                  ErrorCode.STORAGE_UNAVAILABLE, ErrorCode.CERTIFICATE_RENDERER_UNAVAILABLE))
def download_certificate(call: Call, certificate_request_id: str) -> Attachment:
    """下载证明 (PDF, with the full 证件号码): the volunteer's own issued, unrevoked certificate."""
    certificate = certificates.pdf(call.caller, certificate_request_id)
    return Attachment(filename=certificate.filename, data=certificate.data)


@endpoint(bp, "/me/certificate-inbox", "GET", roles=VOLUNTEER_ORG, query=CertificateInboxQuery,
          response=CertificateRequestPageOut)
def certificate_inbox(call: Call, query: CertificateInboxQuery) -> CertificateRequestPageOut:
    """The organization's requests in one state (待出具 by default), oldest first."""
    page = certificates.inbox(call.caller, CertificateStatus(query.status), limit=query.limit, cursor=query.cursor)
    return CertificateRequestPageOut(items=[request_out(i) for i in page.items], next_cursor=page.next_cursor)


@endpoint(bp, "/certificate-requests/{certificate_request_id}/issue", "POST", roles=VOLUNTEER_ORG,
          body=IssueIn, response=CertificateRequestOut,
          errors=(ErrorCode.STATE_CONFLICT, ErrorCode.NOTHING_TO_CERTIFY, *UPLOAD_ERRORS))
def issue_certificate(call: Call, certificate_request_id: str, body: IssueIn) -> CertificateRequestOut:
    """出具: the service hours are computed and frozen; a new certificate number is allocated."""
    return request_out(certificates.issue(call.caller, certificate_request_id, body))


@endpoint(bp, "/certificate-requests/{certificate_request_id}/refuse", "POST", roles=VOLUNTEER_ORG,
          body=CertificateReasonIn, response=CertificateRequestOut, errors=(ErrorCode.STATE_CONFLICT,))
def refuse_certificate(call: Call, certificate_request_id: str, body: CertificateReasonIn) -> CertificateRequestOut:
    """不予出具, with a reason the volunteer is told."""
    return request_out(certificates.refuse(call.caller, certificate_request_id, body.reason))


@endpoint(bp, "/certificate-requests/{certificate_request_id}/revoke", "POST", roles=VOLUNTEER_ORG,
          body=CertificateReasonIn, response=CertificateRequestOut, errors=(ErrorCode.STATE_CONFLICT,))
def revoke_certificate(call: Call, certificate_request_id: str, body: CertificateReasonIn) -> CertificateRequestOut:
    """撤销 an issued certificate, with a reason; verification then answers it revoked."""
    return request_out(certificates.revoke(call.caller, certificate_request_id, body.reason))


def verification_out(certificate: Certificate) -> VerificationOut:
    return VerificationOut(number=certificate.number, valid=certificate.status == CertificateStatus.ISSUED,
                           org_name=certificate.org_name, masked_name=certificate.masked_name,
                           first_day=certificate.first_day, last_day=certificate.last_day,
                           total_hours=hours(certificate.total_seconds), issued_at=certificate.issued_at,
                           revoked_at=certificate.revoked_at)


@endpoint(bp, "/certificates/{number}", "GET", roles=ANYONE, response=VerificationOut)
def verify_certificate(call: Call, number: str) -> VerificationOut:
    """验证 a certificate by its number (the QR code on it): issuer, masked name, period, hours, valid or not."""
    return verification_out(certificates.verify(number))
