"""``matcher validate SCENARIO``: read and check a scenario without solving it; name the encoding
each text file was read in."""

from __future__ import annotations

import argparse

from matcher.cli import summary
from matcher.i18n import _
from matcher.io.scenario import load_scenario


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "validate",
        help=summary("validate"),
        description=_("Read a scenario and report every bad record; exit 2 if any."),
    )
    parser.add_argument("scenario", help=_("scenario file (.yaml, .json or .xlsx)"))
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    p = scenario.problem
    print(
        _(
            "{scenario}: ok — {communities} communities, {needs} needs, {resources} resources, "
            "{projects} projects, {pairings} pairings"
        ).format(
            scenario=args.scenario,
            communities=len(p.communities),
            needs=len(p.needs),
            resources=len(p.resources),
            projects=len(p.projects),
            pairings=len(p.pairings),
        )
    )
    for file, encoding in scenario.encodings.items():
        print(_("  {file}: encoding {encoding}").format(file=file, encoding=encoding))
    return 0
