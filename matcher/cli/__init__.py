"""The ``matcher`` command line: one module per subcommand, each with ``register(subparsers)``.

Exit codes: 0 done; 2 bad input (the message names file, record and field); 3 the hard
constraints cannot all hold (the message names them); 1 any other failure reported by matcher.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from matcher import __version__
from matcher.cli import (
    compare,
    escalate,
    explain,
    generate,
    intake,
    recommend,
    replay,
    run,
    serve,
    sweep,
    tokens,
    validate,
)
from matcher.errors import FieldError, InfeasibleError, MatcherError, ScenarioError, SolverUnsuitableError

COMMANDS = (run, validate, generate, escalate, explain, serve, tokens, recommend, compare, sweep, intake, replay)

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INFEASIBLE = 0, 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="matcher",
        description="Match residents' needs (需求清单) with resources (资源清单) and projects (项目清单).",
    )
    parser.add_argument("--version", action="version", version=f"matcher {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or EXIT_OK)
    except (ScenarioError, FieldError, SolverUnsuitableError) as exc:
        print(f"matcher: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except InfeasibleError as exc:
        print(f"matcher: infeasible: {exc}", file=sys.stderr)
        return EXIT_INFEASIBLE
    except MatcherError as exc:
        print(f"matcher: failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("matcher: interrupted; nothing was written", file=sys.stderr)
        return 130
