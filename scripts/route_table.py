#!/usr/bin/env python3
"""Print the route table of docs/architecture.md from the app itself (never shipped).

    .venv/bin/python scripts/route_table.py

A test fails when a route is missing from the document, so regenerate after adding one.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rows(app) -> list[str]:
    lines = ["| method | path | roles |", "| --- | --- | --- |"]
    for path, methods in sorted(app.routes.items()):
        for method, entry in sorted(methods.items()):
            access = entry.view_function.access
            roles = "anyone" if access.public else ", ".join(sorted(role.value for role in access.roles))
            if access.during_password_change:
                roles += " (also before the first password change)"
            lines.append(f"| {method} | `{path}` | {roles} |")
    return lines


def main() -> int:
    # The app validates its configuration at import; a harmless local one is enough to list routes.
    os.environ.setdefault("TABLE_PREFIX", "docs-")
    os.environ.setdefault("AWS_DEFAULT_REGION", "cn-north-1")
    os.environ.setdefault("TOKEN_SIGNING_KEY", "x" * 32)
    os.environ.setdefault("SMS_CODE_KEY", "x" * 32)
    sys.path.insert(0, str(ROOT))
    from app import app

    print("\n".join(rows(app)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
