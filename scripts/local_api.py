#!/usr/bin/env python3
"""`chalice local` behind a gateway shaped like the deployed one (never shipped): scripts/local_stack.py runs it.

    .venv/bin/python scripts/local_api.py --stage dev --port 8000 --no-autoreload   # chalice local's options

An unknown path answers API Gateway's gateway response (the API's error shape) and every OPTIONS reaches
the app, which answers preflights from CORS_ALLOWED_ORIGINS (scripts/api_gateway.py). That variable comes
from this process's environment when set there (the local stack adds its --allow-origin pages to the dev
stage's), not from .chalice/config.json, which chalice local would otherwise apply over it.
"""
from __future__ import annotations

import os
import sys

from api_gateway import use_deployed_gateway
from chalice.cli import main
from chalice.cli.factory import CLIFactory
from stage_config import CORS_VARIABLE

_load_chalice_app = CLIFactory.load_chalice_app


def _load_with_local_origins(self, environment_variables=None, **kwargs):
    if environment_variables is not None and CORS_VARIABLE in os.environ:
        environment_variables = {**environment_variables, CORS_VARIABLE: os.environ[CORS_VARIABLE]}
    return _load_chalice_app(self, environment_variables, **kwargs)


if __name__ == "__main__":
    use_deployed_gateway()
    CLIFactory.load_chalice_app = _load_with_local_origins
    sys.argv = ["chalice", "local", *sys.argv[1:]]
    sys.exit(main())
