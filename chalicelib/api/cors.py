"""CORS: which pages on other origins may call the API from a browser, and the headers that tell them.

The stage names its allowed origins (CORS_ALLOWED_ORIGINS, validated in chalicelib/config.py); none in
production, where the H5 is served from the API's own origin. An allowed origin is echoed, one at a
time, never `*`; any other origin gets no Access-Control-Allow-Origin, so its browser keeps the answer
from the page. No Access-Control-Allow-Credentials: the API authenticates with a bearer token the page
sets itself, never a cookie (docs/decisions.md, "API Gateway's own answers and CORS").

The same constants shape API Gateway's own error answers (scripts/api_gateway.py).
"""
from __future__ import annotations

ALLOWED_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key")
EXPOSED_HEADERS = ("Retry-After",)   # what a page must read besides the body: when to try a 429 again
# Chromium's cap: a page preflights a route at most every 2 hours, each one a Lambda call.
PREFLIGHT_MAX_AGE_SECONDS = 7200


def answer_headers(origin: str | None, allowed: tuple[str, ...]) -> dict[str, str]:
    """The CORS headers of an answer to a request that came with `origin` (its Origin header)."""
    if not allowed:
        return {}   # no cross-origin caller: the answer does not depend on Origin
    headers = {"Vary": "Origin"}
    if origin in allowed:
        headers["Access-Control-Allow-Origin"] = origin
        headers["Access-Control-Expose-Headers"] = ", ".join(EXPOSED_HEADERS)
    return headers


def preflight_headers(origin: str | None, allowed: tuple[str, ...], methods: list[str]) -> dict[str, str]:
    """The answer to OPTIONS on a path whose routes have `methods`: Allow for anyone, CORS for an allowed page."""
    headers = {"Allow": ", ".join(methods), **answer_headers(origin, allowed)}
    if origin in allowed:
        headers["Access-Control-Allow-Methods"] = ", ".join(methods)
        headers["Access-Control-Allow-Headers"] = ", ".join(ALLOWED_HEADERS)
        headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_SECONDS)
    return headers
