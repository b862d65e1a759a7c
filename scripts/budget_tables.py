#!/usr/bin/env python3
"""Print the request-budget tables of docs/performance.md from BUDGET in tests/test_request_budget.py.

    .venv/bin/python scripts/budget_tables.py

A test fails when a row of the document differs from BUDGET, so regenerate after changing a row.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Reads that are not list pages (a list: any other GET whose requests include a Query or BatchGetItem).
DETAILS = frozenset({
    "GET /activities/{activity_id}", "GET /activities/{activity_id}/check-in-code", "GET /claims/{claim_id}/ratings",
    "GET /demands/{demand_id} anonymous", "GET /demands/{demand_id} claimant", "GET /demands/{demand_id} owner",
    "GET /demands/{demand_id} signed in", "GET /help-requests/{request_id}", "GET /me", "GET /me/league-profile",
    "GET /me/notification-settings", "GET /stats/totals", "GET /me/org-profile",
})
COUNTERS = frozenset({"GET /me/todo league org", "GET /me/todo volunteer org", "GET /me/notifications/unread-count"})
READS = ("GetItem", "Query", "BatchGetItem")
SECTIONS = ("Lists (target: at most a GetItem of the parent or the total, then 1 Query)",
            "Details (target: at most 2 requests)",
            "我的 counters (target: 1 request per page view)", "State transitions (target: 1 write + at most 1 read)")


def section_of(key: str, calls: tuple[str, ...]) -> str | None:
    if not calls:
        return None   # served without DynamoDB (health, reference, the API document)
    if key in COUNTERS:
        return SECTIONS[2]
    if key in DETAILS:
        return SECTIONS[1]
    return SECTIONS[0] if key.startswith("GET ") else SECTIONS[3]


def meets(section: str, calls: tuple[str, ...]) -> bool:
    reads = sum(1 for call in calls if call.startswith(READS))
    if section == SECTIONS[0]:
        first = calls[:-1]
        return calls[-1].startswith("Query ") and (not first or (len(first) == 1 and first[0].startswith("GetItem ")))
    if section == SECTIONS[1]:
        return len(calls) <= 2
    if section == SECTIONS[2]:
        return len(calls) == 1
    return len(calls) - reads == 1 and reads <= 1


def row(section: str, key: str, calls: tuple[str, ...]) -> str:
    reads = sum(1 for call in calls if call.startswith(READS))
    verdict = "yes" if meets(section, calls) else "**no**"
    return f"| `{key}` | {verdict} | {reads} | {len(calls) - reads} | {', '.join(calls)} |"


def tables(budget: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {section: [] for section in SECTIONS}
    for key in sorted(budget, key=lambda k: (k.split(" ")[1], k)):
        section = section_of(key, budget[key])
        if section is not None:
            out[section].append(row(section, key, budget[key]))
    return out


def main() -> None:
    sys.path.insert(0, str(ROOT))
    import tests.conftest  # noqa: F401  (the test environment, set before the app is imported)
    from tests.test_request_budget import BUDGET

    for section, rows in tables(BUDGET).items():
        print(f"### {section}\n")
        print("| route (variant) | meets | reads | writes | DynamoDB requests, in order |")
        print("| --- | --- | --- | --- | --- |")
        print("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
