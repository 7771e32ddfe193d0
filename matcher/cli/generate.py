"""``matcher generate NAME --out DIR``: write a case scenario reproducibly from a seed."""

from __future__ import annotations

import argparse

from matcher.cli import SUMMARIES
from matcher.generate import GENERATORS, write_scenario


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("generate", help=SUMMARIES["generate"],
                            description="Write scenario.yaml and CSV lists for one of the cases in DOMAIN.md.")
    parser.add_argument("name", choices=sorted(GENERATORS), help="which case")
    parser.add_argument("--seed", type=int, default=2016, help="random seed (default: 2016)")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder to write")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    path = write_scenario(GENERATORS[args.name](args.seed), args.out)
    print(f"wrote {path}")
    return 0
