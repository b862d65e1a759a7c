#!/usr/bin/env python3
"""Write the request-budget tables of docs/performance.md from the requests the budget tour measures.

    .venv/bin/python scripts/budget_tables.py           # run the tour, rewrite the tables
    .venv/bin/python scripts/budget_tables.py --check   # exit 1 when the tables differ from a fresh tour

The tour (tests/route_tour.py) runs in tests/test_request_budget.py (it needs the fixtures: moto, the
SMS outbox, the clock),
so this runs that test, which writes the tables itself when YCE_WRITE_BUDGET=1 and otherwise fails
when they are stale. The kinds of call, their ceilings and the table's shape are here.
"""
from __future__ import annotations

import os
import subprocess
import sys
import typing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "performance.md"
SECTION = "request budget"
WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"})

# The ceiling of each kind of call, in DynamoDB requests (docs/performance.md, "Request budget").
LIST, DETAIL, COUNTER, TRANSITION = "list", "detail", "我的 counter", "transition"
CEILINGS = {LIST: "≤ 2 requests (a parent's GetItem + 1 Query)", DETAIL: "≤ 2 requests",
            COUNTER: "1 request", TRANSITION: "≤ 1 write + ≤ 1 read"}


def writes(calls: tuple[str, ...]) -> int:
    return sum(1 for call in calls if call.split(" ")[0] in WRITES)


def kind(method: str, response: typing.Any) -> str:
    """A route's kind, from its declaration: a write is a transition; a read answering `items` a list, one
    answering only numbers (and the Literal telling its answer models apart) a 我的 counter, any other a detail."""
    if method != "GET":
        return TRANSITION
    fields = {name: field for model in typing.get_args(response) or (response,)
              for name, field in getattr(model, "model_fields", {}).items()}
    if "items" in fields:
        return LIST
    numbers = [field for field in fields.values() if field.annotation is int]
    if numbers and all(field.annotation is int or typing.get_origin(field.annotation) is typing.Literal
                       for field in fields.values()):
        return COUNTER
    return DETAIL


def within(kind_: str, calls: tuple[str, ...]) -> bool:
    if kind_ == TRANSITION:
        return writes(calls) <= 1 and len(calls) - writes(calls) <= 1
    return len(calls) <= (1 if kind_ == COUNTER else 2)


def tables(measured: dict[str, tuple[str, ...]], kinds: dict[str, str], past_ceiling: dict[str, str]) -> str:
    """The generated part of the section: one table per kind, then why each route past its ceiling is."""
    out = []
    for kind_, ceiling in CEILINGS.items():
        out += [f"### {kind_[0].upper() + kind_[1:]}s (ceiling: {ceiling})\n",
                "| route (variant) | within | reads | writes | DynamoDB requests, in order |",
                "| --- | --- | --- | --- | --- |"]
        for key in sorted((k for k in measured if kinds[k] == kind_), key=lambda k: (k.split(" ")[1], k)):
            calls = measured[key]
            verdict = "yes" if within(kind_, calls) else "**no**: below"
            out.append(f"| `{key}` | {verdict} | {len(calls) - writes(calls)} | {writes(calls)} | {', '.join(calls)} |")
        out.append("")
    out.append("Past their ceiling, and why:\n")
    out += [f"- `{key}`: {why}" for key, why in sorted(past_ceiling.items())]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    check = "--check" in (argv if argv is not None else sys.argv[1:])
    env = {**os.environ, **({} if check else {"YCE_WRITE_BUDGET": "1"})}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "tests/test_request_budget.py",
                           "-k", "ceiling"], cwd=ROOT, env=env)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
