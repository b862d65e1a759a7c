#!/usr/bin/env python3
"""Write the OpenAPI document of the app to docs/openapi.json (never shipped).

    .venv/bin/python scripts/openapi.py           # regenerate docs/openapi.json
    .venv/bin/python scripts/openapi.py --check   # exit 1 when the committed file is stale

The app serves the same document at GET /openapi.json; a test fails when the committed file is stale,
so regenerate after changing a route or a model.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import generated_files

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "openapi.json"


def current_text() -> str:
    # The app validates its configuration at import; a harmless local one is enough to list routes.
    for name, value in {"TABLE_PREFIX": "docs-", "AWS_DEFAULT_REGION": "cn-north-1",
                        "TOKEN_SIGNING_KEY": "x" * 32, "SMS_CODE_KEY": "x" * 32}.items():
        os.environ.setdefault(name, value)
    sys.path.insert(0, str(ROOT))
    from app import app
    from chalicelib.api.openapi import build_document, render

    return render(build_document(app.routes), indent=2) + "\n"


def main() -> int:
    return generated_files.run(__doc__.splitlines()[0], "openapi.py", lambda: {DOCUMENT: current_text()})


if __name__ == "__main__":
    sys.exit(main())
