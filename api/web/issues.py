"""Validation issues as the scenarios screen shows them: one row per issue with file, row, field
and message, in the page's language. The core's messages and record labels carry their msgid
(:class:`matcher.i18n.Text`) and are said in Chinese through the core's own catalogue."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from api.errors import ApiError
from api.web.terms import chinese, field_text, sheet_text
from matcher.errors import FieldError, InfeasibleError, MatcherError, ScenarioError
from matcher.i18n import Text, translated
from matcher.io.headers import SHEET_ALIASES

#: Messages of the upload checks (:mod:`api.uploads`), which are not the core's: (pattern, text).
MESSAGES = (
    (r"unsupported file name (?P<got>.+)", _l("unsupported file name %(got)s")),
    (r"(?P<got>.+) uploaded twice", _l("%(got)s uploaded twice")),
    (r"the file cannot be read", _l("the file cannot be read")),
)
_COMPILED = tuple((re.compile(pattern + "$"), text) for pattern, text in MESSAGES)
_SHEET = re.compile(r"^(?P<file>.*) sheet '(?P<sheet>.*)'$")


@dataclass(frozen=True)
class IssueRow:
    """One line of the validation table."""

    file: str
    row: str
    field: str
    message: str


def message_text(message: str | list[str]) -> str:
    """A message (or a list of them) in the page's language: the core's through its own catalogue
    (its messages are :class:`~matcher.i18n.Text`), the upload checks' through this one; others as
    they are."""
    if isinstance(message, (Text, list)):
        return translated(message, "zh" if chinese() else "en")
    if chinese():
        for pattern, text in _COMPILED:
            found = pattern.match(message.strip())
            if found:
                return str(text) % found.groupdict()
    return message


def file_text(file: str) -> str:
    """``book.xlsx sheet 'needs'`` as book.xlsx 工作表 needs, and a stored list's name (``needs``)
    as its sheet name (需求清单), in Chinese pages."""
    if file in SHEET_ALIASES:
        return sheet_text(file)
    found = _SHEET.match(file)
    if found and chinese():
        return _("%(file)s sheet %(sheet)s", file=found["file"], sheet=found["sheet"])
    return file


def issue_rows(error: Exception) -> list[IssueRow]:
    """The rows of a failed upload or edit: every issue of a ScenarioError (also one behind an
    ApiError), or the fields of an ApiError."""
    if isinstance(error, ApiError) and isinstance(error.__cause__, ScenarioError):
        error = error.__cause__
    if isinstance(error, ScenarioError):
        return [
            IssueRow(file_text(i.file), message_text(i.record), field_text(i.field), message_text(i.message))
            for i in error.issues
        ]
    if isinstance(error, ApiError):
        rows = [IssueRow(where, "", field, message_text(str(m))) for where, field, m in _flatten(error.errors)]
        return rows or [IssueRow("", "", "", message_text(error.message))]
    return [IssueRow("", "", "", message_text(str(error)))]


def _flatten(errors: dict[str, Any]) -> list[tuple[str, str, str]]:
    out = []
    for where, fields in errors.items():
        for field, messages in fields.items() if isinstance(fields, dict) else [("", fields)]:
            out += [(where, field, m) for m in (messages if isinstance(messages, list) else [messages])]
    return out


def error_text(exc: MatcherError) -> str:
    """A refusal of the core in the page's language: the conflicting constraints of an infeasible
    model, a field and its message, else the message as raised. Pages keep the error itself (a
    cached refusal is said in each page's own language)."""
    if isinstance(exc, InfeasibleError):
        conflicts = message_text(exc.constraints)
        return _("The hard constraints cannot all hold; in conflict: %(constraints)s", constraints=conflicts)
    if isinstance(exc, FieldError):
        return f"{field_text(exc.field)}: {message_text(exc.message)}"
    return message_text(exc.args[0]) if len(exc.args) == 1 else str(exc)
