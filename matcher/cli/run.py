"""``matcher run SCENARIO``: solve a scenario, print a summary, write JSON and CSV. A scenario
with orders or budgets is solved by the project model (ordering, claiming and serving together)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from matcher.cli import summary
from matcher.cli.options import (
    ProgressLine,
    add_policy_options,
    add_solve_options,
    params_from_args,
    policy_from_args,
    wrote_line,
)
from matcher.errors import FieldError
from matcher.i18n import Text, _, translated
from matcher.io.scenario import load_scenario
from matcher.projects.dispatch import solve_problem

if TYPE_CHECKING:
    from matcher.parallel.cluster import Executor


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "run",
        help=summary("run"),
        description=_("Solve a scenario; print a summary and write result.json and CSV tables."),
    )
    parser.add_argument("scenario", help=_("scenario file (.yaml, .json or .xlsx)"))
    add_policy_options(parser)
    add_solve_options(parser)
    parser.add_argument("--out", metavar="DIR", help=_("write result.json and CSVs here (default: results/<scenario>)"))
    parser.add_argument("--xlsx", action="store_true", help=_("also write results.xlsx, every table as a sheet"))
    parser.add_argument(
        "--parallel-parts",
        type=int,
        metavar="N",
        help=_(
            "solve independent parts (the project model's streets, the candidate graph's components) "
            "in parallel on a local Dask cluster of N workers (with --scheduler: N groups on that cluster)"
        ),
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help=_("solve independent parts on an existing Dask scheduler, e.g. tcp://h:8786"),
    )
    parser.set_defaults(handler=handle)


@contextmanager
def parts_executor(n_workers: int | None, scheduler: str | None) -> Iterator[Executor | None]:
    """Dask for independent parts when asked for (a local cluster of ``n_workers``, or ``scheduler``),
    closed afterwards; None otherwise."""
    if n_workers is None and scheduler is None:
        yield None
        return
    if n_workers is not None and n_workers < 1:
        raise FieldError("--parallel-parts", Text("must be at least 1, got {value}", value=n_workers))
    from matcher.parallel.cluster import OnDask, close, connect

    client = connect(scheduler, n_workers or 2)
    try:
        if scheduler is None:
            client.wait_for_workers(n_workers or 2)
        yield OnDask(client, n_workers if scheduler is not None else None)
    finally:
        close(client, own_cluster=scheduler is None)


def handle(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    policy = policy_from_args(args, scenario.policy)
    problem = scenario.problem
    parallel = args.parallel_parts is not None or args.scheduler is not None
    progress = None if problem.has_projects or parallel else ProgressLine(args.time_limit, args.engine)
    with parts_executor(args.parallel_parts, args.scheduler) as executor:
        result = solve_problem(
            problem,
            policy,
            solver=args.solver,
            params=params_from_args(args),
            on_progress=progress,
            executor=executor,
        )
        where = executor.where if executor is not None else ""
    print(result.summary())
    if where and problem.has_projects:
        from matcher.projects.result import ProjectResult

        assert isinstance(result, ProjectResult)
        print(translated(Text("\n{parts} independent part(s) solved on {where}", parts=len(result.parts), where=where)))
    out = Path(args.out) if args.out else Path("results") / problem.name
    written = result.write(out, xlsx=args.xlsx)
    print(wrote_line(written, out))
    return 0
