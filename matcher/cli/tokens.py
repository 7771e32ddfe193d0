"""``matcher tokens create``: issue an API token for a planner, a community or a unit."""

from __future__ import annotations

import argparse

from matcher.cli.serve import database_url
from matcher.errors import FieldError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("tokens", help="issue API tokens", description="Issue API tokens (stored hashed).")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="issue one token and print its secret once")
    who = create.add_mutually_exclusive_group(required=True)
    who.add_argument("--planner", action="store_true", help="a planner: edits scenarios, runs solves")
    who.add_argument("--community", metavar="C", help="a community: orders projects for C (点单)")
    who.add_argument("--unit", metavar="U", help="a unit: claims for U (认领)")
    create.add_argument("--label", default="", help="a note to tell tokens apart")
    create.add_argument("--database", metavar="URL", help="database URL (default: $DATABASE_URL, else sqlite:///matcher.db)")
    create.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from api import audit
    from api.auth import issue_token
    from api.db import Store, upgrade

    role, subject = ("planner", "") if args.planner else ("community", args.community) if args.community else (
        "unit", args.unit)
    if role != "planner" and not subject.strip():
        raise FieldError(f"--{role}", "name the community or unit")
    store = Store(database_url(args))
    try:
        upgrade(store.engine)
        with store.write() as session:
            secret = issue_token(session, role, subject.strip(), args.label)
            audit.record(session, "cli", "token.create", "token", f"{role}:{subject}", None)
    finally:
        store.dispose()
    print(secret)
    return 0
