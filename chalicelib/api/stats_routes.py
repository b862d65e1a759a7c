"""/stats/totals: the home page's 数据统计 (数据截止至昨日), as stored by the daily job."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api.notification_views import day_totals
from chalicelib.api.routing import ANYONE, Call, endpoint
from chalicelib.schemas.notifications import CountsOut, TotalsOut
from chalicelib.services import stats

bp = Blueprint(__name__)
_ZERO = CountsOut(demands_total=0, claims_total=0, demands_new=0, claims_new=0, claims_ended=0)


@endpoint(bp, "/stats/totals", "GET", roles=ANYONE, response=TotalsOut)
def totals(call: Call) -> TotalsOut:
    stored = stats.latest()
    if stored is None:
        return TotalsOut(as_of=None, total=_ZERO, cities=[])
    day = day_totals(stored)
    return TotalsOut(as_of=day.day, total=day.total, cities=day.cities)
