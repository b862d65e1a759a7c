"""我的 page counters (待办项): each one a COUNT Query on the index that serves its list."""
from __future__ import annotations

from dataclasses import dataclass

from chalicelib.auth.principal import Principal
from chalicelib.data.claims import Claim
from chalicelib.data.demands import Demand
from chalicelib.data.help_requests import HelpRequest
from chalicelib.reference import DemandStatus, HelpRequestStatus
from chalicelib.services import ratings


@dataclass(frozen=True)
class LeagueOrgTodo:
    awaiting_claim: int          # 待认领: its published demands nobody holds (= GET /me/demands?status=open)
    pending_help_requests: int   # 初始需求 待采用 (= GET /me/help-request-inbox?status=pending)
    pending_claims: int = 0      # 待确认: applications waiting for it (= GET /me/claim-inbox?status=pending)
    ratings_owed: int = 0        # 待评分: claimants it has still to rate (= GET /me/ratings-owed)


@dataclass(frozen=True)
class VolunteerOrgTodo:
    pending_applications: int    # 待确认: its applications still pending (= GET /me/claims?status=pending)
    ratings_owed: int = 0        # 待评分: publishers it has still to rate (= GET /me/ratings-owed)


def league_org_todo(caller: Principal) -> LeagueOrgTodo:
    return LeagueOrgTodo(
        awaiting_claim=Demand.by_org_status.count(f"{caller.account_id}#{DemandStatus.OPEN.value}"),
        pending_help_requests=HelpRequest.by_org_status.count(
            f"{caller.account_id}#{HelpRequestStatus.PENDING.value}"),
        pending_claims=Claim.by_publisher_status.count(f"{caller.account_id}#pending"),
        ratings_owed=ratings.count_owed(caller),
    )


def volunteer_org_todo(caller: Principal) -> VolunteerOrgTodo:
    return VolunteerOrgTodo(pending_applications=Claim.by_applicant_status.count(f"{caller.account_id}#pending"),
                            ratings_owed=ratings.count_owed(caller))
