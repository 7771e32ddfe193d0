"""The ``matcher`` command line: one module per subcommand, each with ``register(subparsers)``.

Only the subcommand being run is imported (with its solvers, OR-Tools, scipy or pandas), so
``matcher --help`` and the other subcommands' help start fast; the listing reads
:data:`SUMMARIES`, which each subcommand's ``register`` also uses for its one-line help.

Exit codes: 0 done; 2 bad input (the message names file, record and field); 3 the hard
constraints cannot all hold (the message names them); 1 any other failure reported by matcher.

What the commands print is in Chinese by default and in English with ``--lang en`` or an English
locale (:mod:`matcher.i18n`); ``--lang`` goes before or after the subcommand.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from matcher import __version__, i18n
from matcher.errors import FieldError, InfeasibleError, MatcherError, ScenarioError, SolverUnsuitableError
from matcher.i18n import _, translated

#: Subcommand name -> its one-line help, in the order ``matcher --help`` lists them; the module
#: ``matcher.cli.<name>`` registers the subcommand.
SUMMARIES = {
    "run": "match a scenario's needs with its resources",
    "validate": "check a scenario file and its lists",
    "generate": "generate a case scenario from a seed",
    "escalate": "route what a community cannot serve to its street, then its district",
    "explain": "explain unmatched needs and the limits of a scenario",
    "serve": "run the web workbench at / and the HTTP API (OpenAPI at /openapi.json, Swagger UI at /docs)",
    "tokens": "issue API tokens",
    "recommend": "projects for a community to order, or orders for a unit to claim",
    "compare": "compare allocation policies on a scenario",
    "sweep": "run a grid of scenarios x policies x parameters x seeds on Dask",
    "intake": "check one arriving need and append it to an arrivals file",
    "replay": "replay a day or a week of arriving needs through live dispatch",
}

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INFEASIBLE = 0, 1, 2, 3


def _chosen_command(argv: Sequence[str]) -> str | None:
    """The subcommand named in ``argv`` (its first word that is not an option), if any."""
    words = iter(argv)
    for word in words:
        if word == "--lang":
            next(words, None)  # its value is not the subcommand
        elif not word.startswith("-"):
            return word if word in SUMMARIES else None
    return None


def add_language_option(parser: argparse.ArgumentParser, default: object = None) -> None:
    """``--lang zh|en``: the language of what matcher prints (default: the locale's, else Chinese)."""
    parser.add_argument(
        "--lang",
        choices=i18n.LANGUAGES,
        default=default,
        help="language of summaries and errors: zh (Chinese) or en (default: en for an en* locale, else zh)",
    )


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; ``command``'s module registers its full options, the others only their name."""
    parser = argparse.ArgumentParser(
        prog="matcher",
        description="Match residents' needs (需求清单) with resources (资源清单) and projects (项目清单).",
    )
    parser.add_argument("--version", action="version", version=f"matcher {__version__}")
    add_language_option(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, summary in SUMMARIES.items():
        if name == command:
            importlib.import_module(f"matcher.cli.{name}").register(sub)
            add_language_option(sub.choices[name], default=argparse.SUPPRESS)
        else:
            sub.add_parser(name, help=summary)
    return parser


def describe(exc: MatcherError) -> str:
    """An error as the current language says it: the frame (field, conflict list) translated, the
    message as raised."""
    field_frame = _("field {field!r}: ")
    if isinstance(exc, ScenarioError):
        return "\n".join(issue.render(field_frame, translated) for issue in exc.issues)
    if isinstance(exc, FieldError):
        return field_frame.format(field=exc.field) + translated(exc.message)
    if isinstance(exc, InfeasibleError):
        conflicts = "".join(f"\n  - {translated(c)}" for c in exc.constraints)
        return _("the hard constraints cannot all hold; in conflict:") + conflicts
    return translated(exc.args[0]) if len(exc.args) == 1 else str(exc)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_chosen_command(argv))
    args = parser.parse_args(argv)
    i18n.use(args.lang)
    try:
        return int(args.handler(args) or EXIT_OK)
    except (ScenarioError, FieldError, SolverUnsuitableError) as exc:
        print(_("matcher: error: {message}").format(message=describe(exc)), file=sys.stderr)
        return EXIT_BAD_INPUT
    except InfeasibleError as exc:
        print(_("matcher: infeasible: {message}").format(message=describe(exc)), file=sys.stderr)
        return EXIT_INFEASIBLE
    except MatcherError as exc:
        print(_("matcher: failed: {message}").format(message=describe(exc)), file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(_("matcher: interrupted; nothing was written"), file=sys.stderr)
        return 130
