"""Claims (认领): one item per (demand, applicant organization), the per-organization pending quota,
and the audit of who read a demand's leader contacts.

Every list the product shows is one Query: a demand's claims (base table), its confirmed claim
(sparse `by_confirmed_demand`), an applicant's claims in all states or one (`by_applicant`,
`by_applicant_status`), a publisher's claims in one state across its demands
(`by_publisher_status`, also the 待确认 counter). No personal data is stored here: the applicant
snapshot is the organization's public profile (as in the 组织信息 directory).
"""
from __future__ import annotations

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.data.accounts import Region
from chalicelib.data.base import TableMeta, table_name
from chalicelib.data.lookup import is_minted_id
from chalicelib.errors import AppError, ErrorCode


def claim_id(demand_id: str, applicant_id: str) -> str:
    """A claim's public id (paths, notification links, ratings): its two keys."""
    return f"{demand_id}.{applicant_id}"


def claim_keys(claim_id_text: str) -> tuple[str, str]:
    """The (demand, applicant) keys a claim id names; an id of another shape is "not found"."""
    demand_id, _, applicant_id = claim_id_text.partition(".")
    if not is_minted_id(demand_id) or not is_minted_id(applicant_id):
        raise AppError(ErrorCode.NOT_FOUND)
    return demand_id, applicant_id


class ApplicantSnapshot(MapAttribute):
    """The applicant's public profile when it applied (what the 待确认 list shows)."""

    org_name = UnicodeAttribute()
    region = Region()
    service_areas = ListAttribute(of=UnicodeAttribute, default=list)
    volunteer_count = NumberAttribute()
    advantages = UnicodeAttribute()


class ByApplicantIndex(GlobalSecondaryIndex):
    """我的申请, all states, newest application first."""

    class Meta:
        index_name = "by_applicant"
        projection = AllProjection()

    applicant_id = UnicodeAttribute(hash_key=True)
    applied_at = UTCDateTimeAttribute(range_key=True)


class ByApplicantStatusIndex(GlobalSecondaryIndex):
    """我的申请 filtered by state; the volunteer org's 待确认 counter (Select COUNT)."""

    class Meta:
        index_name = "by_applicant_status"
        projection = AllProjection()

    applicant_status = UnicodeAttribute(hash_key=True)   # "<applicant_id>#<status>"
    applied_at = UTCDateTimeAttribute(range_key=True)


class ByPublisherStatusIndex(GlobalSecondaryIndex):
    """A 团组织's claims in one state across all its demands (待确认 list and counter)."""

    class Meta:
        index_name = "by_publisher_status"
        projection = AllProjection()

    publisher_status = UnicodeAttribute(hash_key=True)   # "<publisher_id>#<status>"
    applied_at = UTCDateTimeAttribute(range_key=True)


class ByConfirmedDemandIndex(GlobalSecondaryIndex):
    """认领信息 tab: the confirmed claim of a demand (sparse: the key exists only while confirmed)."""

    class Meta:
        index_name = "by_confirmed_demand"
        projection = AllProjection()

    confirmed_demand = UnicodeAttribute(hash_key=True)   # = demand_id while status is confirmed
    confirmed_at = UTCDateTimeAttribute(range_key=True)


class ClaimFeedIndex(GlobalSecondaryIndex):
    """认领信息 home tab: confirmed claims of visible demands, newest first (sparse)."""

    class Meta:
        index_name = "claim_feed"
        projection = AllProjection()

    claim_feed = UnicodeAttribute(hash_key=True)         # "confirmed" while listed
    confirmed_at = UTCDateTimeAttribute(range_key=True)


class ClaimCityFeedIndex(GlobalSecondaryIndex):
    """认领信息 with the region selector (sparse)."""

    class Meta:
        index_name = "claim_city_feed"
        projection = AllProjection()

    claim_feed_city = UnicodeAttribute(hash_key=True)    # "confirmed#<city>" while listed
    confirmed_at = UTCDateTimeAttribute(range_key=True)


class Claim(Model):
    class Meta(TableMeta):
        table_name = table_name("claims")

    demand_id = UnicodeAttribute(hash_key=True)
    applicant_id = UnicodeAttribute(range_key=True)      # the volunteer organization's account id
    publisher_id = UnicodeAttribute()                    # the demand's 团组织
    publisher_name = UnicodeAttribute()                  # denormalised for 我的申请 rows
    demand_title = UnicodeAttribute()
    status = UnicodeAttribute()                          # ClaimStatus
    applicant_status = UnicodeAttribute()
    publisher_status = UnicodeAttribute()
    message = UnicodeAttribute(null=True)                # the applicant's note (≤ 200)
    applicant = ApplicantSnapshot()
    reason = UnicodeAttribute(null=True)                 # why it was returned (or withdrawn)
    applied_at = UTCDateTimeAttribute()                  # a re-application after returned/withdrawn resets it
    confirmed_at = UTCDateTimeAttribute(null=True)
    ended_at = UTCDateTimeAttribute(null=True)           # returned or withdrawn
    updated_at = UTCDateTimeAttribute()
    confirmed_demand = UnicodeAttribute(null=True)
    demand_city = UnicodeAttribute(null=True)            # the demand's city, for the 认领信息 region selector
    # The demand's linked help requests when it was applied for (frozen from the first application on:
    # edits and closing need none open), so confirming needs no read of the demand.
    linked_request_ids = ListAttribute(of=UnicodeAttribute, default=list)
    # Row facts of 我的申请 / 待确认, written in the transactions that make them true (never read back from
    # the ratings or activities): when each side gave its rating, when the first activity was published.
    publisher_rated_at = UTCDateTimeAttribute(null=True)
    claimant_rated_at = UTCDateTimeAttribute(null=True)
    activity_published_at = UTCDateTimeAttribute(null=True)
    # Sparse 认领信息 keys: present while the claim is confirmed and its demand publicly visible.
    claim_feed = UnicodeAttribute(null=True)
    claim_feed_city = UnicodeAttribute(null=True)

    by_applicant = ByApplicantIndex()
    by_applicant_status = ByApplicantStatusIndex()
    by_publisher_status = ByPublisherStatusIndex()
    by_confirmed_demand = ByConfirmedDemandIndex()
    claim_feed_index = ClaimFeedIndex()
    claim_city_feed_index = ClaimCityFeedIndex()


class ClaimQuota(Model):
    """Per volunteer organization: how many of its applications are pending (≤ MAX_PENDING_PER_ORG).

    Changed only inside the transaction that changes a claim's pending state; the increment is
    conditioned on the limit, so racing applications can never exceed it.
    """

    class Meta(TableMeta):
        table_name = table_name("claim_quotas")

    applicant_id = UnicodeAttribute(hash_key=True)
    pending = NumberAttribute(default=0)


class ContactRead(Model):
    """Audit: a confirmed claimant read a demand's leader mobile and landline (one item per claimant and CST
    day)."""

    class Meta(TableMeta):
        table_name = table_name("contact_reads")

    demand_id = UnicodeAttribute(hash_key=True)
    read_key = UnicodeAttribute(range_key=True)          # CST day (YYYYMMDD) + "#" + reader id
    reader_id = UnicodeAttribute()
    at = UTCDateTimeAttribute()                          # the day's first read
