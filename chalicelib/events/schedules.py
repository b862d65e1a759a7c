"""Scheduled jobs: each runs the same service function the operator's run-now command calls."""
from __future__ import annotations

import logging
from datetime import datetime

from chalicelib import clock
from chalicelib.services import ratings, stats

log = logging.getLogger(__name__)


def daily_totals(day: str | None = None) -> dict:
    """Totals of `day` (YYYY-MM-DD or YYYYMMDD; default: yesterday in CST), computing any missing day before it.
    Answers the day as YYYY-MM-DD, like every calendar date the platform shows."""
    target = day or stats.yesterday()
    stored = stats.compute(target)
    log.info("daily totals %s: %s demands, %s claims (%s events)", stored.day, stored.total.demands_total,
             stored.total.claims_total, stored.events_counted)
    return {"day": stats.shown_day(stored.day).isoformat(), "demands_total": int(stored.total.demands_total),
            "claims_total": int(stored.total.claims_total), "events_counted": int(stored.events_counted)}


def reveal_ratings(now: datetime | None = None) -> dict:
    revealed = ratings.reveal_due(now or clock.now())
    log.info("rating windows closed: %d sheet(s) revealed", revealed)
    return {"revealed": revealed}
