"""Bodies and answers of ratings (评分), 待评分 and 我的积分."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, Strict, ValidationInfo, field_validator

from chalicelib.schemas.common import InputModel, OutputModel, PageQuery, UtcTime, example, text

LOW_SCORE = 2                 # a score of 1 or 2 must say why
LOW_SCORE_COMMENT_MIN = 10    # characters, after trimming, as the form counts them

RatingSide = Literal["publisher", "claimant"]


class RatingIn(InputModel):
    model_config = example({"score": 5, "comment": "老师认真负责，孩子进步明显"})

    score: Annotated[int, Strict(), Field(ge=1, le=5)]
    comment: text(200) | None = Field(default=None, validate_default=True)

    @field_validator("comment")
    @classmethod
    def _low_scores_say_why(cls, comment: str | None, info: ValidationInfo) -> str | None:
        score = info.data.get("score")
        if isinstance(score, int) and score <= LOW_SCORE and len(comment or "") < LOW_SCORE_COMMENT_MIN:
            raise ValueError(f"评分为1或2星时，请填写至少{LOW_SCORE_COMMENT_MIN}个字的评价")
        return comment


class RatingOut(OutputModel):
    """One rating. `side` is who gave it: the publisher (about the claimant) or the claimant."""

    rating_id: str
    side: RatingSide
    rater_name: str
    rated_name: str
    score: int
    comment: str | None
    rated_at: UtcTime


class ClaimRatingsOut(OutputModel):
    """A party's view of its claim's ratings: its own always; the other side's once revealed."""

    claim_id: str
    demand_id: str
    demand_title: str
    my_side: RatingSide
    mine: RatingOut | None
    about_me: RatingOut | None = Field(description="null until both sides rated or the 14-day window closed")
    revealed: bool
    i_owe: bool = Field(description="the caller may still rate (待评分)")
    window_closes_at: UtcTime | None


class PublicClaimRatingsOut(OutputModel):
    claim_id: str
    publisher_name: str
    claimant_name: str
    ratings: list[RatingOut]


class PublicRatingListOut(OutputModel):
    items: list[PublicClaimRatingsOut]


class OwedRatingOut(OutputModel):
    """待评分: a claim the caller still has to rate."""

    claim_id: str
    demand_id: str
    demand_title: str
    rate_name: str = Field(description="the organization to rate")
    confirmed_at: UtcTime
    window_closes_at: UtcTime


class OwedRatingPageOut(OutputModel):
    items: list[OwedRatingOut]
    next_cursor: str | None


class OwedRatingsQuery(PageQuery):
    """待评分 list."""


class PointEntryOut(OutputModel):
    entry_id: str
    points: int
    reason: Literal["rating"]
    score: int
    rating_id: str
    claim_id: str
    demand_id: str
    demand_title: str
    rater_name: str
    at: UtcTime


class PointsOut(OutputModel):
    """我的积分: the balance and one page of the ledger behind it, newest first."""

    balance: int | None = Field(description="the balance, on the first page only (null on the pages after)")
    items: list[PointEntryOut]
    next_cursor: str | None


class PointsQuery(PageQuery):
    """我的积分 ledger page."""
