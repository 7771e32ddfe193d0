"""``matcher serve``: run the API on waitress (default 127.0.0.1:8000, SQLite file ./matcher.db)."""

from __future__ import annotations

import argparse
import os


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("serve", help="run the HTTP API (OpenAPI at /openapi.json, Swagger UI at /docs)",
                            description="Serve the API on a WSGI server; the database is upgraded on start.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    parser.add_argument("--database", metavar="URL",
                        help="database URL (default: $DATABASE_URL, else sqlite:///matcher.db)")
    parser.add_argument("--threads", type=int, default=8, help="request threads (default: 8)")
    parser.add_argument("--solve-workers", type=int, default=1, help="solve jobs run at once (default: 1)")
    parser.set_defaults(handler=handle)


def database_url(args: argparse.Namespace) -> str:
    return args.database or os.environ.get("DATABASE_URL") or "sqlite:///matcher.db"


def handle(args: argparse.Namespace) -> int:
    import waitress

    from api import create_app

    app = create_app({"DATABASE_URL": database_url(args), "SOLVE_WORKERS": args.solve_workers})
    print(f"matcher API on http://{args.host}:{args.port}/ (docs at /docs, OpenAPI at /openapi.json)", flush=True)
    try:
        waitress.serve(app, host=args.host, port=args.port, threads=args.threads, connection_limit=1000,
                       backlog=2048, channel_timeout=60, ident="matcher")
    finally:
        app.extensions["matcher"].runner.shutdown()
    return 0
