"""Template helpers: figures as planners read them (percentages, gaps, minutes), roles,
vocabulary and the core's messages in the page's language, and links that keep the query."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import request
from flask_babel import gettext as _

from api.auth import Principal
from api.web.blueprint import blp
from api.web.issues import message_text
from api.web.terms import field_text, sheet_text, value_text
from matcher.result import format_gap


@blp.app_template_filter("merge_query")
def merge_query(args: Any, **changes: Any) -> str:
    """The current query with ``changes`` applied (a value of None drops the key)."""
    merged = {k: v for k, v in args.items(multi=False)}
    merged.update({k: v for k, v in changes.items() if v is not None})
    return urlencode({k: v for k, v in merged.items() if changes.get(k, v) is not None})


@blp.app_template_global("here_with")
def here_with(**changes: Any) -> str:
    """This page's URL with ``changes`` to its query (for pagers and filters)."""
    return f"{request.path}?{merge_query(request.args, **changes)}"


@blp.app_template_global("role_label")
def role_label(principal: Principal) -> str:
    if principal.role == "community":
        return _("Community %(id)s", id=principal.subject)
    if principal.role == "unit":
        return _("Unit %(id)s", id=principal.subject)
    return _("Planner")


@blp.app_template_filter("percent")
def percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}%}"


@blp.app_template_filter("gap")
def gap(value: float | None) -> str:
    """A proven gap, or a dash when nothing was proven (never a made-up figure)."""
    return format_gap(value)


@blp.app_template_filter("figure")
def figure(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


@blp.app_template_filter("minutes")
def minutes(value: float) -> str:
    """A deadline as people say it: 30 分钟 / 24 小时 / 7 天."""
    if value >= 2 * 24 * 60 and value % (24 * 60) == 0:
        return _("%(n)d days", n=value // (24 * 60))
    if value >= 60 and value % 60 == 0:
        return _("%(n)d hours", n=value // 60)
    return _("%(n)d minutes", n=value)


blp.add_app_template_global(value_text)
blp.add_app_template_global(field_text)
blp.add_app_template_global(sheet_text)
blp.add_app_template_filter(message_text)  # the core's texts (recommendations' reasons) in the page's language
