"""API tokens: who may do what.

A token is a random secret shown once; only its SHA-256 hash is stored. Roles: ``planner`` (runs
solves, edits scenarios), ``community`` (orders projects for its community, 点单) and ``unit``
(claims for itself, 认领). Requests carry ``Authorization: Bearer <token>``.

A revoked token stops working at once, in every server process: each request checks in the
database that its token is live. A view that does so in its own transaction (the claim, see
:func:`checks_token_itself`) is spared a query of its own: its caller's role and subject come from
a per-process cache, which can never be stale, since a token's role and subject never change.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn, TypeVar

import flask_smorest
from flask import current_app, g, request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from api.models import Token

#: flask-smorest ships no type hints; its ``abort`` always raises (an HTTPException carrying the message).
abort: Callable[..., NoReturn] = flask_smorest.abort

ROLES = ("planner", "community", "unit")

#: Tokens (by hash) whose holder a process remembers; the cache is emptied when it is full.
CACHE_SIZE = 10_000
#: A live (not revoked) token of this hash, as a column of a statement that needs to know.
LIVE_TOKEN = (
    select(Token.id).where(Token.token_hash == bindparam("token"), Token.revoked.is_(False)).exists().label("live")
)

F = TypeVar("F", bound=Callable)


@dataclass(frozen=True)
class Principal:
    """The holder of a token: a role and, for communities and units, whose it is."""

    role: str
    subject: str = ""

    @property
    def name(self) -> str:
        """How the audit log names this actor: ``planner``, ``community:C01``, ``unit:U07``."""
        return f"{self.role}:{self.subject}" if self.subject else self.role

    @property
    def is_planner(self) -> bool:
        return self.role == "planner"

    def is_unit(self, unit: str) -> bool:
        return self.role == "unit" and self.subject == unit

    def is_community(self, community: str) -> bool:
        return self.role == "community" and self.subject == community


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, role: str, subject: str = "", label: str = "") -> str:
    """Create a token for ``role`` (and its community or unit); return the secret, stored hashed."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of: {', '.join(ROLES)}")
    if (role == "planner") != (not subject):
        raise ValueError("a planner token names no subject; community and unit tokens name theirs")
    secret = f"mt_{secrets.token_urlsafe(32)}"
    session.add(Token(token_hash=digest(secret), role=role, subject=subject, label=label))
    return secret


def revoke_tokens(session: Session, role: str, subject: str = "", secret: str = "") -> int:
    """Revoke the token whose secret is ``secret``, or else every token of ``role`` (and its
    community or unit); return how many were live. Servers refuse them from the next request on."""
    query = select(Token).where(Token.revoked.is_(False))
    query = (
        query.where(Token.token_hash == digest(secret))
        if secret
        else query.where(Token.role == role, Token.subject == subject)
    )
    live = session.scalars(query).all()
    for token in live:
        token.revoked = True
    return len(live)


def checks_token_itself(method: F) -> F:
    """Mark a view method that checks in its own transaction that the caller's token is live
    (with :data:`LIVE_TOKEN` and :func:`token_hash`), so authentication makes no query for a
    token the process has seen. Its refusals made before that transaction (a body that does not
    validate, another unit's claim) do not say whether the token is revoked."""
    method.checks_token_itself = True  # type: ignore[attr-defined]
    return method


def _view_checks_token() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    method = getattr(getattr(view, "view_class", None), request.method.lower(), None)
    return getattr(method, "checks_token_itself", False)


def token_hash() -> str:
    """The hash of the caller's token (after :func:`current_principal`)."""
    return g.token_hash


def principal_by_digest(key: str) -> Principal | None:
    """The holder of the live token whose hash is ``key`` (None when unknown or revoked), read from
    the database; the API's bearer tokens and the workbench's session both come here."""
    with current_app.extensions["matcher"].store.read() as session:
        found = session.execute(select(Token.role, Token.subject, Token.revoked).where(Token.token_hash == key)).first()
    return None if found is None or found.revoked else Principal(found.role, found.subject)


def current_principal() -> Principal:
    """The caller, from the bearer token; 401 when it is missing, unknown or revoked."""
    if "principal" in g:
        return g.principal
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        abort(401, message="missing bearer token: send 'Authorization: Bearer <token>'")
    key = digest(secret.strip())
    holders: dict[str, Principal] = current_app.extensions["matcher"].token_holders
    known = holders.get(key) if _view_checks_token() else None
    if known is None:
        known = principal_by_digest(key)
        if known is None:
            abort(401, message="unknown or revoked token")
        if len(holders) >= CACHE_SIZE:
            holders.clear()
        holders[key] = known
    g.principal, g.token_hash = known, key
    return known


def require_planner() -> Principal:
    principal = current_principal()
    if not principal.is_planner:
        abort(403, message=f"only planners may do this; this token is {principal.name}'s")
    return principal


def forbid(principal: Principal, what: str) -> None:
    abort(403, message=f"{principal.name} may not {what}")
