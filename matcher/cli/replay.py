"""``matcher replay SCENARIO``: replay a day or a week of arrivals through the live dispatcher —
immediate placement, a re-plan every N minutes — and compare deadline compliance with hindsight."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from matcher.cli import summary
from matcher.cli.options import add_policy_options, policy_from_args
from matcher.dispatch.replay import PUBLISH, ReplaySettings, parse_rates, run_replay
from matcher.errors import FieldError
from matcher.files import csv_text, write_files
from matcher.i18n import _
from matcher.io.scenario import load_scenario
from matcher.solvers.escalation import EscalationRules


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "replay",
        help=summary("replay"),
        description=_(
            "Replay arrivals (a file, or a seeded stream) through the dispatcher: each "
            "need placed at once, a re-plan every N minutes; report on-time shares per "
            "urgency level, moves per re-plan and the gap to hindsight."
        ),
    )
    parser.add_argument("scenario", help=_("scenario file (.yaml, .json or .xlsx): its communities and resources"))
    add_policy_options(parser)
    add_replay_options(parser)
    parser.add_argument("--seed", type=int, default=0, help=_("seed of a generated stream (default: 0)"))
    parser.add_argument(
        "--time-limit",
        type=float,
        default=10.0,
        metavar="S",
        help=_("CP-SAT time limit per re-plan when flow cannot express it (default: 10)"),
    )
    parser.add_argument(
        "--out", metavar="DIR", help=_("write replay.json and replay.csv here (default: results/<scenario>)")
    )
    parser.set_defaults(handler=handle)


def add_replay_options(parser: argparse.ArgumentParser) -> None:
    """Where arrivals come from and how the dispatcher works, as ``replay`` and ``compare --replay`` take them."""
    rules = EscalationRules()
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--arrivals",
        metavar="FILE",
        help=_(
            "arrivals (CSV/XLSX/JSON/YAML): the needs list's columns plus 'at', minutes since the start, in time order"
        ),
    )
    source.add_argument(
        "--rates",
        metavar="SPEC",
        help=_(
            "generate Poisson arrivals per hour per urgency, e.g. emergency=0.5,normal=20 "
            "(default without --arrivals: the scenario's own needs at seeded random times)"
        ),
    )
    parser.add_argument("--hours", type=float, default=168.0, help=_("length of a generated stream (default: 168)"))
    parser.add_argument(
        "--replan-every", type=float, default=60.0, metavar="MIN", help=_("minutes between re-plans (default: 60)")
    )
    parser.add_argument(
        "--publish",
        choices=PUBLISH,
        default="latest",
        help=_("publish proposals at the last re-plan before they must set off, or at the first (default: latest)"),
    )
    parser.add_argument(
        "--street-minutes",
        type=float,
        default=rules.street_minutes,
        metavar="M",
        help=_("routing minutes to the street (default: {minutes:g})").format(minutes=rules.street_minutes),
    )
    parser.add_argument(
        "--district-minutes",
        type=float,
        default=rules.district_minutes,
        metavar="M",
        help=_("routing minutes to the district (default: {minutes:g})").format(minutes=rules.district_minutes),
    )


def replay_settings(args: argparse.Namespace) -> ReplaySettings:
    """The replay options as settings; bad values raise FieldError naming the option."""
    rates = tuple(parse_rates(args.rates).items()) if args.rates else None
    try:
        return ReplaySettings(
            hours=args.hours,
            rates=rates,
            arrivals=args.arrivals,
            replan_every=args.replan_every,
            publish=args.publish,
            rules=EscalationRules(args.street_minutes, args.district_minutes),
        )
    except FieldError as exc:
        raise FieldError("--" + exc.field.replace("_", "-"), exc.message) from None  # the option's name


def handle(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    policy = policy_from_args(args, scenario.policy)
    problem = scenario.problem
    settings = replay_settings(args)
    result = run_replay(
        problem,
        policy,
        settings.stream(problem, policy, args.seed),
        replan_every=settings.replan_every,
        publish=settings.publish,
        rules=settings.rules,
        time_limit=args.time_limit,
    )
    print(result.summary())
    out = Path(args.out) if args.out else Path("results") / problem.name
    data = result.to_dict()
    write_files(
        out,
        {
            "replay.json": json.dumps(data, ensure_ascii=False, indent=1),
            "replay.csv": csv_text(data["deadline_compliance"]),
        },
    )
    print(_("\nWrote {out}/replay.json and {out}/replay.csv").format(out=out))
    return 0
