"""``matcher escalate SCENARIO``: solve level by level (community, street, district) and report
where every need was solved, its route and its deadline status (吹哨报到)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from matcher.areas import routes_of
from matcher.cli import summary
from matcher.cli.options import add_policy_options, add_solve_options, params_from_args, policy_from_args
from matcher.errors import Issue, ScenarioError
from matcher.files import table_files, write_files
from matcher.i18n import _, term
from matcher.io.hierarchy import check_hierarchy
from matcher.io.scenario import Scenario, load_scenario
from matcher.result import Result, format_gap, status_name
from matcher.solvers.escalation import EscalationRules, escalate
from matcher.vocabulary import Level


def register(sub: argparse._SubParsersAction) -> None:
    rules = EscalationRules()
    parser = sub.add_parser(
        "escalate",
        help=summary("escalate"),
        description=_(
            "Solve community level first, then street, then district, each level "
            "seeing the needs the level below left; write escalation.json and .csv."
        ),
    )
    parser.add_argument("scenario", help=_("scenario file (.yaml, .json or .xlsx)"))
    add_policy_options(parser)
    add_solve_options(parser)
    parser.add_argument(
        "--street-minutes",
        type=float,
        default=rules.street_minutes,
        metavar="M",
        help=_("minutes for a need to reach the street's departments (default: {minutes:g})").format(
            minutes=rules.street_minutes
        ),
    )
    parser.add_argument(
        "--district-minutes",
        type=float,
        default=rules.district_minutes,
        metavar="M",
        help=_("minutes for a district department's feedback (default: 7 working days = {minutes:g})").format(
            minutes=rules.district_minutes
        ),
    )
    parser.add_argument(
        "--out", metavar="DIR", help=_("write escalation.json and escalation.csv here (default: results/<scenario>)")
    )
    parser.set_defaults(handler=handle)


def require_parents(scenario: Scenario) -> None:
    """Escalation needs every community's street: refuse a scenario that lacks one."""
    found = list(check_hierarchy(scenario.problem, scenario.areas, scenario.grids, strict=True))
    if found:
        issues = []
        for loc, field, message in found:
            row = scenario.rows[loc.list_name][loc.index]
            issues.append(Issue(row.file, row.label, field, message))
        raise ScenarioError(issues)


def _progress(level: Level, result: Result) -> None:
    """One line per level on stderr as it is solved."""
    print(
        _("  {level} level: {served} of {needs} open needs served; {status}, gap {gap}, {seconds:.1f} s").format(
            level=term(level),
            served=result.n_served,
            needs=result.problem.arrays.n_needs,
            status=status_name(result.solution.status),
            gap=format_gap(result.gap),
            seconds=result.wall_time,
        ),
        file=sys.stderr,
        flush=True,
    )


def handle(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    require_parents(scenario)
    policy = policy_from_args(args, scenario.policy)
    rules = EscalationRules(args.street_minutes, args.district_minutes)
    found = routes_of(scenario.problem, scenario.areas)
    result = escalate(
        scenario.problem,
        policy,
        rules=rules,
        routes=found,
        on_level=_progress,
        solver=args.solver,
        params=params_from_args(args),
    )
    print(result.summary())
    out = Path(args.out) if args.out else Path("results") / scenario.problem.name
    data = result.to_dict()
    write_files(
        out,
        {
            "escalation.json": json.dumps(data, ensure_ascii=False, indent=1),
            **table_files({"escalation": data["needs"]}),
        },
    )
    print(_("\nWrote {out}/escalation.json and {out}/escalation.csv").format(out=out))
    return 0
