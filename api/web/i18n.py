"""Languages of the workbench: Simplified Chinese by default, English by a switch (``?lang=en``,
kept in a cookie). Messages live in Babel catalogues under ``translations/`` (see
docs/workbench.md for the commands that extract, update and compile them)."""

from __future__ import annotations

from pathlib import Path

from flask import Response, request

#: The languages offered, the first being the default.
LANGUAGES = ("zh", "en")
COOKIE = "lang"
#: The catalogues: ``zh/LC_MESSAGES/messages.po`` and its compiled ``.mo`` (English is the source).
TRANSLATIONS = Path(__file__).with_name("translations")
COOKIE_SECONDS = 365 * 24 * 3600


def select_locale() -> str:
    """The page's language: ``?lang=`` first, then the cookie, then Chinese."""
    for asked in (request.args.get(COOKIE), request.cookies.get(COOKIE)):
        if asked in LANGUAGES:
            return asked
    return LANGUAGES[0]


def remember_language(response: Response) -> Response:
    """Keep a language picked by ``?lang=`` for the next pages."""
    asked = request.args.get(COOKIE)
    if asked in LANGUAGES and request.cookies.get(COOKIE) != asked:
        response.set_cookie(COOKIE, asked, max_age=COOKIE_SECONDS, samesite="Lax", httponly=True)
    return response
