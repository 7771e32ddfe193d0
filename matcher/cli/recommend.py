"""``matcher recommend SCENARIO --community C | --unit U``: what a community should order (点单)
and which open orders a unit is best placed to claim (认领), with the reasons."""

from __future__ import annotations

import argparse
from typing import Any

from matcher.cli import summary
from matcher.cli.options import add_policy_options, policy_from_args
from matcher.errors import FieldError
from matcher.i18n import Text, _, translated
from matcher.io.scenario import load_scenario
from matcher.projects import recommend, solve_projects
from matcher.projects.model import ENGINES
from matcher.result import status_name


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "recommend",
        help=summary("recommend"),
        description=_(
            "Solve the part of the scenario around a community or unit and explain what it should order or claim."
        ),
    )
    parser.add_argument("scenario", help=_("scenario file (.yaml, .json or .xlsx) with projects"))
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--community", metavar="C", help=_("community id: projects to order (点单)"))
    who.add_argument("--unit", metavar="U", help=_("unit (resource) id: open orders to claim (认领)"))
    add_policy_options(parser)
    parser.add_argument("--time-limit", type=float, default=20.0, metavar="S", help=_("seconds (default: 20)"))
    parser.add_argument("--engine", choices=ENGINES, default="highs", help=_("joint model engine (default: highs)"))
    parser.add_argument("--workers", type=int, default=2, help=_("threads (default: 2)"))
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    problem = scenario.problem
    policy = policy_from_args(args, scenario.policy)
    if args.community is not None:
        if args.community not in {c.id for c in problem.communities}:
            raise FieldError("--community", Text("unknown community {community!r}", community=args.community))
        home = args.community
    else:
        units = {r.id: r for r in problem.resources}
        if args.unit not in units:
            raise FieldError("--unit", Text("unknown unit {unit!r}", unit=args.unit))
        home = units[args.unit].community
    result = solve_projects(
        problem, policy, time_limit=args.time_limit, workers=args.workers, communities=[home], engine=args.engine
    )
    solved = sum(p.communities for p in result.parts)
    print(
        _(
            "(solved the part around {home}, {solved} of {total} communities: objective {objective:,.3f} in run's "
            "units — run's objective is the sum over every part; status {status}, gap {gap:.3%})\n"
        ).format(
            home=home,
            solved=solved,
            total=len(problem.communities),
            objective=result.objective,
            status=status_name(result.status),
            gap=result.gap,
        )
    )
    if args.community is not None:
        print_orders(recommend.for_community(result, args.community), args.community)
    else:
        print_claims(recommend.for_unit(result, args.unit), args.unit)
        print_unclaimed(result.unclaimed())
    return 0


def print_orders(rows: list[dict[str, Any]], community: str) -> None:
    """Projects for a community to order (点单), each with why, what blocks it and the needs it covers."""
    print((_("Projects for {c} to order (点单):") if rows else _("{c}: nothing to order")).format(c=community))
    for r in rows:
        print(
            _("  {mark} {project} {name}{at} [{category}, {tier}, cost {cost:g}, value {value:,.3f}] — {why}").format(
                mark=_("ORDER") if r["ordered"] else _("also "),
                at=_(" at {venue}").format(venue=r["venue"]) if r["venue"] else "",
                **{**r, "why": translated(r["why"])},
            )
        )
        if r["blocked_by"]:
            print(_("         blocked by {blocked_by}").format(blocked_by=translated(r["blocked_by"])))
        for n in r["needs"]:
            print(_("         covers {need} {title}").format(**n))


def print_claims(rows: list[dict[str, Any]], unit: str) -> None:
    """Open orders a unit may claim (认领), with skills, distance, pairing, effort and load."""
    print((_("Open orders {u} may claim (认领):") if rows else _("{u}: no open order it can claim")).format(u=unit))
    for r in rows:
        mark = _("CLAIM") if r["proposed"] else _("open ")
        print(_("  {mark} {order} {project} {name} in {community} ({slots_open} slot(s) open)").format(mark=mark, **r))
        print(
            _(
                "         skills: {skills}; distance {distance_minutes} min; {pairing}; effort {effort_hours} h; "
                "load {load}"
            ).format(**{**r, **{key: translated(r[key]) for key in ("skills", "pairing", "load")}})
        )


def print_unclaimed(unclaimed: list[dict[str, Any]]) -> None:
    """Orders left unclaimed, with how far each got and why."""
    if not unclaimed:
        return
    print(_("\nOrders left unclaimed:"))
    for u in unclaimed:
        print(_("  {order} {project} in {community}: {claimed}/{slots} — {explanation}").format(**u))
