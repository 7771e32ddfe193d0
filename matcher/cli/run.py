"""``matcher run SCENARIO``: solve a scenario, print a summary, write JSON and CSV. A scenario
with orders or budgets is solved by the project model (ordering, claiming and serving together)."""

from __future__ import annotations

import argparse
from pathlib import Path

from matcher.cli import SUMMARIES
from matcher.cli.options import (
    ProgressLine,
    add_policy_options,
    add_solve_options,
    params_from_args,
    policy_from_args,
    wrote_line,
)
from matcher.io.scenario import load_scenario
from matcher.projects.dispatch import solve_problem


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "run",
        help=SUMMARIES["run"],
        description="Solve a scenario; print a summary and write result.json and CSV tables.",
    )
    parser.add_argument("scenario", help="scenario file (.yaml, .json or .xlsx)")
    add_policy_options(parser)
    add_solve_options(parser)
    parser.add_argument("--out", metavar="DIR", help="write result.json and CSVs here (default: results/<scenario>)")
    parser.add_argument("--xlsx", action="store_true", help="also write results.xlsx, every table as a sheet")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    policy = policy_from_args(args, scenario.policy)
    problem = scenario.problem
    progress = None if problem.has_projects else ProgressLine(args.time_limit, args.engine)
    result = solve_problem(
        problem,
        policy,
        solver=args.solver,
        params=params_from_args(args),
        on_progress=progress,
    )
    print(result.summary())
    out = Path(args.out) if args.out else Path("results") / problem.name
    written = result.write(out, xlsx=args.xlsx)
    print(wrote_line(written, out))
    return 0
