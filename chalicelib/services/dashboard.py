"""我的 page counters (待办项): one GetItem on the account's `todo_counters` item (services/todo_counters.py)."""
from __future__ import annotations

from dataclasses import dataclass

from chalicelib.auth.principal import Principal
from chalicelib.services import todo_counters


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
    todo = todo_counters.read(caller.account_id)
    return LeagueOrgTodo(awaiting_claim=todo.awaiting_claim, pending_help_requests=todo.pending_help_requests,
                         pending_claims=todo.pending_claims, ratings_owed=todo.ratings_owed)


def volunteer_org_todo(caller: Principal) -> VolunteerOrgTodo:
    todo = todo_counters.read(caller.account_id)
    return VolunteerOrgTodo(pending_applications=todo.pending_applications, ratings_owed=todo.ratings_owed)
