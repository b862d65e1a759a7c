#!/usr/bin/env python3
"""`chalice local` shaped like the deployed site (never shipped): scripts/local_stack.py runs it.

    .venv/bin/python scripts/local_api.py --stage dev --port 8000 --no-autoreload   # chalice local's options

One origin, as CloudFront gives the deployed one: `/api/…` is the API (API Gateway's `api` stage), every
other path the H5 client built in `YCE_CLIENT_DIR` (web/dist; `index.html` for the client's own routes,
which it routes in the browser). Under /api an unknown path answers API Gateway's gateway response (the
API's error shape) and every OPTIONS reaches the app, which answers preflights from CORS_ALLOWED_ORIGINS
(scripts/api_gateway.py). That variable and SMS_SENDER come from this process's environment when set there
(the local stack adds its --allow-origin pages to the dev stage's, and texts to the console), not from
.chalice/config.json, which chalice local would otherwise apply over them.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import chalice.local
import web_files
from api_gateway import DeployedGateway, use_deployed_gateway
from chalice.cli import main
from chalice.cli.factory import CLIFactory
from stage_config import CORS_VARIABLE

API_PREFIX = "/api"
CLIENT_DIR_VARIABLE = "YCE_CLIENT_DIR"
_load_chalice_app = CLIFactory.load_chalice_app


# What the local stack sets for itself over the stage's values (scripts/devenv.py): its CORS origins, the console
# SMS sender, and the certificate PDF drawn in process (the stage's `lambda` renderer has no function here).
LOCAL_VARIABLES = (CORS_VARIABLE, "SMS_SENDER", "CERTIFICATE_RENDERER", "PUBLIC_H5_ORIGIN")


def _load_with_local_values(self, environment_variables=None, **kwargs):
    if environment_variables is not None:
        local = {name: os.environ[name] for name in LOCAL_VARIABLES if name in os.environ}
        environment_variables = {**environment_variables, **local}
    return _load_chalice_app(self, environment_variables, **kwargs)


class LocalSite(DeployedGateway):
    """The API under /api (the prefix removed before routing, as API Gateway's stage does), the client's
    files everywhere else."""

    def handle_request(self, method, path, headers, body):
        route, _, query = path.partition("?")
        if route == API_PREFIX or route.startswith(API_PREFIX + "/"):
            inner = (route[len(API_PREFIX):] or "/") + (f"?{query}" if query else "")
            return super().handle_request(method=method, path=inner, headers=headers, body=body)
        return client_file(route)


def client_file(route: str) -> dict:
    """A file of the built client; a path without one is a client route: index.html. Headers as the web
    bucket serves them (scripts/web_files.py)."""
    root = Path(os.environ.get(CLIENT_DIR_VARIABLE, "")).resolve()
    if not os.environ.get(CLIENT_DIR_VARIABLE) or not (root / "index.html").is_file():
        return _answer(404, "text/plain; charset=utf-8", b"The H5 client is not built: make run builds it.")
    wanted = (root / route.lstrip("/")).resolve()
    if wanted.is_relative_to(root) and wanted.is_file():
        return _answer(200, web_files.content_type(wanted.name), wanted.read_bytes(), web_files.cache_control(route))
    return _answer(200, web_files.content_type("index.html"), (root / "index.html").read_bytes(),
                   web_files.cache_control("index.html"))


def _answer(status: int, content_type: str, body: bytes, cache: str = "no-cache") -> dict:
    return {"statusCode": status, "headers": {"Content-Type": content_type, "Cache-Control": cache},
            "multiValueHeaders": {}, "body": body}


if __name__ == "__main__":
    use_deployed_gateway()
    chalice.local.LocalGateway = LocalSite
    CLIFactory.load_chalice_app = _load_with_local_values
    sys.argv = ["chalice", "local", *sys.argv[1:]]
    sys.exit(main())
