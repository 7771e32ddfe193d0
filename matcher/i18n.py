"""The language of what the command line prints: Simplified Chinese (zh) first, English (en) by a switch.

Texts are English msgids in the gettext domain ``matcher``; the catalogues are
``matcher/locale/{zh,en}/LC_MESSAGES/matcher.po``, compiled to the ``.mo`` files beside them (kept in
git; a test checks they match the ``.po``). They are read with the standard library's :mod:`gettext`,
so starting the command line imports no translation library.

The language is ``--lang`` when given, else the locale: the first set of ``LC_ALL``, ``LC_MESSAGES``
and ``LANG`` starting with ``en`` means English; anything else, or none set, means Chinese.
Texts defined at import time (reason labels, status notes) are marked with :func:`N_` and
translated where they are printed, so the language can be chosen after import. Error messages the
core raises are :class:`Text`: English strings (as the API, files and logs keep them) that remember
their msgid and fields, so the command line prints them translated (:func:`translated`). The command
line's help is in the chosen language too, argparse's own words ("usage:", its errors) included:
``matcher/cli/parsing.py`` marks them, so the catalogue holds them.

Updating the catalogues after changing a text (Babel's pybabel, from the repository root)::

    pybabel extract -k Text --no-location --sort-output -o /tmp/matcher.pot matcher
    pybabel update -w 120 -D matcher -d matcher/locale -i /tmp/matcher.pot --ignore-obsolete --no-fuzzy-matching
    # translate the new msgids in matcher/locale/zh/LC_MESSAGES/matcher.po, then
    pybabel compile -D matcher -d matcher/locale
"""

from __future__ import annotations

import functools
import gettext
import os
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import Any

DOMAIN = "matcher"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

_active: tuple[str, gettext.NullTranslations] | None = None


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """``en`` when the locale (LC_ALL, then LC_MESSAGES, then LANG) starts with ``en``, else ``zh``."""
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return "en" if value.lower().startswith("en") else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def use(language: str | None) -> str:
    """Print in ``language`` (``zh`` or ``en``) from now on; ``None`` goes back to the locale's choice."""
    global _active
    if language is None:
        _active = None
        return current()
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; expected one of {', '.join(LANGUAGES)}")
    _active = language, gettext.translation(DOMAIN, LOCALE_DIR, languages=[language])
    return language


def current() -> str:
    """The language texts are printed in now."""
    return _translations()[0]


def _translations() -> tuple[str, gettext.NullTranslations]:
    if _active is None:
        use(language_from_environment())
    assert _active is not None
    return _active


def _(message: str) -> str:
    """``message`` (an English msgid) in the current language."""
    return _translations()[1].gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the current language."""
    return _translations()[1].ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in ``context`` (e.g. ``status``), where one English word has several translations."""
    return _translations()[1].pgettext(context, message)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it (it is translated where printed)."""
    return message


def term(member: Enum) -> str:
    """A vocabulary word as the current language says it: the Chinese label in zh, the code in en
    (e.g. urgency ``emergency`` / ``紧急``, level ``street`` / ``街镇``)."""
    label = getattr(member, "label", None)
    return str(label) if current() == "zh" and label else str(member.value)


class Text(str):
    """An English message that keeps its msgid (``template``) and ``fields``: it is the English text
    wherever a string is wanted, and :func:`translated` prints it in the current language. Fields
    may be Texts themselves (translated with it), or lists of texts (joined by "; ")."""

    template: str
    fields: dict[str, Any]

    def __new__(cls, template: str, **fields: Any) -> Text:
        shown = {k: "; ".join(v) if isinstance(v, list) else v for k, v in fields.items()}
        text = super().__new__(cls, template.format(**shown))
        text.template, text.fields = template, fields
        return text

    def __reduce__(self) -> tuple[Any, ...]:  # pickles (e.g. to a Dask worker) as template and fields
        return _text, (self.template, self.fields)


def _text(template: str, fields: dict[str, Any]) -> Text:
    return Text(template, **fields)


def translated(value: Any, language: str | None = None) -> Any:
    """A :class:`Text` in the current language (or in ``language``, without changing the current
    one: a web page's language is its request's), its fields too; any other value as it is."""
    say = _ if language is None else catalogue(language).gettext
    if isinstance(value, Text):
        return say(value.template).format(**{k: translated(v, language) for k, v in value.fields.items()})
    if isinstance(value, list):
        return say(N_("; ")).join(str(translated(v, language)) for v in value)
    return value


@functools.cache
def catalogue(language: str) -> gettext.NullTranslations:
    """The translations of ``language`` (read once)."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; expected one of {', '.join(LANGUAGES)}")
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language])
