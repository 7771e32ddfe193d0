"""Rows from a list file: CSV, XLSX (one sheet per list), JSON or YAML.

Each row comes with a label that says where it stands (``row 14``), so an error can name it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from matcher.errors import Issue, ScenarioError

TABLE_SUFFIXES = (".csv", ".xlsx", ".json", ".yaml", ".yml")


@dataclass(frozen=True)
class Row:
    """One record as read, and where it was read from."""

    file: str
    label: str
    values: dict[str, Any]


def read_rows(path: Path, sheet: str | None, required: Sequence[str], shown: str) -> list[Row]:
    """Rows of one list from ``path`` (``sheet`` picks an XLSX sheet); ``shown`` names the file in errors."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ScenarioError([Issue(shown, "", "", "file not found")])
    try:
        if suffix == ".csv":
            rows = _csv_rows(path, shown)
        elif suffix == ".xlsx":
            rows = _xlsx_rows(path, sheet, shown)
        elif suffix in (".json", ".yaml", ".yml"):
            rows = _document_rows(path, shown)
        else:
            supported = ", ".join(TABLE_SUFFIXES)
            raise ScenarioError([Issue(shown, "", "", f"unsupported list file; use one of {supported}")])
    except UnicodeDecodeError as exc:
        raise ScenarioError([Issue(shown, "", "", f"not UTF-8 text ({exc.reason})")]) from None
    if suffix in (".csv", ".xlsx"):
        header = set(rows[0].values) if rows else set(_header(path, sheet))
        missing = [f for f in required if f not in header]
        if missing:
            raise ScenarioError([Issue(shown, "header", f, "missing column") for f in missing])
    return rows


def _header(path: Path, sheet: str | None) -> list[str]:
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as fh:
            return next(csv.reader(fh), [])
    ws = _sheet(path, sheet, str(path))
    first = next(ws.iter_rows(max_row=1, values_only=True), ())
    return [str(v).strip() for v in first if v is not None]


def _csv_rows(path: Path, shown: str) -> list[Row]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        rows = []
        for line, record in enumerate(reader, start=2):
            if None in record:
                raise ScenarioError([Issue(shown, f"row {line}", "", "more cells than header columns")])
            rows.append(Row(shown, f"row {line}", {k.strip(): v for k, v in record.items() if k}))
        return rows


def _sheet(path: Path, sheet: str | None, shown: str):  # type: ignore[no-untyped-def]
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ScenarioError([Issue(shown, "", "", f"cannot read workbook: {exc}")]) from None
    if sheet is None:
        return book.worksheets[0]
    if sheet not in book.sheetnames:
        sheets = ", ".join(book.sheetnames)
        raise ScenarioError([Issue(shown, f"sheet {sheet!r}", "", f"no such sheet; sheets: {sheets}")])
    return book[sheet]


def _xlsx_rows(path: Path, sheet: str | None, shown: str) -> list[Row]:
    ws = _sheet(path, sheet, shown)
    where = f"{shown} sheet {ws.title!r}"
    cells = ws.iter_rows(values_only=True)
    header = [None if v is None else str(v).strip() for v in next(cells, ())]
    rows = []
    for line, values in enumerate(cells, start=2):
        if all(v is None for v in values):
            continue
        record = {h: v for h, v in zip(header, values) if h}
        rows.append(Row(where, f"row {line}", record))
    return rows


def _document_rows(path: Path, shown: str) -> list[Row]:
    data = load_document(path, shown)
    if not isinstance(data, list):
        raise ScenarioError([Issue(shown, "", "", "expected a list of records")])
    return rows_of(data, shown, "record")


def rows_of(records: list[Any], shown: str, prefix: str) -> list[Row]:
    """Rows of an inline list; each record must be a mapping."""
    rows = []
    for i, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise ScenarioError([Issue(shown, f"{prefix} {i}", "", "expected a mapping of field: value")])
        rows.append(Row(shown, f"{prefix} {i}", {str(k): v for k, v in record.items()}))
    return rows


def load_document(path: Path, shown: str) -> Any:
    """Parse a YAML or JSON file, naming the line of a syntax error."""
    text = path.read_text(encoding="utf-8-sig")
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError([Issue(shown, f"line {exc.lineno}", "", f"malformed JSON: {exc.msg}")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError([Issue(shown, where, "", f"malformed YAML: {problem}")]) from None
