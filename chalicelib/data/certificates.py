"""志愿服务记录证明: a volunteer's requests to an organization, and the certificates issued from them.

`certificate_requests` holds one item per request, with the volunteer's identity (证件号码 encrypted) and,
once issued, the certificate's frozen content. Lists are one Query each: 我的证明 on `by_volunteer`, an
organization's requests in one state (待出具 first of all) on `org_status`, keyed "<org_id>#<status>" and
rewritten by each transition. `certificates` is keyed by the certificate number: its conditional
put allocates the number (unique, never deleted, so never reused) and holds what the public verification
answers, in one GetItem.
"""
from __future__ import annotations

from pynamodb.attributes import (
    BinaryAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.data.base import TableMeta, table_name


class ByVolunteerIndex(GlobalSecondaryIndex):
    """我的证明: a volunteer's requests, newest first."""

    class Meta:
        index_name = "by_volunteer"
        projection = AllProjection()

    volunteer_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class OrgStatusIndex(GlobalSecondaryIndex):
    """An organization's requests in one state: the 待出具 queue, and what it issued (to revoke)."""

    class Meta:
        index_name = "org_status"
        projection = AllProjection()

    org_status = UnicodeAttribute(hash_key=True)       # "<org_id>#<status>"
    created_at = UTCDateTimeAttribute(range_key=True)


class ServiceLine(MapAttribute):
    """One activity on a certificate, as recorded when it was issued."""

    activity_id = UnicodeAttribute()
    title = UnicodeAttribute()
    service_content = UnicodeAttribute()
    service_start = UTCDateTimeAttribute()
    service_end = UTCDateTimeAttribute()
    seconds = NumberAttribute()


class CertificateRequest(Model):
    class Meta(TableMeta):
        table_name = table_name("certificate_requests")

    request_id = UnicodeAttribute(hash_key=True)
    volunteer_id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    org_name = UnicodeAttribute()
    status = UnicodeAttribute()                          # CertificateStatus
    first_day = UnicodeAttribute()                     # YYYY-MM-DD, China Standard Time, inclusive
    last_day = UnicodeAttribute()
    real_name = UnicodeAttribute()
    id_type = UnicodeAttribute()                         # IdType
    id_number_masked = UnicodeAttribute()                # 4401**********123X: what every answer shows
    id_number_sealed = BinaryAttribute(legacy_encoding=False)   # nonce + AES-GCM(number), AD = request_id
    consent_version = UnicodeAttribute()
    consented_at = UTCDateTimeAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    org_status = UnicodeAttribute()                      # "<org_id>#<status>", with every transition
    decided_at = UTCDateTimeAttribute(null=True)
    refuse_reason = UnicodeAttribute(null=True)
    # Frozen at issue (the PDF is rendered from these and the identity above):
    number = UnicodeAttribute(null=True)
    lines = ListAttribute(of=ServiceLine, null=True)
    total_seconds = NumberAttribute(null=True)
    person_in_charge = UnicodeAttribute(null=True)       # 负责人
    handler = UnicodeAttribute(null=True)                # 经办人
    contact = UnicodeAttribute(null=True)                # 联系方式
    seal_key = UnicodeAttribute(null=True)               # images/… key of the seal the PDF prints
    issued_at = UTCDateTimeAttribute(null=True)
    revoked_at = UTCDateTimeAttribute(null=True)
    revoke_reason = UnicodeAttribute(null=True)

    by_volunteer = ByVolunteerIndex()
    by_org_status = OrgStatusIndex()


class Certificate(Model):
    """The public record of one certificate number (what GET /certificates/{number} answers)."""

    class Meta(TableMeta):
        table_name = table_name("certificates")

    number = UnicodeAttribute(hash_key=True)
    request_id = UnicodeAttribute()
    org_name = UnicodeAttribute()
    masked_name = UnicodeAttribute()
    first_day = UnicodeAttribute()
    last_day = UnicodeAttribute()
    total_seconds = NumberAttribute()
    status = UnicodeAttribute()                          # issued | revoked
    issued_at = UTCDateTimeAttribute()
    revoked_at = UTCDateTimeAttribute(null=True)
