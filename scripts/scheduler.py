"""The app's scheduled jobs, fired by the local stack at their time (never shipped).

`chalice local` runs no schedules. The local stack calls `LocalScheduler.tick()` from its loop; each
job in `chalicelib.events.consumers.SCHEDULED_JOBS` runs the same function its Lambda runs:
- a Rate job at start, then every `every_seconds`;
- a daily Cron job at its UTC hour and minute, and once at start to catch up on the days the stack
  was stopped (the jobs are idempotent, so an extra run changes nothing).
A failing job is logged and tried again at its next time; the stack keeps serving.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

log = logging.getLogger("scheduler")


def next_daily(after: datetime, hour: int, minute: int) -> datetime:
    candidate = after.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return candidate if candidate > after else candidate + timedelta(days=1)


class LocalScheduler:
    def __init__(self, jobs, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.jobs = list(jobs)
        self.now = now
        start = now()
        self.due = {job.function_name: start for job in self.jobs}   # everything runs once at start

    def tick(self) -> list[str]:
        """Run the jobs that are due; returns their names."""
        ran = []
        moment = self.now()
        for job in self.jobs:
            if moment < self.due[job.function_name]:
                continue
            try:
                result = job.run()
                log.info("%s: %s", job.function_name, result)
            except Exception:   # noqa: BLE001 - logged; the next time comes anyway
                log.exception("%s failed", job.function_name)
            self.due[job.function_name] = self._next(job, moment)
            ran.append(job.function_name)
        return ran

    @staticmethod
    def _next(job, moment: datetime) -> datetime:
        if job.every_seconds:
            return moment + timedelta(seconds=job.every_seconds)
        hour, minute = job.daily_at_utc
        return next_daily(moment, hour, minute)
