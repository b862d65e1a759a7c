"""Ratings (评分): after a confirmed claim, the publishing 团组织 and the claimant rate each other, once.

One `RatingSheet` per claim (see `data/ratings.py`). Its life:

    confirm ──▶ sheet: both owe (publisher_owed, claimant_owed), confirmed_at = now
    rate (one side) ──▶ its rating map set, its owed key removed       (blind: only the rater sees it)
    rate (other side) ──▶ the same, and revealed = true in that write   (both visible, publicly too)
    14 days after confirmed_at ──▶ the rating window closes; whatever was given is visible (read time),
                                   and the hourly job sets revealed (points and notifications follow)
    withdraw of the confirmed claim ──▶ owed keys removed, closed_at set (no more ratings)

Each rating is one transaction: a condition check that the claim is still confirmed, and a
conditional update of the sheet (its own side not rated yet; the other side exactly as read, so the
`revealed` flag cannot be missed when both sides rate at once: the loser re-reads and retries).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pynamodb.exceptions import UpdateError

from chalicelib import clock, observability
from chalicelib.auth.principal import Principal
from chalicelib.data import idempotency_keys
from chalicelib.data.base import Transaction, one_page
from chalicelib.data.claims import Claim, claim_id, claim_keys
from chalicelib.data.idempotency_keys import IdempotencyRecord
from chalicelib.data.lookup import get_or_none
from chalicelib.data.ratings import OWED, RatingMap, RatingSheet
from chalicelib.errors import AppError, ErrorCode
from chalicelib.observability import BusinessMetric
from chalicelib.reference import ClaimStatus, Role
from chalicelib.services import demands, todo_counters
from chalicelib.services.pagination import Page, decode_cursor, encode_cursor

RATING_WINDOW = timedelta(days=14)   # ratings are blind for at most this long after confirmation
_ATTEMPTS = 3


class Side(StrEnum):
    """Who gave a rating: the publisher rates the claimant; the claimant rates the publisher."""

    PUBLISHER = "publisher"
    CLAIMANT = "claimant"

    @property
    def other(self) -> Side:
        return Side.CLAIMANT if self is Side.PUBLISHER else Side.PUBLISHER


def rating_id(demand_id: str, applicant_id: str, side: Side) -> str:
    return f"{claim_id(demand_id, applicant_id)}.{side.value}"


def rating_of(sheet: RatingSheet, side: Side) -> RatingMap | None:
    return sheet.by_publisher if side is Side.PUBLISHER else sheet.by_claimant


def rated_account(sheet: RatingSheet, side: Side) -> str:
    """The organization a rating is about (and the one its points go to)."""
    return sheet.applicant_id if side is Side.PUBLISHER else sheet.publisher_id


def rater_name(sheet: RatingSheet, side: Side) -> str:
    return sheet.publisher_name if side is Side.PUBLISHER else sheet.claimant_name


def window_closes_at(sheet: RatingSheet) -> datetime:
    return sheet.confirmed_at + RATING_WINDOW


def is_revealed(sheet: RatingSheet, now: datetime | None = None) -> bool:
    """Both sides rated, or the 14-day window is over: the ratings given are visible to all."""
    return bool(sheet.revealed) or (now or clock.now()) >= window_closes_at(sheet)


def _rating_attr(side: Side):
    return RatingSheet.by_publisher if side is Side.PUBLISHER else RatingSheet.by_claimant


def _owed_attr(side: Side):
    return RatingSheet.publisher_owed if side is Side.PUBLISHER else RatingSheet.claimant_owed


def _rated_attr(side: Side):
    return Claim.publisher_rated_at if side is Side.PUBLISHER else Claim.claimant_rated_at


def _owed_key(account_id: str) -> str:
    return f"{account_id}#{OWED}"


def _load_sheet(demand_id: str, applicant_id: str) -> RatingSheet | None:
    return get_or_none(RatingSheet, demand_id, applicant_id, consistent_read=True)


def _new_sheet(claim: Claim, moment: datetime) -> RatingSheet:
    return RatingSheet(demand_id=claim.demand_id, applicant_id=claim.applicant_id, publisher_id=claim.publisher_id,
                       publisher_name=claim.publisher_name, claimant_name=claim.applicant.org_name,
                       demand_title=claim.demand_title, confirmed_at=moment, revealed=False,
                       updated_at=moment, publisher_owed=_owed_key(claim.publisher_id),
                       claimant_owed=_owed_key(claim.applicant_id), reveal_day=_reveal_day(moment))


def _reveal_day(confirmed_at: datetime) -> str:
    return clock.cst_date(confirmed_at + RATING_WINDOW)


# ---------------------------------------------------------------- with the claim's transitions

def open_sheet(tx: Transaction, claim: Claim, moment: datetime, *, read: bool = True,
               on_exists: AppError | None = None) -> None:
    """In the confirmation's transaction: both sides now owe a rating (one item).

    A pair confirmed again after a withdrawal reuses its sheet (one rating per side per claim, ever):
    the sides that have not rated owe again, and the window restarts unless both already rated.
    With `read=False` the sheet is not read but assumed new: if the pair has one, the put fails
    with `on_exists` and the caller tries again reading it.
    """
    sheet = _load_sheet(claim.demand_id, claim.applicant_id) if read else None
    if sheet is None:
        tx.put(_new_sheet(claim, moment), condition=RatingSheet.applicant_id.does_not_exist(),
               on_conflict=on_exists or AppError(ErrorCode.STATE_CONFLICT))
        todo_counters.owe(tx, [claim.publisher_id, claim.applicant_id], claim, moment + RATING_WINDOW)
        return
    actions = [RatingSheet.closed_at.remove(), RatingSheet.updated_at.set(moment)]
    condition = RatingSheet.applicant_id.exists()
    for side in Side:
        rated = rating_of(sheet, side) is not None
        condition &= _rating_attr(side).exists() if rated else _rating_attr(side).does_not_exist()
        if not rated:
            owner = sheet.publisher_id if side is Side.PUBLISHER else sheet.applicant_id
            actions.append(_owed_attr(side).set(_owed_key(owner)))
            todo_counters.owe(tx, [owner], sheet, (sheet.confirmed_at if sheet.revealed else moment) + RATING_WINDOW)
    if not sheet.revealed:
        actions += [RatingSheet.confirmed_at.set(moment), RatingSheet.reveal_day.set(_reveal_day(moment))]
    tx.update(sheet, actions, condition=condition, on_conflict=AppError(ErrorCode.STATE_CONFLICT))


def close_sheet(tx: Transaction, claim: Claim, moment: datetime) -> None:
    """In the withdrawal of a confirmed claim: nothing is owed any more; ratings given stay."""
    sheet = _load_sheet(claim.demand_id, claim.applicant_id)
    tx.update(sheet, [RatingSheet.publisher_owed.remove(), RatingSheet.claimant_owed.remove(),
                      RatingSheet.closed_at.set(moment), RatingSheet.updated_at.set(moment)],
              condition=RatingSheet.applicant_id.exists(), on_conflict=AppError(ErrorCode.STATE_CONFLICT))
    todo_counters.settle(tx, [sheet.publisher_id, sheet.applicant_id], sheet, window_closes_at(sheet))


# ---------------------------------------------------------------- rating

def _party_claim(caller: Principal, claim_id_text: str) -> tuple[Claim, Side]:
    """The claim and the caller's side; anyone but its two parties gets 404 (existence does not leak)."""
    demand_id, applicant_id = claim_keys(claim_id_text)
    claim = get_or_none(Claim, demand_id, applicant_id, consistent_read=True)
    if claim is None:
        raise AppError(ErrorCode.NOT_FOUND)
    if caller.role is Role.LEAGUE_ORG and claim.publisher_id == caller.account_id:
        return claim, Side.PUBLISHER
    if caller.role is Role.VOLUNTEER_ORG and claim.applicant_id == caller.account_id:
        return claim, Side.CLAIMANT
    raise AppError(ErrorCode.NOT_FOUND)


def _party_side(caller: Principal, sheet: RatingSheet) -> Side:
    """The caller's side of the sheet; anyone but its two parties gets 404, as for the claim."""
    if caller.role is Role.LEAGUE_ORG and sheet.publisher_id == caller.account_id:
        return Side.PUBLISHER
    if caller.role is Role.VOLUNTEER_ORG and sheet.applicant_id == caller.account_id:
        return Side.CLAIMANT
    raise AppError(ErrorCode.NOT_FOUND)


def rate(caller: Principal, claim_id_text: str, score: int, comment: str | None, *,
         idempotency: IdempotencyRecord | None = None) -> tuple[RatingSheet, Side]:
    """Give the caller's rating of the other party (once; no edit, no delete).

    One read, the rating sheet (the confirmation opens it): it names the two parties, what each rated
    and the window; that the claim is still confirmed is a condition of the write (a closed sheet means
    it was withdrawn). No sheet: the claim was never confirmed; it is read to answer its parties
    `CLAIM_NOT_RATABLE` and anyone else 404.
    """
    demand_id, applicant_id = claim_keys(claim_id_text)
    for _ in range(_ATTEMPTS):
        moment = clock.now()
        sheet = _load_sheet(demand_id, applicant_id)
        if sheet is None:
            _party_claim(caller, claim_id_text)
            raise AppError(ErrorCode.CLAIM_NOT_RATABLE)
        side = _party_side(caller, sheet)
        if sheet.closed_at is not None:
            raise AppError(ErrorCode.CLAIM_NOT_RATABLE)
        if rating_of(sheet, side) is not None:
            raise AppError(ErrorCode.RATING_ALREADY_GIVEN)
        if moment >= sheet.confirmed_at + RATING_WINDOW:
            raise AppError(ErrorCode.RATING_WINDOW_CLOSED)
        rating = RatingMap(score=score, comment=comment, rater_id=caller.account_id, rated_at=moment)
        raced = AppError(ErrorCode.STATE_CONFLICT)
        tx = Transaction()
        # The claim carries the fact for its 我的申请 / 待确认 row; still confirmed is the write's condition.
        tx.update(Claim(demand_id, applicant_id), [_rated_attr(side).set(moment)],
                  condition=Claim.status == ClaimStatus.CONFIRMED.value,
                  on_conflict=AppError(ErrorCode.CLAIM_NOT_RATABLE))
        other_rated = rating_of(sheet, side.other) is not None
        actions = [_rating_attr(side).set(rating), _owed_attr(side).remove(), RatingSheet.updated_at.set(moment)]
        if other_rated:
            actions += [RatingSheet.revealed.set(True), RatingSheet.revealed_at.set(moment),
                        RatingSheet.reveal_day.remove()]
        other = _rating_attr(side.other)
        condition = (_rating_attr(side).does_not_exist() & RatingSheet.closed_at.does_not_exist()
                     & (RatingSheet.confirmed_at == sheet.confirmed_at)
                     & (other.exists() if other_rated else other.does_not_exist()))
        tx.update(sheet, actions, condition=condition, on_conflict=raced)
        todo_counters.settle(tx, [caller.account_id], sheet, window_closes_at(sheet))
        idempotency_keys.join(tx, idempotency)
        try:
            tx.commit()
        except AppError as exc:
            if exc is raced or exc.code is ErrorCode.STATE_CONFLICT:
                continue   # the sheet moved (the other side rated at the same time): read again
            raise
        observability.count(BusinessMetric.RATINGS_SUBMITTED)
        return sheet, side
    raise AppError(ErrorCode.STATE_CONFLICT)


# ---------------------------------------------------------------- the window closes (hourly job)

REVEAL_LOOKBACK_DAYS = 7   # days of due sheets each run reads again: a missed run is caught up


def reveal_due(now: datetime | None = None) -> int:
    """Reveal every sheet whose 14-day window has closed and that is still blind: one conditional
    update each (`revealed` turns true in its stream record, which awards points and notifies).
    Reads one Query per CST day of the lookback on the sparse `reveal_due` index, never the table.
    Idempotent: a revealed sheet leaves the index. Returns how many were revealed now."""
    now = now or clock.now()
    cutoff = now - RATING_WINDOW
    revealed = 0
    for days_back in range(REVEAL_LOOKBACK_DAYS, -1, -1):
        day = clock.cst_date(now - timedelta(days=days_back))
        for sheet in RatingSheet.reveal_due_index.query(day, range_key_condition=RatingSheet.confirmed_at <= cutoff):
            revealed += _reveal(sheet, now)
    return revealed


def _reveal(sheet: RatingSheet, now: datetime) -> int:
    todo_counters.forget_expired(sheet, window_closes_at(sheet))   # first: a crash after the reveal leaves none
    try:
        sheet.update(actions=[RatingSheet.revealed.set(True), RatingSheet.revealed_at.set(now),
                              RatingSheet.reveal_day.remove(), RatingSheet.publisher_owed.remove(),
                              RatingSheet.claimant_owed.remove(), RatingSheet.updated_at.set(now)],
                     condition=(RatingSheet.confirmed_at == sheet.confirmed_at) & (RatingSheet.revealed != True)  # noqa: E712
                     & (RatingSheet.confirmed_at <= now - RATING_WINDOW))
    except UpdateError as exc:
        if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
            return 0   # rated by both, or confirmed again, since the index was read
        raise
    return 1


# ---------------------------------------------------------------- reading

def party_sheet(caller: Principal, claim_id_text: str) -> tuple[RatingSheet | None, Side]:
    """A party's view of its claim's ratings (what it may see is decided by the view)."""
    claim, side = _party_claim(caller, claim_id_text)
    return _load_sheet(claim.demand_id, claim.applicant_id), side


def public_sheets(caller: Principal | None, demand_id: str) -> list[RatingSheet]:
    """评分信息 tab: the revealed sheets of a demand the caller may see (the demand, then one Query)."""
    demands.readable_demand(caller, demand_id)
    sheets = RatingSheet.query(demand_id, limit=25)
    now = clock.now()
    return [s for s in sheets if is_revealed(s, now) and (s.by_publisher is not None or s.by_claimant is not None)]


def _owed_query(caller: Principal):
    since = clock.now() - RATING_WINDOW
    if caller.role is Role.LEAGUE_ORG:
        return RatingSheet.publisher_owed_index, _owed_key(caller.account_id), RatingSheet.confirmed_at > since
    return RatingSheet.claimant_owed_index, _owed_key(caller.account_id), RatingSheet.confirmed_at > since


def owed(caller: Principal, *, limit: int, cursor: str | None) -> Page[RatingSheet]:
    """待评分: the claims the caller still has to rate while their window is open, oldest first (one Query)."""
    index, key, window = _owed_query(caller)
    scope = f"ratings-owed:{caller.account_id}"
    results = index.query(key, range_key_condition=window, page_size=limit,
                          last_evaluated_key=decode_cursor(scope, cursor))
    items, last = one_page(results, RatingSheet)
    return Page(items=items, next_cursor=encode_cursor(scope, last))
