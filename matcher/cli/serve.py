"""``matcher serve``: run the workbench and the API on granian (default 127.0.0.1:8000, SQLite file ./matcher.db)."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket

from matcher.cli import summary
from matcher.cli.options import add_database_option, database_url, open_database
from matcher.errors import FieldError
from matcher.i18n import Text, _

#: Seconds a worker has, after SIGTERM, to stop its solve jobs (each keeps its best solution)
#: before it is killed; a job cut off then is failed by the next start.
STOP_GRACE_SECONDS = 30


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "serve",
        help=summary("serve"),
        description=_("Serve the API on granian, a multi-process WSGI server; the database is upgraded once on start."),
    )
    parser.add_argument("--host", default="127.0.0.1", help=_("address to listen on (default: 127.0.0.1)"))
    parser.add_argument("--port", type=int, default=8000, help=_("port (default: 8000)"))
    add_database_option(parser)
    parser.add_argument(
        "--workers",
        type=positive,
        default=2,
        help=_("server processes; each answers requests and runs the solve jobs it accepts (default: 2)"),
    )
    parser.add_argument(
        "--threads",
        type=positive,
        help=_(
            "request threads per process (default: 8 on SQLite, which commits the claims that arrive together "
            "in one transaction, so more threads mean fewer syncs of its log; 4 on PostgreSQL, where more "
            "threads only contend for the interpreter)"
        ),
    )
    parser.add_argument(
        "--solve-workers", type=positive, default=1, help=_("solve jobs each process runs at once (default: 1)")
    )
    parser.add_argument(
        "--sqlite-synchronous",
        choices=("FULL", "NORMAL"),
        default="FULL",
        help=_(
            "SQLite only: FULL syncs every commit, so an answered write survives a power cut; "
            "NORMAL is faster on slow disks but may lose the last commits (default: FULL)"
        ),
    )
    parser.set_defaults(handler=handle)


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(_("must be at least 1, got {value}").format(value=value))
    return value


def handle(args: argparse.Namespace) -> int:
    from granian import Granian
    from granian.constants import Interfaces

    from api.wsgi import SERVE_SETTINGS

    check_port_free(args.host, args.port)
    threads = args.threads or default_threads(database_url(args))
    with open_database(args) as store:  # upgraded once here, before the workers start
        shown = store.engine.url.render_as_string(hide_password=True)
    os.environ[SERVE_SETTINGS] = json.dumps(
        {
            "DATABASE_URL": database_url(args),
            "SOLVE_WORKERS": args.solve_workers,
            "SQLITE_SYNCHRONOUS": args.sqlite_synchronous,
            # one key for every worker, so a workbench session signed by one is read by the others;
            # MATCHER_SECRET_KEY keeps sessions across restarts
            "SECRET_KEY": os.environ.get("MATCHER_SECRET_KEY") or secrets.token_hex(32),
        }
    )
    print(
        _(
            "matcher API on http://{host}:{port}/ (docs at /docs, OpenAPI at /openapi.json); "
            "{workers} processes x {threads} threads; database {database}"
        ).format(host=args.host, port=args.port, workers=args.workers, threads=threads, database=shown),
        flush=True,
    )
    Granian(
        "api.wsgi:serve_app",
        factory=True,
        interface=Interfaces.WSGI,
        address=args.host,
        port=args.port,
        workers=args.workers,
        blocking_threads=threads,
        backlog=2048,
        respawn_failed_workers=True,
        workers_kill_timeout=STOP_GRACE_SECONDS,
        websockets=False,
    ).serve()
    return 0


def default_threads(url: str) -> int:
    """Request threads per process for the database at ``url``: 8 on SQLite (bigger group
    commits), 4 on PostgreSQL (measured with bench/bench_claims.py, docs/api.md)."""
    return 8 if url.startswith("sqlite") else 4


def check_port_free(host: str, port: int) -> None:
    """Refuse a port another process listens on: granian's workers bind with SO_REUSEPORT, so a
    second server would silently share the port (and half the requests would reach the other
    server's database). A plain bind fails on a port in use."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a closed server's TIME_WAIT is no obstacle
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise FieldError(
                "--port",
                Text(
                    "cannot listen on {host}:{port}: {reason}; is another server running there? Choose another --port",
                    host=host,
                    port=port,
                    reason=exc.strerror,
                ),
            ) from None
