"""``matcher generate NAME --out DIR``: write a case scenario reproducibly from a seed; without
``--seed`` the case's own seed, which regenerates the shipped scenario byte for byte."""

from __future__ import annotations

import argparse

from matcher.cli import summary
from matcher.generate import GENERATORS, write_scenario
from matcher.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "generate",
        help=summary("generate"),
        description=_("Write scenario.yaml and CSV lists for one of the cases in docs/cases.md."),
    )
    parser.add_argument("name", choices=sorted(GENERATORS), help=_("which case"))
    parser.add_argument(
        "--seed", type=int, help=_("random seed (default: the case's own, which gives the shipped scenario)")
    )
    parser.add_argument("--out", required=True, metavar="DIR", help=_("folder to write"))
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    generator = GENERATORS[args.name]
    path = write_scenario(generator() if args.seed is None else generator(args.seed), args.out)
    print(_("wrote {path}").format(path=path))
    return 0
