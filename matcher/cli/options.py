"""Command-line options shared by subcommands: the policy and its field overrides, and the
service's database (``--database``)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matcher.candidates import VALUE_SCALE
from matcher.errors import FieldError
from matcher.i18n import Text, _, ngettext
from matcher.policy import PRESETS, Policy, parse_overrides
from matcher.result import format_gap, relative_gap

if TYPE_CHECKING:  # matcher.solvers imports the engines: only when a command solves
    from matcher.solvers.params import SolveParams


def add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database", metavar="URL", help=_("database URL (default: $DATABASE_URL, else sqlite:///matcher.db)")
    )


def database_url(args: argparse.Namespace) -> str:
    return args.database or os.environ.get("DATABASE_URL") or "sqlite:///matcher.db"


@contextmanager
def open_database(args: argparse.Namespace) -> Iterator[Any]:
    """The API's store on --database, upgraded to the newest migration, disposed afterwards; a
    database that cannot be opened is bad input naming --database."""
    from sqlalchemy.exc import SQLAlchemyError

    from api.db import Store, upgrade

    url = database_url(args)
    store = None
    try:
        store = Store(url)
        upgrade(store.engine)
    except (SQLAlchemyError, ValueError) as exc:
        if store is not None:
            store.dispose()
        reason = getattr(exc, "orig", None) or exc  # the driver's own words, without SQLAlchemy's wrapping
        raise FieldError("--database", Text("cannot open {url}: {reason}", url=url, reason=reason)) from None
    try:
        yield store
    finally:
        store.dispose()


def add_policy_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--policy",
        metavar="NAME",
        help=_("policy preset (default: the scenario's, else 'default'); one of {presets}").format(
            presets=", ".join(PRESETS)
        ),
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help=_("override a policy field, e.g. --set travel_cost=0.02 --set 'tier_weights={floor: 5}'"),
    )


def policy_from_args(args: argparse.Namespace, scenario_policy: Policy) -> Policy:
    """The scenario's policy, or the named preset, with --set overrides applied."""
    if args.policy and args.policy not in PRESETS:
        raise FieldError(
            "--policy",
            Text("unknown policy {policy!r}; presets: {presets}", policy=args.policy, presets=", ".join(PRESETS)),
        )
    policy = PRESETS[args.policy] if args.policy else scenario_policy
    overrides = overrides_from_args(args)
    return policy.with_overrides(overrides) if overrides else policy


def overrides_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The --set FIELD=VALUE options as a mapping (values read as YAML)."""
    return parse_overrides(args.overrides)


def add_solve_options(parser: argparse.ArgumentParser) -> None:
    """--solver, --engine, --time-limit, --workers, --seed and --gap, as every solving command has them."""
    from matcher.solvers.params import DEFAULT_GAP, ENGINE_NAMES

    parser.add_argument(
        "--solver",
        choices=("auto", "flow", "mip", "cpsat", "greedy", "stable"),
        default="auto",
        help=_("auto picks flow when it is exact, else mip; cpsat is mip on the CP-SAT engine (default: auto)"),
    )
    parser.add_argument(
        "--engine",
        choices=ENGINE_NAMES,
        default="highs",
        help=_(
            "MIP engine of the exact model and of the project model (default: highs, which "
            "proves these models' optima fastest; cpsat with --workers searches in parallel)"
        ),
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=30.0,
        metavar="S",
        help=_("time limit of the search in seconds (default: 30)"),
    )
    parser.add_argument("--workers", type=int, default=2, help=_("CP-SAT search workers (default: 2)"))
    parser.add_argument("--seed", type=int, default=0, help=_("random seed of the engine (default: 0)"))
    parser.add_argument(
        "--gap",
        type=float,
        default=DEFAULT_GAP,
        metavar="G",
        help=_("relative gap at which a plan counts as optimal (default: {gap:g}, i.e. 0.01%%)").format(
            gap=DEFAULT_GAP
        ),
    )


def params_from_args(args: argparse.Namespace) -> SolveParams:
    """The search parameters the options of :func:`add_solve_options` give."""
    from matcher.solvers.params import SolveParams

    return SolveParams(
        time_limit=args.time_limit, workers=args.workers, seed=args.seed, engine=args.engine, gap=args.gap
    )


class ProgressLine:
    """Prints the engine's improving plans to stderr, at most once a second."""

    def __init__(self, time_limit: float, engine: str = "highs") -> None:
        self.time_limit = time_limit
        self.engine = engine
        self._last = 0.0

    def __call__(self, objective: int, bound: int | None, seconds: float) -> None:
        now = time.monotonic()
        if now - self._last < 1.0:
            return
        self._last = now
        gap = format_gap(relative_gap(objective, bound))
        shown = "—" if bound is None else f"{bound / VALUE_SCALE:,.2f}"
        print(
            _("  {engine} {seconds:5.1f}/{limit:g} s  objective {objective:,.2f}  bound {bound}  gap {gap}").format(
                engine=self.engine,
                seconds=seconds,
                limit=self.time_limit,
                objective=objective / VALUE_SCALE,
                bound=shown,
                gap=gap,
            ),
            file=sys.stderr,
            flush=True,
        )


def wrote_line(written: list[Path], out: Path) -> str:
    """``Wrote N files to OUT/: a, b, c`` after a blank line."""
    return "\n" + ngettext(
        "Wrote {n} file to {out}/: {names}", "Wrote {n} files to {out}/: {names}", len(written)
    ).format(n=len(written), out=out, names=", ".join(p.name for p in written))
