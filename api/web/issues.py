"""Validation issues as the scenarios screen shows them: one row per issue with file, row, field
and message, in the page's language. The core names every issue in English; the usual messages
are matched here and said in Chinese (the original text stays beside an unmatched one)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from api.errors import ApiError
from api.web.terms import chinese, field_text, sheet_text
from matcher.errors import ScenarioError
from matcher.io.headers import SHEET_ALIASES

#: (pattern of the core's message, its translation with the pattern's named groups).
MESSAGES = (
    (r"expected a number, got (?P<got>.+)", _l("expected a number, got %(got)s")),
    (r"expected a finite number, got (?P<got>.+)", _l("expected a finite number, got %(got)s")),
    (r"expected a whole number, got (?P<got>.+)", _l("expected a whole number, got %(got)s")),
    (r"must be positive, got (?P<got>.+)", _l("must be greater than 0, got %(got)s")),
    (r"must not be negative, got (?P<got>.+)", _l("must not be negative, got %(got)s")),
    (r"must not be negative", _l("must not be negative")),
    (r"must be at least (?P<least>\S+), got (?P<got>.+)", _l("must be at least %(least)s, got %(got)s")),
    (r"is required", _l("is required")),
    (r"missing column", _l("the column is missing")),
    (r"unknown community (?P<got>.+)", _l("unknown community %(got)s")),
    (
        r"unknown (?P<what>\w+) (?P<got>.+?); expected one of: (?P<choices>.+)",
        _l("unknown value %(got)s; expected one of: %(choices)s"),
    ),
    (
        r"unknown (?:field|key|column)(?: (?P<got>.+?))?; expected some of: (?P<choices>.+)",
        _l("unknown column; expected some of: %(choices)s"),
    ),
    (r"duplicate id (?P<got>.+)", _l("duplicate id %(got)s")),
    (r"the file is empty", _l("the file is empty")),
    (r"file not found", _l("file not found")),
    (r"no such sheet; sheets: (?P<choices>.+)", _l("no such sheet; the workbook has: %(choices)s")),
)
_COMPILED = tuple((re.compile(pattern + "$"), text) for pattern, text in MESSAGES)
_ROW = re.compile(r"^(?:row|record) (?P<row>\d+)(?P<rest>.*)$")
_SHEET = re.compile(r"^(?P<file>.*) sheet '(?P<sheet>.*)'$")


@dataclass(frozen=True)
class IssueRow:
    """One line of the validation table."""

    file: str
    row: str
    field: str
    message: str


def message_text(message: str) -> str:
    """The core's message in the page's language (unmatched messages stay as the core said them)."""
    if not chinese():
        return message
    for pattern, text in _COMPILED:
        found = pattern.match(message.strip())
        if found:
            return str(text) % {k: v or "" for k, v in found.groupdict().items()}
    return message


def row_text(record: str) -> str:
    """``row 7 (id N0006)`` as 第 7 行 (id N0006) in Chinese pages."""
    found = _ROW.match(record)
    if found and chinese():
        return _("row %(row)s", row=found["row"]) + found["rest"]
    return record


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
            IssueRow(
                file_text(i.file), row_text(i.record), field_text(i.field) if i.field else "", message_text(i.message)
            )
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
