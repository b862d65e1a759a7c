"""HTTP middleware: one error shape for everything, CORS, and headers every answer carries."""
from __future__ import annotations

import functools
import logging

from chalice import Response

from chalicelib.api import cors
from chalicelib.api.routing import normalise_chalice_error
from chalicelib.config import get_settings
from chalicelib.errors import ErrorCode, error_body

log = logging.getLogger(__name__)

SECURITY_HEADERS = {   # also on API Gateway's own answers (scripts/api_gateway.py)
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


def http_middleware(event, get_response):
    origin = event.headers.get("origin")
    allowed = get_settings().cors_allowed_origins
    if event.method == "OPTIONS":
        # A preflight (or a plain OPTIONS): answered here, before any view, so it loads no route module and
        # reads no table. API Gateway sends OPTIONS of every path here (scripts/api_gateway.py).
        response = Response(body="", status_code=204,
                            headers=cors.preflight_headers(origin, allowed, _methods(event.path)))
    else:
        try:
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
