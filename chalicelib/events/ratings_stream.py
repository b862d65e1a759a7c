"""The ratings table's stream → points for the rated organization.

A record is a change of a `RatingSheet`. Every rating present in the new image and absent from the
old one is awarded (`services.points.award`, idempotent by rating id). Records that carry no new
rating (the sheet written at confirmation, owed keys removed at withdrawal, REMOVE) change nothing.
"""
from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from chalicelib.data.ratings import RatingSheet
from chalicelib.events.records import Poison, run_batch
from chalicelib.services import points
from chalicelib.services.ratings import Side, rated_account, rater_name, rating_id, rating_of

SOURCE = "ratings-stream"
log = logging.getLogger(__name__)


def handle(event: Any) -> dict[str, list]:
    """The Chalice handler body: `event` is a chalice DynamoDBEvent (or the raw Lambda event)."""
    raw = event.to_dict() if hasattr(event, "to_dict") else event
    records = raw.get("Records") if isinstance(raw, dict) else None
    return run_batch(SOURCE, records if isinstance(records, list) else [], apply_record)


def _image(raw: dict, name: str) -> RatingSheet | None:
    image = raw["dynamodb"].get(name)
    if image is None:
        return None
    try:
        sheet = RatingSheet.from_raw_data(image)
        for field in ("demand_id", "applicant_id", "publisher_id", "publisher_name", "claimant_name",
                      "demand_title", "confirmed_at"):
            if not getattr(sheet, field):
                raise ValueError(f"{field} is missing")
    except Exception as exc:   # noqa: BLE001 - whatever the image is, it is not a sheet
        raise Poison(f"{name} does not parse: {type(exc).__name__}: {exc}") from exc
    return sheet


def awards_in(raw: Any) -> list[points.Award]:
    """The awards a record calls for (Poison when it cannot be read)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("dynamodb"), dict):
        raise Poison("not a DynamoDB stream record")
    if raw.get("eventName") == "REMOVE":
        return []
    new, old = _image(raw, "NewImage"), _image(raw, "OldImage")
    if new is None:
        raise Poison("no NewImage: the stream must be NEW_AND_OLD_IMAGES")
    found = []
    for side in Side:
        rating = rating_of(new, side)
        if rating is None or (old is not None and rating_of(old, side) is not None):
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
    return found


def apply_record(raw: Any) -> None:
    for award in awards_in(raw):
        if points.award(award):
            log.info("%s: awarded %s points to %s for %s", SOURCE, points.points_for(award.score),
                     award.account_id, award.rating_id)
