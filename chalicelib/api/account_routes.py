"""/me and /volunteer-orgs: the caller's own account, organization registration and profile."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api.account_views import account_out, league_org_profile_out, profile_out, volunteer_org_card
from chalicelib.api.routing import ALL_ROLES, ANYONE, Call, endpoint
from chalicelib.errors import SMS_CODE_ERRORS, UPLOAD_ERRORS, ErrorCode
from chalicelib.reference import Role
from chalicelib.schemas.accounts import AccountOut, LeagueOrgTodoOut, VolunteerOrgTodoOut
from chalicelib.schemas.orgs import (
    DirectoryQuery,
    LeagueOrgProfileIn,
    LeagueOrgProfileOut,
    OrgRegisteredOut,
    RegisterVolunteerOrgIn,
    VolunteerOrgCardPageOut,
    VolunteerOrgProfileIn,
    VolunteerOrgProfileOut,
)
from chalicelib.services import accounts, league_orgs, todo_counters, volunteer_orgs

bp = Blueprint(__name__)
VOLUNTEER_ORG = frozenset({Role.VOLUNTEER_ORG})
LEAGUE_ORG = frozenset({Role.LEAGUE_ORG})


@endpoint(bp, "/me", "GET", roles=ALL_ROLES, during_password_change=True, response=AccountOut,
          errors=(ErrorCode.NOT_FOUND,))
def me(call: Call) -> AccountOut:
    return account_out(accounts.get_account(call.caller.account_id))


@endpoint(bp, "/me/todo", "GET", roles=frozenset({Role.LEAGUE_ORG, Role.VOLUNTEER_ORG}),
          response=LeagueOrgTodoOut | VolunteerOrgTodoOut)
def my_todo(call: Call) -> LeagueOrgTodoOut | VolunteerOrgTodoOut:
    todo = todo_counters.read(call.caller.account_id)
    if call.caller.role is Role.VOLUNTEER_ORG:
        return VolunteerOrgTodoOut(pending_applications=todo.pending_applications, ratings_owed=todo.ratings_owed)
    return LeagueOrgTodoOut(awaiting_claim=todo.awaiting_claim, pending_help_requests=todo.pending_help_requests,
                            pending_claims=todo.pending_claims, ratings_owed=todo.ratings_owed)


@endpoint(bp, "/me/league-profile", "GET", roles=LEAGUE_ORG, response=LeagueOrgProfileOut,
          errors=(ErrorCode.NOT_FOUND,))
def get_league_profile(call: Call) -> LeagueOrgProfileOut:
    return league_org_profile_out(accounts.get_account(call.caller.account_id))


@endpoint(bp, "/me/league-profile", "PUT", roles=LEAGUE_ORG, body=LeagueOrgProfileIn, response=LeagueOrgProfileOut,
          errors=(ErrorCode.NOT_FOUND, *UPLOAD_ERRORS))
def put_league_profile(call: Call, body: LeagueOrgProfileIn) -> LeagueOrgProfileOut:
    return league_org_profile_out(league_orgs.save_profile(call.caller, body))


@endpoint(bp, "/volunteer-orgs", "POST", roles=ANYONE, body=RegisterVolunteerOrgIn, status=201,
          response=OrgRegisteredOut,
          errors=(*SMS_CODE_ERRORS,
                  ErrorCode.ACCOUNT_NAME_TAKEN,
                  ErrorCode.CREDIT_CODE_TAKEN,
                  ErrorCode.PASSWORD_TOO_WEAK,
                  ErrorCode.REGISTRATION_THROTTLED))
def register_volunteer_org(call: Call, body: RegisterVolunteerOrgIn) -> OrgRegisteredOut:
    account = volunteer_orgs.register(body, source_ip=call.source_ip)
    return OrgRegisteredOut(account_id=account.account_id, status=account.status)


@endpoint(bp, "/volunteer-orgs", "GET", roles=ANYONE, query=DirectoryQuery, response=VolunteerOrgCardPageOut)
def volunteer_org_directory(call: Call, query: DirectoryQuery) -> VolunteerOrgCardPageOut:
    page = volunteer_orgs.directory(city=query.city, keyword=query.q, limit=query.limit, cursor=query.cursor)
    return VolunteerOrgCardPageOut(items=[volunteer_org_card(a) for a in page.items], next_cursor=page.next_cursor)


@endpoint(bp, "/me/org-profile", "GET", roles=VOLUNTEER_ORG, response=VolunteerOrgProfileOut,
          errors=(ErrorCode.NOT_FOUND, ErrorCode.ORG_PROFILE_INCOMPLETE))
def get_org_profile(call: Call) -> VolunteerOrgProfileOut:
    return profile_out(volunteer_orgs.get_profile(call.caller))


@endpoint(bp, "/me/org-profile", "PUT", roles=VOLUNTEER_ORG, body=VolunteerOrgProfileIn,
          response=VolunteerOrgProfileOut,
          errors=(*SMS_CODE_ERRORS, ErrorCode.NOT_FOUND, *UPLOAD_ERRORS))
def put_org_profile(call: Call, body: VolunteerOrgProfileIn) -> VolunteerOrgProfileOut:
    return profile_out(volunteer_orgs.save_profile(call.caller, body))
