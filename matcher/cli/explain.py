"""``matcher explain SCENARIO [--need ID]``: why needs go unmatched, and what bounds the scenario.
A scenario with orders or budgets is explained as ``run`` solves it: by the project model."""

from __future__ import annotations

import argparse
import json

from matcher.cli import summary
from matcher.cli.options import add_policy_options, policy_from_args
from matcher.display import pad
from matcher.errors import FieldError
from matcher.i18n import N_, Text, _
from matcher.io.scenario import load_scenario
from matcher.network.diagnostics import diagnose, diagnose_projects, explain_need, explain_project_need
from matcher.network.hierarchy import governance_graph, grid_visit_load
from matcher.projects.dispatch import solve_problem
from matcher.projects.model import ENGINES
from matcher.projects.result import ProjectResult
from matcher.solvers import SOLVERS
from matcher.solvers.params import SolveParams

#: The governance graph's levels as printed (msgids; the counts keep these keys in --json).
GOVERNANCE_LEVELS = {
    "district": N_("district"),
    "street": N_("street"),
    "community": N_("community"),
    "grid": N_("grid"),
    "party_group": N_("party_group"),
    "party_member": N_("party_member"),
}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "explain",
        help=summary("explain"),
        description=_(
            "Solve, then give each unmatched need its reason and the scenario's "
            "serving bound, bottlenecks, uncovered communities, idle resources, "
            "graph components and (with grids) overloaded grids."
        ),
    )
    parser.add_argument("scenario", help=_("scenario file (.yaml, .json or .xlsx)"))
    parser.add_argument("--need", metavar="ID", help=_("explain this one need in detail"))
    add_policy_options(parser)
    parser.add_argument("--solver", choices=SOLVERS, default="auto", help=_("solver (default: auto)"))
    parser.add_argument("--time-limit", type=float, default=30.0, metavar="S", help=_("CP-SAT time limit"))
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="highs",
        help=_("with projects: engine of the joint model (default: highs)"),
    )
    parser.add_argument(
        "--bottlenecks",
        type=int,
        default=10,
        metavar="K",
        help=_("re-solve the bound without each of the K busiest resources (default: 10)"),
    )
    parser.add_argument("--rows", type=int, default=20, metavar="N", help=_("unmatched needs to list (default: 20)"))
    parser.add_argument("--json", action="store_true", help=_("print JSON instead of text"))
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    policy = policy_from_args(args, scenario.policy)
    problem = scenario.problem
    if args.need and args.need not in problem.arrays.need_ids:
        raise FieldError(
            "--need", Text("no need with id {need!r} in {scenario}", need=args.need, scenario=args.scenario)
        )
    result = solve_problem(
        problem, policy, solver=args.solver, params=SolveParams(engine=args.engine, time_limit=args.time_limit)
    )
    if args.need:
        if isinstance(result, ProjectResult):
            explained = explain_project_need(result, args.need)
        else:
            explained = explain_need(result, args.need)
        print(json.dumps(explained, ensure_ascii=False, indent=1))
        return 0
    if isinstance(result, ProjectResult):
        diagnosis = diagnose_projects(result, bottlenecks=args.bottlenecks)
    else:
        diagnosis = diagnose(result, bottlenecks=args.bottlenecks)
    grids = scenario.grids
    governance = governance_graph(scenario.problem, scenario.areas, grids)
    overloaded = grid_visit_load(grids)
    if args.json:
        data = diagnosis.to_dict(args.rows)
        data["governance"] = governance.counts()
        data["overloaded_grids"] = overloaded
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return 0
    print(diagnosis.summary(args.rows))
    counts = ", ".join(f"{_(GOVERNANCE_LEVELS.get(k, k))} {v}" for k, v in governance.counts().items())
    if grids:
        print(
            _("\nGovernance graph: {counts}; households {households}").format(
                counts=counts, households=governance.households()
            )
        )
        print(
            _("Grids whose visits exceed their workers' weekly capacity: {over} of {grids}").format(
                over=len(overloaded), grids=len(grids)
            )
        )
        for row in overloaded[:10]:
            print(
                f"  {pad(row['grid'], 6)} {pad(row['community'], 8)} "
                + _("{visits:>7} visits / {capacity} capacity").format(
                    visits=row["weekly_visits"], capacity=row["weekly_visit_capacity"]
                )
            )
    else:
        print(_("\nGovernance graph: {counts}").format(counts=counts))
    print(
        _("\nTimings: solve {solve:.2f} s; diagnostics {diagnostics:.2f} s").format(
            solve=result.wall_time, diagnostics=diagnosis.timings["total"]
        )
    )
    return 0
