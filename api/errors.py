"""Every error answers ``{code, status, message, errors}``: 4xx name the fields at fault; a
database that is unreachable or stays locked is a 503 with Retry-After; an unexpected failure is
logged and answered as a plain 500 without a traceback."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from matcher.errors import FieldError, MatcherError, ScenarioError


class ApiError(Exception):
    """An error a view raises on purpose (bad reference, conflict)."""

    def __init__(self, code: int, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.errors = code, message, errors or {}


def field_error(exc: FieldError, location: str = "json") -> ApiError:
    return ApiError(422, f"invalid field {exc.field!r}: {exc.message}", {location: {exc.field: [exc.message]}})


def scenario_error(exc: ScenarioError) -> ApiError:
    """Each issue of a scenario under its file and record, keyed by field."""
    errors: dict[str, Any] = {}
    for issue in exc.issues:
        where = ", ".join(p for p in (issue.file, issue.record) if p) or "scenario"
        errors.setdefault(where, {}).setdefault(issue.field or "_schema", []).append(issue.message)
    first = str(exc.issues[0]) if exc.issues else "invalid scenario"
    more = f" (and {len(exc.issues) - 1} more)" if len(exc.issues) > 1 else ""
    return ApiError(422, f"invalid scenario: {first}{more}", errors)


def _body(code: int, status: str, message: str, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "status": status, "message": message, "errors": errors or {}}


def register(app: Flask) -> None:
    """Install handlers so no error escapes in another shape."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> ResponseReturnValue:
        return jsonify(_body(exc.code, HTTPStatus(exc.code).phrase, exc.message, exc.errors)), exc.code

    @app.errorhandler(FieldError)
    def _field_error(exc: FieldError) -> ResponseReturnValue:
        return _api_error(field_error(exc))

    @app.errorhandler(ScenarioError)
    def _scenario_error(exc: ScenarioError) -> ResponseReturnValue:
        return _api_error(scenario_error(exc))

    @app.errorhandler(MatcherError)
    def _matcher_error(exc: MatcherError) -> ResponseReturnValue:
        return _api_error(ApiError(422, str(exc)))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> ResponseReturnValue:
        code = exc.code or 500
        data = getattr(exc, "data", None) or {}
        errors = data.get("messages") or {}
        message = data.get("message") or _message(code, exc, errors)
        response = jsonify(_body(code, exc.name, message, errors))
        for key, value in getattr(exc, "get_headers", lambda: [])() or []:
            if key.lower() not in ("content-type", "content-length"):
                response.headers[key] = value
        return response, code

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_unavailable(exc: DBAPIError) -> ResponseReturnValue:
        """The database went away or stayed locked; the client may retry (a claim retried with
        its Idempotency-Key counts once)."""
        app.logger.error("database unavailable: %s", exc.orig)
        response = jsonify(
            _body(
                503,
                "Service Unavailable",
                "the database is unavailable; try again shortly (a claim retried with its Idempotency-Key counts once)",
            )
        )
        response.headers["Retry-After"] = "1"
        return response, 503

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> ResponseReturnValue:
        app.logger.exception("unexpected error")
        return _http_error(InternalServerError())


def _message(code: int, exc: HTTPException, errors: dict[str, Any]) -> str:
    if errors:
        fields = sorted({f"{loc}.{name}" for loc, per in errors.items() if isinstance(per, dict) for name in per})
        if fields:
            return "invalid input in " + ", ".join(fields)
        return "malformed request: " + "; ".join(
            f"{loc}: {' '.join(map(str, per)) if isinstance(per, list) else per}" for loc, per in errors.items()
        )
    if code == 413:
        return "request body too large"
    return exc.description or exc.name
