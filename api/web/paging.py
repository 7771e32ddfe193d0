"""Paging of long tables on the server (分页): a page of rows and the links around it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import request

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class Page:
    """Rows ``items`` of page ``number`` (from 1) out of ``total`` rows, ``size`` per page."""

    items: Sequence[Any]
    total: int
    number: int
    size: int
    #: The query parameter that picks this table's page (a screen with two tables has two).
    param: str = "page"

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first_row(self) -> int:
        return (self.number - 1) * self.size + 1 if self.total else 0

    @property
    def last_row(self) -> int:
        return min(self.total, self.number * self.size)


def page_args(param: str = "page") -> tuple[int, int]:
    """``?page=`` (or ``param``) and ``?size=`` from the query, clamped to sensible values."""
    page = request.args.get(param, "1")
    size = request.args.get("size", str(PAGE_SIZE))
    number = int(page) if page.isdigit() and int(page) > 0 else 1
    per = int(size) if size.isdigit() and 0 < int(size) <= MAX_PAGE_SIZE else PAGE_SIZE
    return number, per


def page_of(rows: Sequence[Any], param: str = "page") -> Page:
    """The asked-for page of rows already in memory."""
    number, size = page_args(param)
    number = min(number, max(1, -(-len(rows) // size)))
    start = (number - 1) * size
    return Page(rows[start : start + size], len(rows), number, size, param)
