"""/health: liveness for load balancers and the local-stack readiness probe."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api.routing import ANYONE, Call, endpoint
from chalicelib.config import get_settings
from chalicelib.schemas.common import OutputModel

bp = Blueprint(__name__)


class HealthOut(OutputModel):
    status: str
    stage: str


@endpoint(bp, "/health", "GET", roles=ANYONE, response=HealthOut)
def health(call: Call) -> HealthOut:
    return HealthOut(status="ok", stage=get_settings().stage)
