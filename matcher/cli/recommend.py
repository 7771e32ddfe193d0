"""``matcher recommend SCENARIO --community C | --unit U``: what a community should order (点单)
and which open orders a unit is best placed to claim (认领), with the reasons."""

from __future__ import annotations

import argparse

from matcher.cli import SUMMARIES
from matcher.cli.options import add_policy_options, policy_from_args
from matcher.errors import FieldError
from matcher.io.scenario import load_scenario
from matcher.projects import recommend, solve_projects
from matcher.projects.model import ENGINES


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "recommend",
        help=SUMMARIES["recommend"],
        description="Solve the part of the scenario around a community or unit and explain "
        "what it should order or claim.",
    )
    parser.add_argument("scenario", help="scenario file (.yaml, .json or .xlsx) with projects")
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--community", metavar="C", help="community id: projects to order (点单)")
    who.add_argument("--unit", metavar="U", help="unit (resource) id: open orders to claim (认领)")
    add_policy_options(parser)
    parser.add_argument("--time-limit", type=float, default=20.0, metavar="S", help="seconds (default: 20)")
    parser.add_argument("--engine", choices=ENGINES, default="highs", help="joint model engine (default: highs)")
    parser.add_argument("--workers", type=int, default=2, help="threads (default: 2)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    problem = scenario.problem
    policy = policy_from_args(args, scenario.policy)
    if args.community is not None:
        if args.community not in {c.id for c in problem.communities}:
            raise FieldError("--community", f"unknown community {args.community!r}")
        home = args.community
    else:
        units = {r.id: r for r in problem.resources}
        if args.unit not in units:
            raise FieldError("--unit", f"unknown unit {args.unit!r}")
        home = units[args.unit].community
    result = solve_projects(
        problem, policy, time_limit=args.time_limit, workers=args.workers, communities=[home], engine=args.engine
    )
    solved = sum(p.communities for p in result.parts)
    print(
        f"(solved the part around {home}, {solved} of {len(problem.communities)} communities: objective "
        f"{result.objective:,.3f} in run's units — run's objective is the sum over every part; "
        f"status {result.status}, gap {result.gap:.3%})\n"
    )
    if args.community is not None:
        rows = recommend.for_community(result, args.community)
        print(f"Projects for {args.community} to order (点单):" if rows else f"{args.community}: nothing to order")
        for r in rows:
            mark = "ORDER" if r["ordered"] else "also "
            venue = f" at {r['venue']}" if r["venue"] else ""
            print(
                f"  {mark} {r['project']} {r['name']}{venue} [{r['category']}, {r['tier']}, cost {r['cost']:g}, "
                f"value {r['value']:,.3f}] — {r['why']}"
            )
            if r["blocked_by"]:
                print(f"         blocked by {r['blocked_by']}")
            for n in r["needs"]:
                print(f"         covers {n['need']} {n['title']}")
    else:
        rows = recommend.for_unit(result, args.unit)
        print(f"Open orders {args.unit} may claim (认领):" if rows else f"{args.unit}: no open order it can claim")
        for r in rows:
            mark = "CLAIM" if r["proposed"] else "open "
            print(
                f"  {mark} {r['order']} {r['project']} {r['name']} in {r['community']} ({r['slots_open']} slot(s) open)"
            )
            print(
                f"         skills: {r['skills']}; distance {r['distance_minutes']} min; {r['pairing']}; "
                f"effort {r['effort_hours']} h; load {r['load']}"
            )
        unclaimed = result.unclaimed()
        if unclaimed:
            print("\nOrders left unclaimed:")
            for u in unclaimed:
                print(
                    f"  {u['order']} {u['project']} in {u['community']}: {u['claimed']}/{u['slots']} — "
                    f"{u['explanation']}"
                )
    return 0
