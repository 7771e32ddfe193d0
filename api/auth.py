"""API tokens: who may do what.

A token is a random secret shown once; only its SHA-256 hash is stored. Roles: ``planner`` (runs
solves, edits scenarios), ``community`` (orders projects for its community, 点单) and ``unit``
(claims for itself, 认领). Requests carry ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from flask import current_app, g, request
from flask_smorest import abort
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import Token

ROLES = ("planner", "community", "unit")

#: Each app keeps the tokens it saw recently, by hash, so a busy client costs no lookup per
#: request; a token revoked in the database stops working within CACHE_SECONDS.
CACHE_SECONDS = 30.0
CACHE_SIZE = 10_000


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
    community or unit); return how many were live. Servers notice within CACHE_SECONDS."""
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


def current_principal() -> Principal:
    """The caller, from the bearer token; 401 when it is missing, unknown or revoked."""
    if "principal" in g:
        return g.principal
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        abort(401, message="missing bearer token: send 'Authorization: Bearer <token>'")
    principal = principal_by_digest(digest(secret.strip()))
    if principal is None:
        abort(401, message="unknown or revoked token")
    g.principal = principal
    return principal


def principal_by_digest(key: str) -> Principal | None:
    """The holder of the live token whose hash is ``key`` (None when unknown or revoked); the
    API's bearer tokens and the workbench's session both come here."""
    extension = current_app.extensions["matcher"]
    recent: dict[str, tuple[Principal, float]] = extension.recent_tokens
    known = recent.get(key)
    if known is None or known[1] < time.monotonic():
        with extension.store.read() as session:
            token = session.scalar(select(Token).where(Token.token_hash == key))
        if token is None or token.revoked:
            return None
        if len(recent) >= CACHE_SIZE:
            recent.clear()
        known = recent[key] = (Principal(token.role, token.subject), time.monotonic() + CACHE_SECONDS)
    return known[0]


def require_planner() -> Principal:
    principal = current_principal()
    if not principal.is_planner:
        abort(403, message=f"only planners may do this; this token is {principal.name}'s")
    return principal


def forbid(principal: Principal, what: str) -> None:
    abort(403, message=f"{principal.name} may not {what}")
