"""``matcher sweep SPEC``: a grid of scenarios x policies x parameters x seeds on Dask, resumable."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from matcher.cli import summary
from matcher.errors import FieldError
from matcher.i18n import Text, _


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "sweep",
        help=summary("sweep"),
        description=_(
            "Run a sweep spec on a local Dask cluster (or --scheduler ADDRESS, or --serial); one row "
            "per run in sweep.parquet and sweep.csv. Finished runs are kept in OUT/runs and not redone."
        ),
    )
    parser.add_argument("spec", help=_("sweep spec (.yaml or .json); see docs/policy-lab.md"))
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", help=_("an existing Dask scheduler, e.g. tcp://host:8786"))
    where.add_argument("--serial", action="store_true", help=_("run here, one run after another, without Dask"))
    parser.add_argument("--n-workers", type=int, default=2, help=_("workers of the local cluster (default: 2)"))
    parser.add_argument(
        "--connect-timeout",
        type=float,
        default=10.0,
        metavar="S",
        help=_("seconds to wait for --scheduler (default: 10)"),
    )
    parser.add_argument("--out", metavar="DIR", help=_("output directory (default: results/sweep-<name>)"))
    parser.add_argument("--no-progress", action="store_true", help=_("no progress bar"))
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from matcher.lab.sweep import load_spec, run_sweep  # pandas and Dask only for this command
    from matcher.parallel.cluster import close, connect

    if args.n_workers < 1:
        raise FieldError("--n-workers", Text("must be at least 1, got {value}", value=args.n_workers))
    spec = load_spec(args.spec)
    out = Path(args.out) if args.out else Path("results") / f"sweep-{spec.name}"
    client = None if args.serial else connect(args.scheduler, args.n_workers, args.connect_timeout)
    try:
        report = run_sweep(spec, out, client, progress=not args.no_progress)
    except KeyboardInterrupt:
        print(
            _("matcher: interrupted; finished runs are kept in {runs}/ — run again to resume").format(
                runs=out / "runs"
            ),
            file=sys.stderr,
        )
        return 130
    finally:
        if client is not None:
            close(client, own_cluster=args.scheduler is None)
    print(
        _("Sweep {name}: {total} runs; {resumed} found finished, {ran} run now, {failed} failed").format(
            name=spec.name, total=report.total, resumed=report.resumed, ran=report.ran, failed=report.failed
        )
    )
    bad = report.unproven()
    if len(bad):
        print(
            _(
                "*** NOT PROVEN: {bad} of {total} run(s) did not reach a gap of 1% (see the status and gap "
                "columns); their figures are not optima."
            ).format(bad=len(bad), total=report.total)
        )
    print(_("Wrote {files}").format(files=", ".join(str(p) for p in report.files)))
    return 0
