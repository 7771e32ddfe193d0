"""Helpers shared by the views: the app's store and job runner, lookups that answer 404, paging."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from werkzeug.routing import BaseConverter

from api.db import Store
from api.eligibility import RulesCache
from api.errors import ApiError
from api.group_commit import GroupCommit
from api.jobs import JobRunner

M = TypeVar("M")

#: Largest id the integer columns hold; bigger ids in a path are simply not found.
MAX_ID = 2_147_483_647


class NameConverter(BaseConverter):
    """A record, unit or job id in a path: 1-200 printable characters, no slash."""

    regex = r"[^/\x00-\x1f\x7f]{1,200}"


def store() -> Store:
    return current_app.extensions["matcher"].store


def claims_writer() -> GroupCommit:
    return current_app.extensions["matcher"].claims_writer


def rules() -> RulesCache:
    return current_app.extensions["matcher"].rules


def runner() -> JobRunner:
    return current_app.extensions["matcher"].runner


def get_or_404(session: Session, model: type[M], key: Any, what: str) -> M:
    found = session.get(model, key)
    if found is None:
        raise ApiError(404, f"no {what} {key}")
    return found


def paged(session: Session, query: Select, page: int, page_size: int) -> dict[str, Any]:
    """One page of ``query`` with the total count."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = session.scalars(query.limit(page_size).offset((page - 1) * page_size)).all()
    return {"items": items, "total": total, "page": page, "page_size": page_size}
