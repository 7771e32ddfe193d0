"""Signing in with an API token (登录): the token's hash is kept in Flask's signed session
cookie, never the token itself, and every page reads the role and community or unit from it.
Forms that change anything carry the session's CSRF token."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Request, abort, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from api.auth import Principal, digest, principal_by_digest

F = TypeVar("F", bound=Callable[..., Any])

TOKEN_KEY, CSRF_KEY, CSRF_FIELD = "token", "csrf", "csrf"


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session, without building its signer for a request that sends no
    cookie at all (every API call): that cost a claim about 5 % of its Python time."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if "HTTP_COOKIE" not in request.environ:
            return self.session_class()
        return super().open_session(app, request)


def signed_in() -> Principal | None:
    """Who this browser signed in as, or None (a token revoked since is signed out)."""
    if "web_principal" not in g:
        key = session.get(TOKEN_KEY)
        g.web_principal = principal_by_digest(key) if isinstance(key, str) else None
    return g.web_principal


def current_actor() -> Principal:
    """Who this browser signed in as, on a page :func:`login_required` has let through."""
    principal = signed_in()
    if principal is None:  # login_required answers such a request before the view runs
        raise RuntimeError("a workbench view ran without a signed-in principal")
    return principal


def signed_in_token() -> str:
    """The hash of the token this browser signed in with (the claim checks it is still live)."""
    return str(session.get(TOKEN_KEY, ""))


def sign_in(secret: str) -> Principal | None:
    """Check ``secret`` like a bearer token; remember its hash in the session when it is live."""
    key = digest(secret.strip())
    principal = principal_by_digest(key) if secret.strip() else None
    if principal is not None:
        session.clear()
        session[TOKEN_KEY] = key
        g.web_principal = principal
    return principal


def sign_out() -> None:
    session.clear()


def csrf_token() -> str:
    """The session's token that every form posts back (made on first use)."""
    if CSRF_KEY not in session:
        session[CSRF_KEY] = secrets.token_urlsafe(24)
    return session[CSRF_KEY]


def check_csrf() -> None:
    """A POST from the workbench carries the session's token (a form field or ``X-CSRF`` header)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get(CSRF_FIELD) or request.headers.get("X-CSRF", "")
    if not sent or not secrets.compare_digest(sent, session.get(CSRF_KEY, "")):
        abort(400, description="csrf")


def login_required(*roles: str) -> Callable[[F], F]:
    """A view for signed-in people of ``roles`` (any role when none are named): others are sent
    to the login page, or refused with 403 when signed in under another role."""

    def wrap(view: F) -> F:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            principal = signed_in()
            if principal is None:
                return redirect(url_for("web.login", next=request.full_path))
            if roles and principal.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return checked  # type: ignore[return-value]

    return wrap


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site, never another origin."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("web.home")
