"""Demo accounts for the local stack, and account provisioning for `scripts/manage.py`.

Import this only after the environment is applied (see `devenv.py`): chalicelib
reads TABLE_PREFIX, DYNAMODB_ENDPOINT and the argon2 cost when first imported.
Accounts are built with the same services, models and unique keys the API uses.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.auth import passwords
from chalicelib.auth.principal import Principal
from chalicelib.data.accounts import Account, credit_code_key, login_key, phone_key
from chalicelib.errors import AppError, ErrorCode, field_error
from chalicelib.reference import AccountStatus, Role, VolunteerOrgKind
from chalicelib.schemas.orgs import LeagueOrgIn, VolunteerOrgProfileIn
from chalicelib.services import credit_code, league_orgs, volunteer_orgs
from chalicelib.services.accounts import create_operator, find_by_unique, insert_account, new_account

DEMO_PASSWORD = "Demo1234"
# The leader mobile gets the activation code at the first login (.local/sms.log locally).
DEMO_LEAGUE_MOBILE = "13900000003"
DEMO_LEAGUE_ORG = {"org_name": "中国共产主义青年团深圳市委员会", "account_name": "demo_league",
                   "region": {"province": "广东省", "city": "深圳市", "district": "罗湖区"},
                   "leader_mobile": DEMO_LEAGUE_MOBILE}
DEMO_VOLUNTEER_ORG = {"account_name": "demo_volunteer", "org_name": "深圳市阳光志愿服务中心（演示）",
                      "credit_code": "91350100M000100Y43", "filing_number": "演示备案-0001",
                      "contact_name": "李志愿", "contact_phone": "13900000002"}
DEMO_PROFILE = {  # 完善信息, checked against the same input model as PUT /me/org-profile
    "region": {"province": "广东省", "city": "深圳市", "district": "福田区"},
    "service_areas": ["关爱未成年人", "助老服务"], "service_targets": ["青少年", "孤寡老人"],
    "volunteer_count": 120, "advantages": "长期开展社区青少年课业辅导和敬老服务。",
    "leader_name": "李志愿", "leader_mobile": "13900000002",
}
DEMO_INDIVIDUAL_PHONE = "13900000001"


def create_individual(*, phone: str, display_name: str, password: str) -> Account:
    """What POST /auth/register writes, minus the SMS code a seed cannot receive."""
    passwords.check_password_policy(password, path="password", forbidden=(phone,))
    account = new_account(role=Role.INDIVIDUAL, login=phone, display_name=display_name,
                          password_hash=passwords.hash_password(password), status=AccountStatus.ACTIVE, phone=phone)
    return insert_account(account, [(phone_key(phone), field_error(ErrorCode.PHONE_ALREADY_REGISTERED, "phone"))])


def create_approved_volunteer_org(org: dict, profile: dict, password: str) -> Account:
    """A registered volunteer org, already approved and with its profile done (ready to claim)."""
    problem = credit_code.problem(org["credit_code"])
    if problem:
        raise ValueError(f"demo credit code {org['credit_code']}: {problem}")
    passwords.check_password_policy(password, path="password", forbidden=(org["account_name"],))
    account = new_account(
        role=Role.VOLUNTEER_ORG, login=org["account_name"], display_name=org["org_name"],
        password_hash=passwords.hash_password(password), status=AccountStatus.ACTIVE,
        phone=org["contact_phone"], contact_name=org["contact_name"], org_kind=VolunteerOrgKind.REGISTERED.value,
        credit_code=org["credit_code"], filing_number=org["filing_number"],
        profile=volunteer_orgs.build_profile(VolunteerOrgProfileIn.model_validate(profile)),
    )
    for name, value in volunteer_orgs.directory_values(account, status=account.status,
                                                       profile=account.profile).items():
        setattr(account, name, value)  # listed in 组织信息 like an approved, profiled org
    return insert_account(account, [
        (login_key(org["account_name"]), field_error(ErrorCode.ACCOUNT_NAME_TAKEN, "account_name")),
        (credit_code_key(org["credit_code"]), field_error(ErrorCode.CREDIT_CODE_TAKEN, "credit_code")),
    ])


def _once(unique_key: str, create: Callable[[], object]) -> bool:
    """Create unless the login already exists (seeding runs at every start); True if created."""
    if find_by_unique(unique_key) is not None:
        return False
    try:
        create()
    except AppError:
        if find_by_unique(unique_key) is None:  # a conflict on something else is a real problem
            raise
        return False
    return True


@dataclass(frozen=True)
class _Demo:
    role: str
    account_type: str              # what POST /auth/login expects for this account
    login: str
    password: str
    unique_key: str
    create: Callable[[], object]
    note: str = ""


def _demos() -> list[_Demo]:
    league = LeagueOrgIn.model_validate(DEMO_LEAGUE_ORG)
    org = DEMO_VOLUNTEER_ORG
    return [
        _Demo("运营人员 operator", "organization", "demo_operator", DEMO_PASSWORD, login_key("demo_operator"),
              lambda: create_operator(account_name="demo_operator", display_name="团省委运营（演示）",
                                      password=DEMO_PASSWORD)),
        _Demo("团组织 league_org", "organization", league.account_name, passwords.INITIAL_LEAGUE_ORG_PASSWORD,
              login_key(league.account_name), lambda: league_orgs.create(_seed_operator(), league),
              f"activate at first login: POST /auth/activation/sms-code (code to {DEMO_LEAGUE_MOBILE}), "
              "then PUT /auth/password with sms_code"),
        _Demo("志愿服务组织 volunteer_org", "organization", org["account_name"], DEMO_PASSWORD,
              login_key(org["account_name"]),
              lambda: create_approved_volunteer_org(org, DEMO_PROFILE, DEMO_PASSWORD),
              "approved, profile completed"),
        _Demo("个人用户 individual", "individual", DEMO_INDIVIDUAL_PHONE, DEMO_PASSWORD,
              phone_key(DEMO_INDIVIDUAL_PHONE),
              lambda: create_individual(phone=DEMO_INDIVIDUAL_PHONE, display_name="演示用户", password=DEMO_PASSWORD)),
    ]


def _seed_operator() -> Principal:
    """The audit log names the demo operator as the one who provisioned the demo 团组织."""
    operator = find_by_unique(login_key("demo_operator"))
    if operator is None:
        raise SystemExit("error: the demo operator must be seeded before the demo 团组织")
    return Principal(operator.account_id, Role.OPERATOR)


def seed_demo_accounts() -> list[dict]:
    """One account per role, created only if missing; returns a printable row for each."""
    return [{"role": d.role, "account_type": d.account_type, "login": d.login, "password": d.password,
             "note": d.note, "created": _once(d.unique_key, d.create)} for d in _demos()]
