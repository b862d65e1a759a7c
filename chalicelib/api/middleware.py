"""HTTP middleware: one error shape for everything, and headers every answer carries."""
from __future__ import annotations

import logging

from chalice import Response

from chalicelib.api.routing import normalise_chalice_error
from chalicelib.errors import ErrorCode, error_body

log = logging.getLogger(__name__)

_SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


def http_middleware(event, get_response):
    try:
        response = get_response(event)
    except Exception:  # a bug: logged with its trace, answered in the API's error shape
        log.exception("unhandled error on %s %s", getattr(event, "method", "?"), getattr(event, "path", "?"))
        response = Response(body=error_body(ErrorCode.INTERNAL_ERROR), status_code=500)
    response = normalise_chalice_error(response)
    for name, value in _SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
