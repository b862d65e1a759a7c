"""/stats/totals: the home page's 数据统计 (数据截止至昨日), as stored by the daily job."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api.routing import ANYONE, Call, endpoint
from chalicelib.schemas.notifications import CityCountsOut, CountsOut, TotalsOut
from chalicelib.services import stats

bp = Blueprint(__name__)
_ZERO = CountsOut(demands_total=0, claims_total=0, demands_new=0, claims_new=0, claims_ended=0)


def _counts(raw) -> dict[str, int]:
    values = stats.plain(raw)
    return {name: int(values.get(name, 0)) for name in CountsOut.model_fields}


@endpoint(bp, "/stats/totals", "GET", roles=ANYONE, response=TotalsOut)
def totals(call: Call) -> TotalsOut:
    stored = stats.latest()
    if stored is None:
        return TotalsOut(as_of=None, total=_ZERO, cities=[])
    cities = stats.plain(stored.cities)
    return TotalsOut(as_of=stats.shown_day(stored.day), total=CountsOut(**_counts(stored.total)),
                     cities=[CityCountsOut(city=city, **_counts(counts)) for city, counts in sorted(cities.items())])
