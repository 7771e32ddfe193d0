"""The planner's workbench (规划工作台): server-rendered pages in Chinese (English by a switch),
mounted at ``/`` beside the API on the same storage, tokens and core.

Each screen is one module here with one template in ``templates/``; it adds its routes to
:data:`api.web.blueprint.blp` and, when it is a menu entry, declares it as ``SCREEN`` (the
screens of one run, such as the result, the unmatched queue and the export, are reached from
the run instead). The pages call the same
services as the API views and the core; they hold no solving logic. Nothing is fetched from
another origin. The community map is SVG drawn by the server; plotly.js, for screens with charts,
is served from the installed plotly package (:mod:`api.web.assets`).
"""

from __future__ import annotations

import os
import secrets
from types import ModuleType

from flask import Flask
from flask_babel import Babel

from api.web import (
    assets,
    claiming,
    compare,
    editing,
    errors,
    escalation,
    export,
    formatting,
    history,
    home,
    i18n,
    projects,
    result,
    runs,
    scenarios,
    session,
    unmatched,
)
from api.web.blueprint import blp
from api.web.screens import MENU, menu_for

#: The screen modules, in menu order (a new screen: one module and one template, listed here).
SCREEN_MODULES: tuple[ModuleType, ...] = (scenarios, runs, compare, escalation, projects, claiming)


def init_app(app: Flask) -> None:
    """Mount the workbench on ``app``: languages, the signed session and every screen."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ.get("MATCHER_SECRET_KEY") or secrets.token_hex(32)
    app.config["SESSION_COOKIE_NAME"] = "matcher_session"
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.session_interface = session.CookieSessions()
    app.config.setdefault("BABEL_DEFAULT_LOCALE", i18n.LANGUAGES[0])
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(i18n.TRANSLATIONS))
    Babel(app, locale_selector=i18n.select_locale)
    app.register_blueprint(blp)


MENU[:] = [module.SCREEN for module in SCREEN_MODULES]
blp.before_request(session.check_csrf)
blp.after_request(i18n.remember_language)


@blp.context_processor
def _template_globals() -> dict[str, object]:
    from flask_babel import get_locale

    principal = session.signed_in()
    return {
        "principal": principal,
        "menu": menu_for(principal.role) if principal else [],
        "csrf_token": session.csrf_token,
        "locale": str(get_locale()),
        "languages": i18n.LANGUAGES,
        "plotly_version": assets.plotly_version(),
    }


__all__ = ["init_app", "editing", "errors", "export", "formatting", "history", "home", "result", "unmatched"]
