#!/usr/bin/env python3
"""Operator tasks from the command line (never shipped).

Against the running local stack (`make run`; its ports are read from .local/ports.json):
    .venv/bin/python scripts/manage.py --local create-operator --account-name zhang_san --display-name 张三
Against a deployed stage (AWS credentials and AWS_DEFAULT_REGION in the environment):
    .venv/bin/python scripts/manage.py --stage prod-cn-north-1 create-operator --account-name ... --display-name ...
With neither flag the environment alone decides (TABLE_PREFIX, AWS_DEFAULT_REGION, DYNAMODB_ENDPOINT, ...).

Passwords are asked for at a prompt, or read from one line of standard input with --password-stdin;
never from the command line, where they would land in shell history and `ps`.
"""
from __future__ import annotations

import argparse
import getpass
import os
import socket
import sys
from pathlib import Path

import devenv


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Operator tasks for the volunteer platform's tables.")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--local", action="store_true", help="the local stack started by `make run`")
    target.add_argument("--stage", help="a stage of .chalice/config.json; its environment_variables are applied")
    parser.add_argument("--dynamodb-port", type=int,
                        help="with --local: the stack's DynamoDB port (default: the one the running stack "
                             f"recorded in its {devenv.PORTS_FILE}, else {devenv.DEFAULT_DYNAMODB_PORT})")
    parser.add_argument("--data-dir", type=Path, default=devenv.ROOT / ".local",
                        help="with --local: the stack's --data-dir (default .local/ in the repo)")
    commands = parser.add_subparsers(dest="command", required=True)

    operator = commands.add_parser("create-operator", help="create an operator (团省委 staff) account")
    operator.add_argument("--account-name", required=True)
    operator.add_argument("--display-name", required=True)
    operator.add_argument("--password-stdin", action="store_true", help="read the password from standard input")

    commands.add_parser("seed-demo", help="create the demo accounts (local stack only)")
    commands.add_parser("reindex-league-orgs",
                        help="rebuild the 团组织 name-search index from the accounts (idempotent)")
    totals = commands.add_parser("daily-totals", help="run the daily totals job now (idempotent; backfills)")
    totals.add_argument("--date", help="the China-Standard-Time day, YYYY-MM-DD (YYYYMMDD is accepted too; "
                                             "default: yesterday)")
    commands.add_parser("reveal-ratings", help="run the hourly rating-window job now (idempotent)")
    recount = commands.add_parser("recount-todo", help="recompute 我的 待办 counters from the indexes and write "
                                                       "them (repair; every organization without --account)")
    recount.add_argument("--account", help="one account id (default: every 团组织 and volunteer organization)")
    for name, text in (("replay-parked", "apply a parked stream record again with its handler; deleted once "
                                         "applied (GET /admin/parked-events lists them)"),
                       ("discard-parked", "delete a parked stream record without applying it")):
        parked = commands.add_parser(name, help=text)
        parked.add_argument("--source", required=True, help="e.g. help-requests-stream")
        parked.add_argument("--event-id", required=True, help="the parked record's event_id")
    return parser.parse_args(argv)


def apply_target(args: argparse.Namespace) -> None:
    # Before any chalicelib import: it reads the environment when first imported.
    if args.local:
        data_dir = args.data_dir.resolve()
        devenv.apply(devenv.local_stack_environment(dynamodb_port=local_dynamodb_port(args.dynamodb_port, data_dir),
                                                    data_dir=data_dir))
    elif args.stage:
        devenv.apply(devenv.stage_environment(args.stage))
    devenv.use_repo_imports()


def local_dynamodb_port(explicit: int | None, data_dir: Path) -> int:
    """--dynamodb-port, else the running stack's recorded port, else the default; something must answer there."""
    recorded = devenv.read_ports(data_dir)
    if explicit is not None:
        port, source = explicit, "--dynamodb-port"
    elif recorded is not None:
        port, source = recorded["dynamodb_port"], str(data_dir / devenv.PORTS_FILE)
    else:
        port, source = devenv.DEFAULT_DYNAMODB_PORT, f"the default; no {data_dir / devenv.PORTS_FILE}"
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError as exc:
        raise SystemExit(f"error: no local stack answers on 127.0.0.1:{port} (port from {source}): "
                         f"{exc.strerror or exc}. Start it with `make run`, or name its port with --dynamodb-port") \
            from None
    return port


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise SystemExit("error: no terminal to ask for the password: use --password-stdin")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != password:
        raise SystemExit("error: the passwords differ")
    return password


def describe_target() -> str:
    from chalicelib.config import get_settings

    settings = get_settings()
    where = settings.dynamodb_endpoint or f"AWS {settings.aws_region}"
    return f"tables {settings.table_prefix}* at {where}"


def create_operator(args: argparse.Namespace) -> None:
    from chalicelib.services.accounts import create_operator as create

    password = read_password(args.password_stdin)
    account = create(account_name=args.account_name, display_name=args.display_name, password=password)
    print(f"Created operator {account.login} (account_id {account.account_id}) in {describe_target()}")


def seed_demo(args: argparse.Namespace) -> None:
    # Demo accounts have published passwords: they must never reach a deployed stage.
    if not os.environ.get("DYNAMODB_ENDPOINT"):
        raise SystemExit("error: seed-demo only runs against a local DynamoDB endpoint (use --local)")
    from seed_demo import seed_demo_accounts

    for row in seed_demo_accounts():
        state = "created" if row["created"] else "already there"
        print(f"{row['login']:<16} {row['password']:<10} {row['account_type']:<13} {row['role']} ({state})")


def reindex_league_orgs(args: argparse.Namespace) -> None:
    # Repairs an index left behind by a crash between an account's write and its index entries.
    from chalicelib.services.org_search import reindex_league_orgs as reindex

    print(f"Indexed {reindex()} 团组织 names in {describe_target()}")


def daily_totals(args: argparse.Namespace) -> None:
    from chalicelib.events.schedules import daily_totals as run

    result = run(args.date)
    print(f"Totals as of {result['day']}: {result['demands_total']} demands, {result['claims_total']} claims "
          f"({result['events_counted']} events that day) in {describe_target()}")


def reveal_ratings(args: argparse.Namespace) -> None:
    from chalicelib.events.schedules import reveal_ratings as run

    print(f"Revealed {run()['revealed']} rating sheet(s) whose 14-day window closed, in {describe_target()}")


def recount_todo(args: argparse.Namespace) -> None:
    from chalicelib.services import todo_counters

    if args.account:
        todo = todo_counters.recount(args.account)
        print(f"Recounted {args.account}: awaiting_claim {todo.awaiting_claim}, pending_help_requests "
              f"{todo.pending_help_requests}, pending_claims {todo.pending_claims}, pending_applications "
              f"{todo.pending_applications}, ratings_owed {todo.ratings_owed} in {describe_target()}")
    else:
        print(f"Recounted the 待办 counters of {todo_counters.recount_all()} organizations in {describe_target()}")


def replay_parked(args: argparse.Namespace) -> None:
    from chalicelib.events import parking

    try:
        still = parking.replay(args.source, args.event_id)
    except parking.NotParked as exc:
        raise SystemExit(f"error: {exc}") from None
    if still is None:
        print(f"Replayed and removed parked record {args.source}/{args.event_id} in {describe_target()}")
    else:   # the error only: the record's images may hold personal data
        raise SystemExit(f"error: parked record {args.source}/{args.event_id} failed again (attempt "
                         f"{int(still.attempts)}): {still.error}; it stays parked")


def discard_parked(args: argparse.Namespace) -> None:
    from chalicelib.events import parking

    try:
        parking.discard(args.source, args.event_id)
    except parking.NotParked as exc:
        raise SystemExit(f"error: {exc}") from None
    print(f"Discarded parked record {args.source}/{args.event_id} in {describe_target()}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    apply_target(args)
    from pynamodb.exceptions import PynamoDBException

    from chalicelib.config import ConfigError
    from chalicelib.errors import AppError

    try:
        commands = {"create-operator": create_operator, "seed-demo": seed_demo,
                    "reindex-league-orgs": reindex_league_orgs, "daily-totals": daily_totals,
                    "reveal-ratings": reveal_ratings, "recount-todo": recount_todo,
                    "replay-parked": replay_parked, "discard-parked": discard_parked}
        commands[args.command](args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except AppError as exc:  # the same refusals the API gives: name taken, weak password...
        message = exc.message or exc.code.default_message
        fields = "; ".join(f"{f.path}: {f.message}" for f in exc.fields if f.message != message)
        print(f"error: {exc.code.name}: {message}" + (f" ({fields})" if fields else ""), file=sys.stderr)
        return 1
    except PynamoDBException as exc:
        print(f"error: DynamoDB call failed ({describe_target()}): {exc} {exc.cause or ''}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
