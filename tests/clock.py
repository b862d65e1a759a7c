"""The frozen clock tests move by hand (the `now` fixture in conftest.py sets `chalicelib.clock.now` to it)."""
from __future__ import annotations

from datetime import UTC, datetime

T0 = datetime(2099, 6, 1, 0, 0, tzinfo=UTC)          # 08:00 CST; a multiple of the code window


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at
