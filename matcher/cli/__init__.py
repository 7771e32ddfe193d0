"""The ``matcher`` command line: one module per subcommand, each with ``register(subparsers)``.

Only the subcommand being run is imported (with its solvers, OR-Tools, scipy or pandas), so
``matcher --help`` and the other subcommands' help start fast; the listing reads
:data:`SUMMARIES`, which each subcommand's ``register`` also uses for its one-line help.

Exit codes: 0 done; 2 bad input (the message names file, record and field); 3 the hard
constraints cannot all hold (the message names them); 1 any other failure reported by matcher.

What the commands print, their help and argparse's own words included, is in Chinese by default and
in English with ``--lang en`` or an English locale (:mod:`matcher.i18n`); ``--lang`` goes before or
after the subcommand, and is read from the arguments before the parser is built, since the parser's
texts are written in the language chosen.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from matcher import __version__, i18n
from matcher.cli.parsing import Parser, translate_argparse
from matcher.errors import FieldError, InfeasibleError, MatcherError, ScenarioError, SolverUnsuitableError
from matcher.i18n import N_, _, translated

#: Subcommand name -> its one-line help (a msgid: :func:`summary` prints it translated), in the order
#: ``matcher --help`` lists them; the module ``matcher.cli.<name>`` registers the subcommand.
SUMMARIES = {
    "run": N_("match a scenario's needs with its resources"),
    "validate": N_("check a scenario file and its lists"),
    "generate": N_("generate a case scenario from a seed"),
    "escalate": N_("route what a community cannot serve to its street, then its district"),
    "explain": N_("explain unmatched needs and the limits of a scenario"),
    "serve": N_("run the web workbench at / and the HTTP API (OpenAPI at /openapi.json, Swagger UI at /docs)"),
    "tokens": N_("issue API tokens"),
    "recommend": N_("projects for a community to order, or orders for a unit to claim"),
    "compare": N_("compare allocation policies on a scenario"),
    "sweep": N_("run a grid of scenarios x policies x parameters x seeds on Dask"),
    "intake": N_("check one arriving need and append it to an arrivals file"),
    "replay": N_("replay a day or a week of arriving needs through live dispatch"),
}

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INFEASIBLE = 0, 1, 2, 3


def summary(name: str) -> str:
    """The one-line help of subcommand ``name`` in the current language."""
    return _(SUMMARIES[name])


def _chosen(argv: Sequence[str]) -> tuple[str | None, str | None]:
    """The subcommand named in ``argv`` (its first word that is neither an option nor ``--lang``'s
    value) and the language the last ``--lang`` names (``--lang en`` or ``--lang=en``), if any."""
    command = language = None
    words = iter(argv)
    for word in words:
        if word == "--lang":
            language = next(words, None)
        elif word.startswith("--lang="):
            language = word.removeprefix("--lang=")
        elif command is None and not word.startswith("-"):
            command = word
    return (command if command in SUMMARIES else None), language


def add_language_option(parser: argparse.ArgumentParser, default: object = None) -> None:
    """``--lang zh|en``: the language of what matcher prints (default: the locale's, else Chinese)."""
    parser.add_argument(
        "--lang",
        choices=i18n.LANGUAGES,
        default=default,
        help=_(
            "language of what matcher prints, this help included: zh (Chinese) or en (English); "
            "default: en for an en* locale, else zh"
        ),
    )


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser, its texts in the current language; ``command``'s module registers its full
    options, the others only their name."""
    translate_argparse()
    parser = Parser(
        prog="matcher",
        description=_("Match residents' needs (需求清单) with resources (资源清单) and projects (项目清单)."),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"matcher {__version__}",
        help=_("show program's version number and exit"),
    )
    add_language_option(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUMMARIES:
        if name == command:
            importlib.import_module(f"matcher.cli.{name}").register(sub)
            add_language_option(sub.choices[name], default=argparse.SUPPRESS)
        else:
            sub.add_parser(name, help=summary(name))
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
    command, language = _chosen(argv)
    i18n.use(language if language in i18n.LANGUAGES else None)  # another --lang: refused in the locale's
    args = build_parser(command).parse_args(argv)
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
