"""/openapi.json (the API contract) and, in the dev stage, /docs (Swagger UI over it, no CDN).

Both answer RAW (not API JSON) and stay out of the document they serve. The document is built on
the first request of a process, never at import: cold starts do not pay for it.
"""
from __future__ import annotations

import functools
import importlib.util

from chalice import Blueprint, Chalice, Response

from chalicelib.api.openapi import build_document, render
from chalicelib.api.routing import ANYONE, RAW, Call, endpoint
from chalicelib.config import get_settings
from chalicelib.errors import AppError, ErrorCode

bp = Blueprint(__name__)

EXPLORER_PACKAGE = "swagger_ui_bundle"   # PyPI swagger-ui-bundle-v2 (Swagger UI 5: OpenAPI 3.1), dev only
# The only files served from the package, with their types (text, so API Gateway needs no binary types).
EXPLORER_ASSETS = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
}

# Relative URLs: the page works under an API Gateway stage prefix too (/api/docs → /api/openapi.json).
_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>青年云支教 API</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/initializer.js"></script>
</body>
</html>
"""

# "Authorize" takes the access_token of POST /auth/login (bearer); it survives a page reload.
_INITIALIZER = """window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    displayRequestDuration: true,
    tryItOutEnabled: true
  });
};
"""


@endpoint(bp, "/openapi.json", "GET", roles=ANYONE, response=RAW)
def openapi_document(call: Call) -> Response:
    return Response(body=_document_text(call.app), status_code=200,
                    headers={"Content-Type": "application/json; charset=utf-8"})


@functools.cache
def _document_text(app: Chalice) -> str:
    # Built on the first call: reading every route's declaration imports every route module.
    return render(build_document(app.routes))


@endpoint(bp, "/docs", "GET", roles=ANYONE, response=RAW)
def explorer_page(call: Call) -> Response:
    _require_explorer()
    return _text(_PAGE, "text/html; charset=utf-8")


@endpoint(bp, "/docs/{asset}", "GET", roles=ANYONE, response=RAW)
def explorer_asset(call: Call, asset: str) -> Response:
    _require_explorer()
    if asset == "initializer.js":
        return _text(_INITIALIZER, "text/javascript; charset=utf-8")
    if asset not in EXPLORER_ASSETS:
        raise AppError(ErrorCode.NOT_FOUND)
    return _text(_asset_text(asset), EXPLORER_ASSETS[asset])


def explorer_available() -> bool:
    """The dev stage with the explorer package installed (requirements-dev.txt; never shipped to Lambda)."""
    return get_settings().stage == "dev" and importlib.util.find_spec(EXPLORER_PACKAGE) is not None


def _require_explorer() -> None:
    if not explorer_available():
        raise AppError(ErrorCode.NOT_FOUND)


@functools.cache
def _asset_text(name: str) -> str:
    from swagger_ui_bundle import swagger_ui_path  # here: a dev-only package (the explorer), not in Lambda

    return (swagger_ui_path / name).read_text(encoding="utf-8")


def _text(body: str, content_type: str) -> Response:
    return Response(body=body, status_code=200, headers={"Content-Type": content_type})
