"""The matcher service: a Flask API over the solver core, with its OpenAPI 3 document at
``/openapi.json`` and a Swagger UI page at ``/docs``.

``create_app(config)`` builds an app on a database (SQLite file by default, PostgreSQL through
``DATABASE_URL``), upgrades it to the newest migration and fails the jobs whose process is gone
(:mod:`api.jobs`).
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, current_app, request
from flask_smorest import Api
from swagger_ui_bundle import swagger_ui_path
from werkzeug.exceptions import RequestEntityTooLarge

from api import errors
from api.auth import current_principal
from api.db import Store, upgrade
from api.eligibility import RulesCache
from api.group_commit import GroupCommit
from api.jobs import JobRunner

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": "sqlite:///matcher.db",
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
    "SOLVE_WORKERS": 1,
    "SOLVER_THREADS": 2,
    "LEASE_SECONDS": 15.0,  # a server process's lease on its solve jobs (see api.jobs)
    "SQLITE_SYNCHRONOUS": "FULL",  # FULL: a 201 survives a power cut; NORMAL: faster, may lose the last commits
    "MIGRATE_ON_START": True,
    "API_TITLE": "matcher",
    "API_VERSION": "1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": "/swagger-ui/",  # served from the swagger-ui-bundle package: no CDN needed
    "API_SPEC_OPTIONS": {
        "info": {
            "description": "Match residents' needs (需求清单) with resources (资源清单); communities order "
            "projects (点单), units claim them (认领). "
            "Send the header 'Authorization: Bearer TOKEN'."
        },
        "security": [{"bearerAuth": []}],
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    },
}


#: Blueprints that need no bearer token: the workbench (its pages sign in by a session cookie,
#: :mod:`api.web.session`), the API's documentation, and Open311
#: GeoReport v2, whose clients read without a key and file with the standard's ``api_key``
#: (checked by the blueprint itself; it stores no personal fields).
PUBLIC_BLUEPRINTS = frozenset({"web", "api-docs", "swagger_ui_assets", "open311"})


def _authenticate() -> None:
    """Every request but the public pages carries a valid token: 401 before its body is read."""
    if request.endpoint is not None and request.blueprint not in PUBLIC_BLUEPRINTS:
        current_principal()


def _bound_streamed_body() -> None:
    """A body sent without Content-Length (chunked) is read here, up to MAX_CONTENT_LENGTH: one
    byte more is 413, as a declared length over the cap is (the stream would otherwise be cut at
    the cap silently, and the truncated body answered 400)."""
    environ, limit = request.environ, current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is None or request.content_length is not None or "wsgi.input_terminated" not in environ:
        return
    body = environ["wsgi.input"].read(limit + 1)
    if len(body) > limit:
        raise RequestEntityTooLarge()
    environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))


@dataclass
class Extension:
    """What an app holds beside Flask: its database, its job runner, the queue its claim changes
    are committed through and its cache of claim rules."""

    store: Store
    runner: JobRunner
    claims_writer: GroupCommit
    rules: RulesCache = field(default_factory=RulesCache)
    token_holders: dict[str, Any] = field(default_factory=dict)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """An app on ``config['DATABASE_URL']`` (else the ``DATABASE_URL`` variable, else ./matcher.db)."""
    from api import web
    from api.views import BLUEPRINTS
    from api.views.common import NameConverter

    app = Flask("api")
    app.config.update(DEFAULTS)
    if os.environ.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = os.environ["DATABASE_URL"]
    app.config.update(config or {})
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.url_map.converters["name"] = NameConverter

    store = Store(app.config["DATABASE_URL"], synchronous=app.config["SQLITE_SYNCHRONOUS"])
    if app.config["MIGRATE_ON_START"]:
        upgrade(store.engine)
    runner = JobRunner(
        store,
        workers=app.config["SOLVE_WORKERS"],
        solver_workers=app.config["SOLVER_THREADS"],
        lease_seconds=app.config["LEASE_SECONDS"],
    )
    runner.recover()
    app.extensions["matcher"] = Extension(store, runner, GroupCommit(store))

    # The Swagger UI page's scripts and styles come from the installed swagger-ui-bundle package,
    # so /docs renders on machines without internet access.
    app.register_blueprint(
        Blueprint("swagger_ui_assets", __name__, static_folder=swagger_ui_path, static_url_path="/swagger-ui")
    )
    web.init_app(app)
    app.before_request(_authenticate)
    app.before_request(_bound_streamed_body)
    api = Api(app)
    api.register_converter(NameConverter, lambda _: {"type": "string", "minLength": 1, "maxLength": 200})
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    errors.register(app)
    return app


__all__ = ["create_app"]
