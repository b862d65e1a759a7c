"""Time in one place, so tests can move it and every rule uses the same "now"."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

CST = timezone(timedelta(hours=8), "Asia/Shanghai")  # China Standard Time, no DST


def now() -> datetime:
    return datetime.now(UTC)


def cst_date(moment: datetime) -> str:
    """The China Standard Time calendar day of `moment`, as YYYYMMDD."""
    return moment.astimezone(CST).strftime("%Y%m%d")
