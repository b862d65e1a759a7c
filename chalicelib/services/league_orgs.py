"""团组织 accounts: provisioned by operators, one at a time or from a 智慧团建 CSV export."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from pydantic import ValidationError

from chalicelib import clock
from chalicelib.auth.passwords import INITIAL_LEAGUE_ORG_PASSWORD, hash_password
from chalicelib.auth.principal import Principal
from chalicelib.data.accounts import Account, LeagueOrgProfile, Region, UniqueKey, login_key
from chalicelib.data.base import Transaction
from chalicelib.errors import AppError, ErrorCode, FieldError, field_error
from chalicelib.reference import AccountStatus, AuditAction, Role, UploadPurpose
from chalicelib.schemas.orgs import LeagueOrgIn, LeagueOrgProfileIn
from chalicelib.services import audit, uploads
from chalicelib.services.accounts import get_account, insert_account, new_account
from chalicelib.validation_messages import message_for

# 智慧团建 export headers, and the English ones our own template uses.
CSV_COLUMNS = {
    "组织名称": "org_name", "org_name": "org_name",
    "账号": "account_name", "account_name": "account_name",
    "所在省": "province", "province": "province",
    "所在市": "city", "city": "city",
    "所在区县": "district", "district": "district",
    "上级组织": "parent_org_name", "parent_org_name": "parent_org_name",
    "负责人手机号": "leader_mobile", "leader_mobile": "leader_mobile",
}
REQUIRED_COLUMNS = {"org_name", "account_name", "province", "city", "leader_mobile"}
MAX_ROWS = 2000


@dataclass(frozen=True)
class ImportResult:
    created: int
    unchanged: int


def build_account(org: LeagueOrgIn, initial_hash: str) -> Account:
    return new_account(
        role=Role.LEAGUE_ORG, login=org.account_name, display_name=org.org_name,
        password_hash=initial_hash, status=AccountStatus.ACTIVE, must_change_password=True,
        region=Region(province=org.region.province, city=org.region.city, district=org.region.district),
        parent_org_name=org.parent_org_name, leader_mobile=org.leader_mobile,
    )


def create(operator: Principal, org: LeagueOrgIn) -> Account:
    account = build_account(org, hash_password(INITIAL_LEAGUE_ORG_PASSWORD))
    _insert(operator, account, on_conflict=field_error(ErrorCode.ACCOUNT_NAME_TAKEN, "account_name"))
    return account


def _insert(operator: Principal, account: Account, *, on_conflict: AppError) -> None:
    """The account, its login key and the audit entry in one transaction. Not yet activated, it has no
    name-search entries: activation writes them (services/accounts.py), so the 所在组织 picker never
    offers a 团组织 whose 000000 nobody has replaced."""
    tx = Transaction()
    audit.record_in(tx, operator, AuditAction.LEAGUE_ORG_PROVISIONED, account)
    insert_account(account, [(login_key(account.login), on_conflict)], tx)


def import_csv(operator: Principal, text: str) -> ImportResult:
    """All rows are validated before any is written; a bad row names its line and nothing is imported.

    Idempotent: a row whose account already exists for the same organization is left as it is.
    """
    rows = _parse(text)
    existing = _existing_accounts([org.account_name for _, org in rows])
    errors: list[FieldError] = []
    fresh: list[LeagueOrgIn] = []
    for line, org in rows:
        current = existing.get(login_key(org.account_name))
        if current is None:
            fresh.append(org)
        elif current.role != Role.LEAGUE_ORG.value or current.display_name != org.org_name:
            errors.append(FieldError(f"line {line}.account_name", ErrorCode.ACCOUNT_NAME_TAKEN.name,
                                     "账号已被其他组织使用"))
    if errors:
        raise AppError(ErrorCode.CSV_INVALID, fields=errors)
    created = 0
    # "000000" is public knowledge: one hash per import, not one argon2 run per row.
    initial_hash = hash_password(INITIAL_LEAGUE_ORG_PASSWORD) if fresh else ""
    for org in fresh:
        try:
            _insert(operator, build_account(org, initial_hash), on_conflict=AppError(ErrorCode.ACCOUNT_NAME_TAKEN))
            created += 1
        except AppError as exc:
            if exc.code is not ErrorCode.ACCOUNT_NAME_TAKEN:
                raise
    return ImportResult(created=created, unchanged=len(rows) - created)


def _parse(text: str) -> list[tuple[int, LeagueOrgIn]]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise AppError(ErrorCode.CSV_INVALID, fields=[FieldError("line 1", "empty", "文件为空")])
    columns = [CSV_COLUMNS.get(name.strip()) for name in header]
    missing = REQUIRED_COLUMNS - set(columns)
    if missing:
        raise AppError(ErrorCode.CSV_INVALID, fields=[
            FieldError("line 1", "missing_columns", f"缺少列: {', '.join(sorted(missing))}")])
    rows: list[tuple[int, LeagueOrgIn]] = []
    errors: list[FieldError] = []
    seen: dict[str, int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise AppError(ErrorCode.CSV_INVALID, fields=[
                FieldError(f"line {line}", "too_many_rows", f"单次最多导入{MAX_ROWS}行")])
        org = _row(line, columns, cells, errors)
        if org is None:
            continue
        key = login_key(org.account_name)
        if key in seen:
            errors.append(FieldError(f"line {line}.account_name", "duplicate",
                                     f"与第{seen[key]}行账号重复"))
            continue
        seen[key] = line
        rows.append((line, org))
    if errors:
        raise AppError(ErrorCode.CSV_INVALID, fields=errors)
    return rows


def _row(line: int, columns: list[str | None], cells: list[str], errors: list[FieldError]) -> LeagueOrgIn | None:
    if len(cells) != len(columns):
        errors.append(FieldError(f"line {line}", "column_count", f"应有{len(columns)}列，实际{len(cells)}列"))
        return None
    values = {col: cell.strip() for col, cell in zip(columns, cells, strict=True) if col}
    data = {
        "org_name": values.get("org_name"), "account_name": values.get("account_name"),
        "region": {"province": values.get("province"), "city": values.get("city"),
                   "district": values.get("district") or None},
        "parent_org_name": values.get("parent_org_name") or None,
        "leader_mobile": values.get("leader_mobile"),
    }
    try:
        return LeagueOrgIn.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            path = ".".join(str(p) for p in err["loc"])
            errors.append(FieldError(f"line {line}.{path}", err["type"], message_for(err)))
        return None


def _existing_accounts(account_names: list[str]) -> dict[str, Account]:
    keys = [login_key(name) for name in account_names]
    pointers = {p.key: p.account_id for p in UniqueKey.batch_get(keys)}
    accounts = {a.account_id: a for a in Account.batch_get(list(set(pointers.values())))}
    return {key: accounts[aid] for key, aid in pointers.items() if aid in accounts}


def save_profile(caller: Principal, body: LeagueOrgProfileIn) -> Account:
    """组织信息管理: replaces the optional profile; the name and region stay as 智慧团建 issued them."""
    account = get_account(caller.account_id)
    kept = list(account.league_profile.photo_keys or []) if account.league_profile else []
    photo_keys = uploads.claim(caller, body.photo_keys, purpose=UploadPurpose.ORG_PHOTO, field="photo_keys",
                               kept=kept)
    profile = LeagueOrgProfile(leader_name=body.leader_name, landline=body.landline,
                               services_content=body.services_content, introduction=body.introduction,
                               photo_keys=photo_keys)
    Transaction().update(account, [Account.league_profile.set(profile), Account.updated_at.set(clock.now())]).commit()
    account.league_profile = profile
    return account
