"""The entry point the generator scripts share: write their committed outputs, or `--check` them.

Each generated file is committed (reviewable in diffs, read by tools that do not run Python) and a test
or CI step runs the generator with `--check`, which writes nothing and exits 1 when a file is stale.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def importable_app() -> None:
    """Make app.py and the route modules importable: the app validates its configuration at import, and a
    harmless local one is enough to list routes (the environment's own values win)."""
    for name, value in {"TABLE_PREFIX": "docs-", "AWS_DEFAULT_REGION": "cn-north-1",
                        "TOKEN_SIGNING_KEY": "x" * 32, "SMS_CODE_KEY": "x" * 32}.items():
        os.environ.setdefault(name, value)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def run(description: str, script: str, wanted: Callable[[], dict[Path, str]], argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when a file is stale")
    args = parser.parse_args(argv)
    files = wanted()
    stale = [path for path, text in files.items() if not path.exists() or path.read_text(encoding="utf-8") != text]
    if args.check:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is stale: run scripts/{script}", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[path], encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    if not stale:
        print(f"{', '.join(str(path.relative_to(ROOT)) for path in files)}: up to date")
    return 0


def with_section(path: Path, name: str, body: str) -> str:
    """`path`'s text with what lies between `<!-- generated: name -->` and the next `<!-- end generated -->`
    replaced by `body`: a generated part of a hand-written document."""
    text = path.read_text(encoding="utf-8")
    start, end = f"<!-- generated: {name} -->\n", "<!-- end generated -->"
    if start not in text:
        raise SystemExit(f"{path.relative_to(ROOT)} has no '{start.strip()}' marker")
    head, rest = text.split(start, 1)
    return head + start + body + rest[rest.index(end):]
