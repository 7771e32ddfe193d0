"""Errors that reach users: bad input names its file, record and field; infeasibility names its constraint."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def typed(value: Any) -> str:
    """A cell as the planner typed it, for messages: ``'abc'``, ``7``, ``1e+300``, ``0:10``,
    ``2026-03-01`` — never a Python object such as ``datetime.time(0, 10)``."""
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d" if value.time() == datetime.time() else "%Y-%m-%d %H:%M")
    if isinstance(value, datetime.time):
        return f"{value.hour}:{value.minute:02d}" + (f":{value.second:02d}" if value.second else "")
    if isinstance(value, datetime.timedelta):
        hours, rest = divmod(int(value.total_seconds()), 3600)
        return f"{hours}:{rest // 60:02d}"
    return str(value)


#: How a message names its field (English; the command line prints its translation).
FIELD_FRAME = "field {field!r}: "


class MatcherError(Exception):
    """Base of every error `matcher` reports to a user instead of a traceback."""


class FieldError(MatcherError, ValueError):
    """One field of one record is wrong; raised by value-object constructors."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(FIELD_FRAME.format(field=field) + message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Issue:
    """Where a problem in the input is and what it is."""

    file: str
    record: str
    field: str
    message: str

    def __str__(self) -> str:
        return self.render()

    def render(self, field_frame: str = FIELD_FRAME, translate: Callable[[str], str] = str) -> str:
        """``file: record: field 'x': message``; the command line passes the translation of
        ``field_frame`` and a ``translate`` for the record and the message."""
        where = ": ".join(translate(part) for part in (self.file, self.record) if part)
        field = field_frame.format(field=self.field) if self.field else ""
        message = translate(self.message)
        return f"{where}: {field}{message}" if where else f"{field}{message}"


class ScenarioError(MatcherError):
    """The scenario cannot be read; every issue names its file, record and field."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


class InfeasibleError(MatcherError):
    """Hard constraints cannot all hold; ``constraints`` names the ones in conflict."""

    def __init__(self, constraints: list[str]) -> None:
        self.constraints = constraints
        lines = "\n".join(f"  - {c}" for c in constraints)
        super().__init__(f"the hard constraints cannot all hold; in conflict:\n{lines}")


class SolverUnsuitableError(MatcherError):
    """The chosen solver cannot express the problem exactly (e.g. flow with per-pair loads)."""
