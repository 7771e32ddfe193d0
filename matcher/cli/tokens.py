"""``matcher tokens create`` issues an API token for a planner, a community or a unit;
``matcher tokens revoke`` withdraws one token, or every token of a planner, community or unit."""

from __future__ import annotations

import argparse

from matcher.cli import add_language_option, summary
from matcher.cli.options import add_database_option, open_database
from matcher.errors import FieldError
from matcher.i18n import Text, _


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("tokens", help=summary("tokens"), description=_("Issue API tokens (stored hashed)."))
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help=_("issue one token and print its secret once"))
    who = create.add_mutually_exclusive_group(required=True)
    who.add_argument("--planner", action="store_true", help=_("a planner: edits scenarios, runs solves"))
    who.add_argument("--community", metavar="C", help=_("a community: orders projects for C (点单)"))
    who.add_argument("--unit", metavar="U", help=_("a unit: claims for U (认领)"))
    create.add_argument("--label", default="", help=_("a note to tell tokens apart"))
    add_database_option(create)
    add_language_option(create, default=argparse.SUPPRESS)  # --lang after the action too
    create.set_defaults(handler=handle)

    revoke = actions.add_parser(
        "revoke",
        help=_("revoke a token, or every token of a planner, community or unit"),
        description=_("Revoke tokens; a running server refuses them from their next request on."),
    )
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("--token", metavar="SECRET", help=_("the one token with this secret"))
    which.add_argument("--planner", action="store_true", help=_("every planner token"))
    which.add_argument("--community", metavar="C", help=_("every token of community C"))
    which.add_argument("--unit", metavar="U", help=_("every token of unit U"))
    add_database_option(revoke)
    add_language_option(revoke, default=argparse.SUPPRESS)
    revoke.set_defaults(handler=handle_revoke)


def holder(args: argparse.Namespace) -> tuple[str, str]:
    """(role, subject) named by --planner, --community C or --unit U."""
    role, subject = (
        ("planner", "") if args.planner else ("community", args.community) if args.community else ("unit", args.unit)
    )
    if role != "planner" and not subject.strip():
        raise FieldError(f"--{role}", Text("name the community or unit"))
    return role, subject.strip()


def handle(args: argparse.Namespace) -> int:
    from api import audit
    from api.auth import issue_token

    role, subject = holder(args)
    with open_database(args) as store, store.write() as session:
        secret = issue_token(session, role, subject, args.label)
        audit.record(session, "cli", "token.create", "token", f"{role}:{subject}", None)
    print(secret)
    return 0


def handle_revoke(args: argparse.Namespace) -> int:
    from api import audit
    from api.auth import revoke_tokens

    role, subject = ("", "") if args.token else holder(args)
    with open_database(args) as store, store.write() as session:
        revoked = revoke_tokens(session, role, subject, (args.token or "").strip())
        if revoked:
            audit.record(
                session,
                "cli",
                "token.revoke",
                "token",
                f"{role}:{subject}" if role else "by secret",
                None,
                revoked=revoked,
            )
    if not revoked:
        raise FieldError("--token" if args.token else f"--{role}", Text("no live token matches"))
    print(_("revoked {n} token(s)").format(n=revoked))
    return 0
