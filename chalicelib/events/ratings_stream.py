"""The ratings table's stream → points and notifications for the rated organizations.

A record is a change of a `RatingSheet`. Ratings are blind until the sheet is revealed (both sides
rated, or the hourly job closed the 14-day window), and points would tell the score, so nothing
happens before that: on the record where `revealed` turns true, every rating in the sheet is
awarded (`services.points.award`, idempotent by rating id) and its rated organization is notified
twice (the rating, then the points; ids derived from the rating). Every other record (the sheet
written at confirmation, one blind rating, owed keys removed at withdrawal, REMOVE) changes nothing.
"""
from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from chalicelib.data.claims import claim_id
from chalicelib.data.ratings import RatingSheet
from chalicelib.events.records import Poison, handle_event, new_image
from chalicelib.reference import NotificationType
from chalicelib.services import notifications, points
from chalicelib.services.notifications import Draft
from chalicelib.services.ratings import Side, rated_account, rater_name, rating_id, rating_of

SOURCE = "ratings-stream"
log = logging.getLogger(__name__)
_REQUIRED = ("demand_id", "applicant_id", "publisher_id", "publisher_name", "claimant_name", "demand_title",
             "confirmed_at")


def handle(event: Any) -> dict[str, list]:
    return handle_event(SOURCE, event, apply_record)


def _sheet(raw: dict, name: str) -> RatingSheet | None:
    sheet = new_image(raw, RatingSheet, name)
    if sheet is not None:
        missing = [field for field in _REQUIRED if not getattr(sheet, field)]
        if missing:
            raise Poison(f"{name} lacks {', '.join(missing)}")
    return sheet


def awards_in(raw: Any) -> list[points.Award]:
    """The awards a record calls for: those of a sheet revealed by this change (Poison when unreadable)."""
    return _revealed(raw)[1]


def _revealed(raw: Any) -> tuple[RatingSheet | None, list[points.Award]]:
    new = _sheet(raw, "NewImage")
    if raw.get("eventName") == "REMOVE":
        return None, []
    if new is None:
        raise Poison("no NewImage: the stream must be NEW_AND_OLD_IMAGES")
    old = _sheet(raw, "OldImage")
    if not new.revealed or (old is not None and old.revealed):
        return new, []
    found = []
    for side in Side:
        rating = rating_of(new, side)
        if rating is None:
            continue
        score = rating.score
        if (isinstance(score, bool) or not isinstance(score, (int, float, Decimal)) or int(score) != score
                or not 1 <= int(score) <= 5):
            raise Poison(f"{side.value} score {score!r} is not 1..5")
        if rating.rated_at is None:
            raise Poison(f"{side.value} rating has no rated_at")
        found.append(points.Award(rating_id=rating_id(new.demand_id, new.applicant_id, side),
                                  account_id=rated_account(new, side), score=int(score), side=side.value,
                                  demand_id=new.demand_id, applicant_id=new.applicant_id,
                                  demand_title=new.demand_title, rater_name=rater_name(new, side),
                                  rated_at=rating.rated_at))
    return new, found


def _drafts(award: points.Award, revealed_at) -> list[Draft]:
    source = f"ratings/{award.rating_id}"
    return [
        Draft(account_id=award.account_id, type=NotificationType.RATING_RECEIVED, at=revealed_at, source=source,
              body=f"{award.rater_name}就需求《{award.demand_title}》给您评了{award.score}星。",
              link_kind="claim", link_id=claim_id(award.demand_id, award.applicant_id)),
        Draft(account_id=award.account_id, type=NotificationType.POINTS_AWARDED, at=revealed_at, source=source,
              body=f"需求《{award.demand_title}》的评分为您带来{points.points_for(award.score)}积分。",
              link_kind="points", link_id=award.rating_id),
    ]


def apply_record(raw: Any) -> None:
    sheet, awards = _revealed(raw)
    if not awards:
        return
    revealed_at = sheet.revealed_at or sheet.updated_at
    for award in awards:
        if points.award(award):
            log.info("%s: awarded %s points to %s for %s", SOURCE, points.points_for(award.score),
                     award.account_id, award.rating_id)
        for draft in _drafts(award, revealed_at):   # also on a re-delivery: each draft lands once
            notifications.deliver(draft)
    log.debug("%s: claim %s revealed", SOURCE, claim_id(sheet.demand_id, sheet.applicant_id))
