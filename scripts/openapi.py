#!/usr/bin/env python3
"""Write the OpenAPI document of the app to docs/openapi.json (never shipped).

    .venv/bin/python scripts/openapi.py           # regenerate docs/openapi.json
    .venv/bin/python scripts/openapi.py --check   # exit 1 when the committed file is stale

The app serves the same document at GET /openapi.json; a test fails when the committed file is stale,
so regenerate after changing a route or a model.
"""
from __future__ import annotations

import sys
from pathlib import Path

import generated_files

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "openapi.json"


def current_text() -> str:
    generated_files.importable_app()
    from app import app
    from chalicelib.api.openapi import build_document, render

    return render(build_document(app.routes), indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    return generated_files.run(__doc__.splitlines()[0], "openapi.py", lambda: {DOCUMENT: current_text()}, argv)


if __name__ == "__main__":
    sys.exit(main())
