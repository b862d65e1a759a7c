#!/usr/bin/env python3
"""Write the route table of docs/architecture.md ("Routes") from the app itself (never shipped).

    .venv/bin/python scripts/route_table.py           # rewrite the table between its markers
    .venv/bin/python scripts/route_table.py --check   # exit 1 when the table is stale
"""
from __future__ import annotations

import sys
from pathlib import Path

import generated_files

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "architecture.md"


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


def current_text() -> str:
    generated_files.importable_app()
    from app import app

    return generated_files.with_section(DOCUMENT, "route table", "\n".join(rows(app)) + "\n")


def main(argv: list[str] | None = None) -> int:
    return generated_files.run(__doc__.splitlines()[0], "route_table.py", lambda: {DOCUMENT: current_text()}, argv)


if __name__ == "__main__":
    sys.exit(main())
