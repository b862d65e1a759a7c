"""HTTP middleware: one error shape for everything, CORS, headers every answer carries, and the request's log
keys and metrics (the one place that sets them, and clears them after each request)."""
from __future__ import annotations

import functools
import logging

from chalice import Response

from chalicelib import observability
from chalicelib.api import cors
from chalicelib.api.routing import caller_if_any, normalise_chalice_error
from chalicelib.config import get_settings
from chalicelib.errors import ErrorCode, error_body

log = logging.getLogger(__name__)

SECURITY_HEADERS = {   # also on API Gateway's own answers (scripts/api_gateway.py)
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


def http_middleware(event, get_response):
    # The route is the resource path (`/demands/{demand_id}`): it groups a route's lines, and no path or query
    # value (an id, a search word) reaches the logs.
    with observability.invocation(correlation_id=(event.context or {}).get("requestId"),
                                  route=f"{event.method} {event.path}"):
        return _answer(event, get_response)


def _answer(event, get_response):
    origin = event.headers.get("origin")
    allowed = get_settings().cors_allowed_origins
    if event.method == "OPTIONS":
        # A preflight (or a plain OPTIONS): answered here, before any view, so it loads no route module and
        # reads no table. API Gateway sends OPTIONS of every path here (scripts/api_gateway.py).
        response = Response(body="", status_code=204,
                            headers=cors.preflight_headers(origin, allowed, _methods(event.path)))
    else:
        try:
            caller = caller_if_any(event)
            observability.add_log_keys(account_id=caller and caller.account_id, role=caller and caller.role.value)
            response = get_response(event)
        except Exception:  # a bug: logged with its trace, answered in the API's error shape
            log.exception("unhandled error on %s %s", getattr(event, "method", "?"), getattr(event, "path", "?"))
            response = Response(body=error_body(ErrorCode.INTERNAL_ERROR), status_code=500)
        response = normalise_chalice_error(response)
    response.headers.update(cors.answer_headers(origin, allowed))
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _methods(resource_path: str) -> list[str]:
    return [*_methods_by_path().get(resource_path, ()), "OPTIONS"]


@functools.cache
def _methods_by_path() -> dict[str, tuple[str, ...]]:
    # The route index is what app.py registers (tests/test_route_index.py), so it names each path's methods.
    from chalicelib.api.route_index import ROUTES

    by_path: dict[str, list[str]] = {}
    for route in ROUTES:
        by_path.setdefault(route.path, []).append(route.method)
    return {path: tuple(sorted(methods)) for path, methods in by_path.items()}
