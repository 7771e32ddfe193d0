"""``matcher compare SCENARIO --policies a,b,c``: a table of policies x metrics, CSV, figures, HTML."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from matcher.cli import summary
from matcher.cli.options import overrides_from_args, wrote_line
from matcher.cli.replay import add_replay_options, replay_settings
from matcher.display import pad
from matcher.errors import FieldError
from matcher.i18n import Text, _
from matcher.io.scenario import load_scenario
from matcher.lab.compare import TARGET_GAP
from matcher.lab.metrics import metric_names
from matcher.policy import PRESETS
from matcher.result import Result, format_gap, status_name
from matcher.solvers import SOLVERS
from matcher.solvers.params import ENGINE_NAMES, SolveParams


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "compare",
        help=summary("compare"),
        description=_(
            "Solve a scenario under several policies and seeds; print policies x metrics; write "
            "runs.csv, summary.csv, coverage/frontier/load PNGs and report.html."
        ),
    )
    parser.add_argument("scenario", help=_("scenario file (.yaml, .json or .xlsx)"))
    parser.add_argument(
        "--policies", required=True, metavar="A,B,C", help=_("presets: {presets}").format(presets=", ".join(PRESETS))
    )
    parser.add_argument(
        "--seeds",
        type=int,
        default=1,
        metavar="N",
        help=_("seeds 0..N-1; seed s >= 1 jitters task capacities and seeds CP-SAT (default: 1)"),
    )
    parser.add_argument("--metrics", metavar="M1,M2", help=_("metrics to show (default: all)"))
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help=_("override a field of every policy, e.g. --set travel_cost=0.02"),
    )
    add_run_options(parser)
    parser.add_argument("--out", metavar="DIR", help=_("output directory (default: results/compare-<scenario>)"))
    parser.add_argument(
        "--replay",
        action="store_true",
        help=_(
            "run each policy as a dispatch policy: replay the seed's arrivals through the live dispatcher "
            "(the options below) and report on-time shares, moves per re-plan and the gap to hindsight"
        ),
    )
    add_replay_options(parser)
    parser.set_defaults(handler=handle)


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """How each run solves: solver, engine, limits, workers and the gap below which it counts as proven."""
    parser.add_argument("--solver", choices=SOLVERS, default="auto", help=_("solver (default: auto)"))
    parser.add_argument("--engine", choices=ENGINE_NAMES, default="highs", help=_("MIP engine (default: highs)"))
    parser.add_argument(
        "--time-limit", type=float, default=30.0, metavar="S", help=_("time limit per run in seconds (default: 30)")
    )
    parser.add_argument(
        "--deterministic-time",
        type=float,
        metavar="T",
        help=_("with --engine cpsat: also bound CP-SAT in deterministic time units; with 1 worker runs repeat exactly"),
    )
    parser.add_argument(
        "--workers", type=int, default=1, help=_("CP-SAT workers; 1 keeps runs reproducible (default: 1)")
    )
    parser.add_argument(
        "--target-gap",
        type=float,
        default=TARGET_GAP,
        metavar="G",
        help=_("runs not proven within this relative gap are named loudly (default: {gap:g})").format(gap=TARGET_GAP),
    )


def handle(args: argparse.Namespace) -> int:
    from matcher.lab.compare import compare, parse_policies  # pandas and matplotlib only for this command
    from matcher.lab.fonts import cjk_family, font_notice
    from matcher.lab.report import write_comparison

    if args.seeds < 1:
        raise FieldError("--seeds", Text("must be at least 1, got {value}", value=args.seeds))
    if not args.replay and (args.arrivals or args.rates):
        raise FieldError("--replay", Text("--arrivals and --rates describe a replay: add --replay"))
    replay = replay_settings(args) if args.replay else None
    policies = parse_policies(args.policies, overrides_from_args(args))
    metrics = metric_names(args.metrics.split(",")) if args.metrics else None
    scenario = load_scenario(args.scenario)
    print(
        _("Scenario {name}: {policies} policies x {seeds} seed(s), up to {limit:g} s each").format(
            name=scenario.problem.name, policies=len(policies), seeds=args.seeds, limit=args.time_limit
        ),
        file=sys.stderr,
        flush=True,
    )
    result = compare(
        scenario.problem,
        policies,
        args.seeds,
        solver=args.solver,
        params=SolveParams(
            time_limit=args.time_limit,
            workers=args.workers,
            deterministic_time=args.deterministic_time,
            engine=args.engine,
        ),
        metrics=metrics,
        target_gap=args.target_gap,
        on_run=_progress,
        replay=replay,
    )
    print(
        _("Scenario {name}: {policies} policies x {seeds} seed(s)").format(
            name=scenario.problem.name, policies=len(policies), seeds=args.seeds
        )
    )
    warnings = result.warnings()
    for line in warnings:
        print(f"\n*** {line}")
    print()
    print(result.table())
    if result.pairing_price:
        print(_("\nPrice of fixed pairings (pairing-soft minus pairing-strict; positive = lost to pairings):"))
        for key, value in result.pairing_price.items():
            print(f"  {pad(key, 28)} {value:.4g}")
    for line in warnings:
        print(f"\n*** {line}")
    out = Path(args.out) if args.out else Path("results") / f"compare-{scenario.problem.name}"
    written = write_comparison(result, out)
    if cjk_family() is None:
        print(f"matcher: {font_notice()}", file=sys.stderr)
    print(wrote_line(written, out))
    return 0


def _progress(done: int, total: int, result: Result) -> None:
    """One line per finished run on stderr: which, its status and gap, how long it took."""
    print(
        _("  [{done}/{total}] {policy}: {status}, gap {gap}, {served} served, {seconds:.1f} s").format(
            done=done,
            total=total,
            policy=result.policy.name,
            status=status_name(result.solution.status),
            gap=format_gap(result.gap),
            served=result.n_served,
            seconds=result.wall_time,
        ),
        file=sys.stderr,
        flush=True,
    )
