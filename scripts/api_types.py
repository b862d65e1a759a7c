#!/usr/bin/env python3
"""Write web/src/api/schema.d.ts: openapi-typescript's output (default options) for the OpenAPI document.

    .venv/bin/python scripts/api_types.py           # regenerate (after scripts/openapi.py)
    .venv/bin/python scripts/api_types.py --check   # exit 1 when the committed file is stale

The front end's typed client imports it (docs/api.md, "Typed client"); it is built from the document as
scripts/openapi.py writes it now, so a stale docs/openapi.json cannot hide a stale type file. Needs the web
tools (`make test` installs them: npm ci in web/).
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import generated_files
import openapi

ROOT = Path(__file__).resolve().parent.parent
TYPES = ROOT / "web" / "src" / "api" / "schema.d.ts"
OPENAPI_TYPESCRIPT = ROOT / "web" / "node_modules" / ".bin" / "openapi-typescript"


def current_text() -> str:
    with tempfile.TemporaryDirectory() as scratch:
        document, types = Path(scratch) / "openapi.json", Path(scratch) / "schema.d.ts"
        document.write_text(openapi.current_text(), encoding="utf-8")
        subprocess.run([str(OPENAPI_TYPESCRIPT), str(document), "--output", str(types)],
                       check=True, capture_output=True, timeout=120)
        return types.read_text(encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    return generated_files.run(__doc__.splitlines()[0], "api_types.py", lambda: {TYPES: current_text()}, argv)


if __name__ == "__main__":
    sys.exit(main())
