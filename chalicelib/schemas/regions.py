"""所在地区: the region an organization or a demand is in (Guangdong only).

Its own module: demands and claims answer with a region, and should not load every organization form
to get it (a route's first call imports its schemas; docs/performance.md, "Cold start")."""
from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from chalicelib.reference import GUANGDONG_CITIES, PROVINCE
from chalicelib.schemas.common import InputModel, OutputModel, one_of, text


def _province(value: str) -> str:
    if value not in (PROVINCE, "广东"):
        raise ValueError("本平台仅服务广东省")
    return PROVINCE


City = Annotated[str, one_of(GUANGDONG_CITIES, "所在市")]


class RegionIn(InputModel):
    province: Annotated[str, StringConstraints(max_length=10), AfterValidator(_province)]
    city: City
    district: text(30) | None = None


class RegionOut(OutputModel):
    province: str
    city: str
    district: str | None = None
