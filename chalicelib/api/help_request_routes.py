"""/help-requests, /me/help-requests, /me/help-request-inbox (初始需求) and /league-orgs/search.

The views at the bottom decide which stored fields leave: the submitter sees
the contact mobile masked, the addressed 团组织 sees it in full (it must call
the family to verify the request, guide §2.2 note 2); list rows carry no
personal data of the pupil; search results carry no phone and no account name.
"""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api.routing import ALL_ROLES, Call, endpoint
from chalicelib.auth.principal import Principal
from chalicelib.data.help_requests import HelpRequest
from chalicelib.data.name_index import NameIndexEntry
from chalicelib.errors import SMS_CODE_ERRORS, ErrorCode
from chalicelib.reference import HelpRequestStatus, Role
from chalicelib.schemas.common import mask_mobile
from chalicelib.schemas.help_requests import (
    DeclineIn,
    HelpRequestIn,
    HelpRequestListQuery,
    HelpRequestOut,
    HelpRequestPageOut,
    HelpRequestRowOut,
    OrgSearchItemOut,
    OrgSearchPageOut,
    OrgSearchQuery,
    OrgSearchRegionOut,
    ProgressStepOut,
    SubjectScoreOut,
    TutoringOut,
)
from chalicelib.services import help_requests, org_search

bp = Blueprint(__name__)
INDIVIDUAL = frozenset({Role.INDIVIDUAL})
LEAGUE_ORG = frozenset({Role.LEAGUE_ORG})


@endpoint(bp, "/help-requests", "POST", roles=INDIVIDUAL, body=HelpRequestIn, status=201, response=HelpRequestOut,
          errors=(*SMS_CODE_ERRORS, ErrorCode.ACCOUNT_DISABLED, ErrorCode.NOT_FOUND), idempotent=True)
def submit_help_request(call: Call, body: HelpRequestIn) -> HelpRequestOut:
    return help_request_out(help_requests.submit(call.caller, body.root, idempotency=call.idempotency), call.caller)


@endpoint(bp, "/me/help-requests", "GET", roles=INDIVIDUAL, query=HelpRequestListQuery, response=HelpRequestPageOut)
def my_help_requests(call: Call, query: HelpRequestListQuery) -> HelpRequestPageOut:
    page = help_requests.list_mine(call.caller, query.status, limit=query.limit, cursor=query.cursor)
    return HelpRequestPageOut(items=[help_request_row_out(i) for i in page.items], next_cursor=page.next_cursor)


# Every signed-in role may ask; only the submitter and the addressed 团组织 get an answer other than 404.
@endpoint(bp, "/help-requests/{request_id}", "GET", roles=ALL_ROLES, response=HelpRequestOut)
def get_help_request(call: Call, request_id: str) -> HelpRequestOut:
    return help_request_out(help_requests.visible_to(call.caller, request_id), call.caller)


@endpoint(bp, "/me/help-request-inbox", "GET", roles=LEAGUE_ORG, query=HelpRequestListQuery,
          response=HelpRequestPageOut)
def help_request_inbox(call: Call, query: HelpRequestListQuery) -> HelpRequestPageOut:
    page = help_requests.list_inbox(call.caller, query.status, limit=query.limit, cursor=query.cursor)
    return HelpRequestPageOut(items=[help_request_row_out(i) for i in page.items], next_cursor=page.next_cursor)


@endpoint(bp, "/help-requests/{request_id}/adopt", "POST", roles=LEAGUE_ORG, response=HelpRequestOut,
          errors=(ErrorCode.STATE_CONFLICT,))
def adopt_help_request(call: Call, request_id: str) -> HelpRequestOut:
    return help_request_out(help_requests.adopt(call.caller, request_id), call.caller)


@endpoint(bp, "/help-requests/{request_id}/decline", "POST", roles=LEAGUE_ORG, body=DeclineIn, response=HelpRequestOut,
          errors=(ErrorCode.STATE_CONFLICT,))
def decline_help_request(call: Call, request_id: str, body: DeclineIn) -> HelpRequestOut:
    return help_request_out(help_requests.decline(call.caller, request_id, body.reason), call.caller)


@endpoint(bp, "/league-orgs/search", "GET", roles=ALL_ROLES, query=OrgSearchQuery, response=OrgSearchPageOut)
def search_league_orgs(call: Call, query: OrgSearchQuery) -> OrgSearchPageOut:
    page = org_search.search(query.q, city=query.city, limit=query.limit, cursor=query.cursor)
    return OrgSearchPageOut(items=[org_search_item_out(e) for e in page.items], next_cursor=page.next_cursor)


# ---------------------------------------------------------------- views: stored item → response model

_PUBLISHED_STATES = {HelpRequestStatus.AWAITING_CLAIM.value, HelpRequestStatus.CLAIMED.value,
                     HelpRequestStatus.PUBLISHED.value}


def _score(value) -> int | float:
    number = float(value)
    return int(number) if number.is_integer() else number


def help_request_out(item: HelpRequest, viewer: Principal) -> HelpRequestOut:
    """Only ever called for the submitter or the addressed 团组织 (services/help_requests.visible_to)."""
    is_org = help_requests.is_addressed_org(viewer, item)
    tutoring = item.tutoring
    return HelpRequestOut(
        request_id=item.request_id, kind=item.kind, status=item.status,
        title=item.title, description=item.description,
        tutoring=TutoringOut(
            student_name=tutoring.student_name, gender=tutoring.gender, grade=tutoring.grade,
            school=tutoring.school, city=tutoring.city, address=tutoring.address,
            subjects=[SubjectScoreOut(subject=s.subject, score=_score(s.score)) for s in tutoring.subjects],
            interests=list(tutoring.interests or []), remark=tutoring.remark,
        ) if tutoring is not None else None,
        org_id=item.org_id, org_name=item.org_name, submitter_name=item.submitter_name,
        contact_name=item.contact_name,
        contact_phone=item.contact_phone if is_org else mask_mobile(item.contact_phone),
        decline_reason=item.decline_reason,
        # A draft demand is its organization's own business; the submitter sees the demand once it is public.
        demand_id=item.demand_id if is_org or item.status in _PUBLISHED_STATES else None,
        created_at=item.created_at, updated_at=item.updated_at,
        progress=[ProgressStepOut(**step) for step in help_requests.progress(item)],
    )


def help_request_row_out(item: HelpRequest) -> HelpRequestRowOut:
    return HelpRequestRowOut(
        request_id=item.request_id, kind=item.kind, status=item.status,
        title=item.title, org_name=item.org_name, submitter_name=item.submitter_name, created_at=item.created_at,
    )


def org_search_item_out(entry: NameIndexEntry) -> OrgSearchItemOut:
    return OrgSearchItemOut(account_id=entry.account_id, org_name=entry.name,
                            region=OrgSearchRegionOut(city=entry.city, district=entry.district))
