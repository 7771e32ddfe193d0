"""Rows of a list from a planner's file: CSV, XLSX (one sheet per list), JSON or YAML.

Each row comes with a label that says where it stands (``row 14``), so an error can name it.
Column headers may be the English field names or their Chinese aliases (:mod:`matcher.io.headers`);
the header row may stand below a title row. Text files may be in any encoding planners' files come
in (:mod:`matcher.io.text`); the one used is recorded in the source.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

import yaml

from matcher.errors import Issue, ScenarioError
from matcher.i18n import Text
from matcher.io.headers import closest, field_for
from matcher.io.sources import Folder, Source
from matcher.io.text import decode
from matcher.io.workbook import open_workbook

TABLE_SUFFIXES = (".csv", ".xlsx", ".json", ".yaml", ".yml")
#: Rows searched for the header when a title stands above it.
HEADER_SEARCH = 10
#: Issues reported at most for one scenario (the first ones; the rest are usually the same).
MAX_ISSUES = 50
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Row:
    """One record as read, and where it was read from."""

    file: str
    label: str
    values: dict[str, Any]


@dataclass(frozen=True)
class Columns:
    """The fields of a list and those it requires."""

    fields: Sequence[str]
    required: Sequence[str]


def read_rows(
    source: Source,
    name: str,
    sheet: str | None,
    list_name: str,
    columns: Columns,
    by: str = "",
    field: str = "",
    first_sheet: bool = True,
) -> list[Row]:
    """Rows of list ``list_name`` from file ``name`` of ``source``; ``sheet`` picks an XLSX sheet
    (default: the list's own sheet, else, with ``first_sheet``, the first). ``by``/``field`` name
    what pointed at the file."""
    source.check(name, by, field)
    suffix = PurePath(name).suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        supported = ", ".join(TABLE_SUFFIXES)
        raise ScenarioError(
            [
                Issue(
                    source.shown(name),
                    "",
                    "",
                    Text("unsupported list file; use one of {supported}", supported=supported),
                )
            ]
        )
    if suffix == ".xlsx":
        return _xlsx_rows(source, name, sheet, list_name, columns, by, field, first_sheet)
    shown = source.shown(name)
    text = read_text(source, name, by, field)
    if suffix == ".csv":
        return _csv_rows(text, shown, source, columns)
    data = parse_document(text, suffix, shown)
    if not isinstance(data, list):
        raise ScenarioError([Issue(shown, "", "", Text("expected a list of records"))])
    return rows_of(data, shown, "record", source, columns)


def read_text(source: Source, name: str, by: str = "", field: str = "") -> str:
    """The text of file ``name``, its encoding recorded in ``source.encodings``; an empty file is refused."""
    shown = source.shown(name)
    data = source.read(name, by, field)
    text, encoding = decode(data, shown)
    source.encodings[shown] = encoding
    source.tally.add(shown, expanded_bytes=len(data))
    if not text.strip():
        raise ScenarioError([Issue(shown, "", "", Text("the file is empty"))])
    return text


#: One line of a table: its number, its cells, and (XLSX) each cell's formula text or ().
Line = tuple[int, tuple[Any, ...], tuple[Any, ...]]


def _csv_rows(text: str, shown: str, source: Source, columns: Columns) -> list[Row]:
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","  # Excel's "Unicode text" uses tabs
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    lines = ((n, tuple(cells), ()) for n, cells in enumerate(reader, start=1))
    return _table_rows(lines, shown, Text("file"), columns, source)


def _xlsx_rows(
    source: Source,
    name: str,
    sheet: str | None,
    list_name: str,
    columns: Columns,
    by: str,
    field: str,
    first_sheet: bool,
) -> list[Row]:
    book = open_workbook(source, name, by, field)
    title = book.find_sheet(list_name, sheet)
    if title is None and sheet is None and first_sheet and book.sheet_names:
        title = book.sheet_names[0]
    if title is None:
        sheets = ", ".join(book.sheet_names)
        missing = f"sheet {sheet or list_name!r}"
        raise ScenarioError([Issue(book.shown, missing, "", Text("no such sheet; sheets: {sheets}", sheets=sheets))])
    # cells were counted against the limits when the workbook was opened
    return _table_rows(book.rows(title), f"{book.shown} sheet {title!r}", Text("sheet"), columns, None)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _table_rows(lines: Iterator[Line], where: str, what: str, columns: Columns, source: Source | None) -> list[Row]:
    """Rows of a table whose header is its first row, or the first of its first rows naming every
    required column (a title may stand above it). ``source`` counts cells when given."""
    lines = (line for line in lines if not all(_blank(v) for v in line[1]))
    top = list(itertools.islice(lines, HEADER_SEARCH))
    if not top:
        raise ScenarioError([Issue(where, "", "", Text("the {what} is empty", what=what))])
    header_at = _header_at(top, where, columns)
    fields = [None if _blank(h) else field_for(h, columns.fields) for h in top[header_at][1]]
    rows: list[Row] = []
    issues: list[Issue] = []
    for line, cells, formulas in itertools.chain(top[header_at + 1 :], lines):
        label = Text("row {line}", line=line)
        if source is not None:
            source.tally.add(where, rows=1, cells=len(cells))
        extra = [v for v in cells[len(fields) :] if not _blank(v)]
        if extra:
            raise ScenarioError([Issue(where, label, "", Text("more cells than header columns"))])
        issues += _formula_issues(where, label, cells, formulas, fields)
        rows.append(Row(where, label, {f: v for f, v in zip(fields, cells) if f}))
    if issues:
        raise ScenarioError(issues[:MAX_ISSUES])
    return rows


def _header_at(top: list[Line], where: str, columns: Columns) -> int:
    """Which of the first rows is the header: the first naming every required column, and a sound
    header; else name what is wrong with the row most like a header."""
    header_at = next((i for i, (_, cells, _) in enumerate(top) if _names_required(cells, columns)), None)
    if header_at is None:
        known = [len(_known(cells, columns)) for _, cells, _ in top]
        if not max(known):
            raise ScenarioError(
                [
                    Issue(
                        where,
                        "",
                        "",
                        Text(
                            "no header row in the first {rows} rows; the header names the columns ({columns}, …)",
                            rows=len(top),
                            columns=", ".join(columns.required),
                        ),
                    )
                ]
            )
        best = known.index(max(known))
        raise ScenarioError(_header_issues(top[best], where, columns, title_above=best > 0))
    issues = _header_issues(top[header_at], where, columns, title_above=header_at > 0)
    if issues:
        raise ScenarioError(issues)
    return header_at


def _formula_issues(
    where: str, label: str, cells: tuple[Any, ...], formulas: tuple[Any, ...], fields: list[str | None]
) -> list[Issue]:
    """An issue for each formula cell of a row that has no saved value (the file was never saved
    by a spreadsheet program)."""
    issues = []
    for column, text in enumerate(formulas):
        if column < len(cells) and cells[column] is None and isinstance(text, str) and text.startswith("="):
            name = (fields[column] if column < len(fields) else None) or f"column {column + 1}"
            issues.append(
                Issue(
                    where,
                    label,
                    name,
                    Text(
                        "the formula {formula} has no saved value; open and save the file in Excel or WPS, "
                        "or type the value",
                        formula=text,
                    ),
                )
            )
    return issues


def _known(cells: tuple[Any, ...], columns: Columns) -> set[str]:
    return {f for f in (field_for(c, columns.fields) for c in cells if not _blank(c)) if f}


def _names_required(cells: tuple[Any, ...], columns: Columns) -> bool:
    return set(columns.required) <= _known(cells, columns)


def _header_issues(line: Line, where: str, columns: Columns, title_above: bool) -> list[Issue]:
    """What is wrong with a header row: unknown columns (with the closest known name), a column
    given twice, missing required columns. Each is named once, for the header."""
    number, cells, _ = line
    label = Text("header (row {row})", row=number) if title_above or number > 1 else Text("header")
    issues: list[Issue] = []
    seen: dict[str, str] = {}
    for cell in cells:
        if _blank(cell):
            continue
        found = field_for(cell, columns.fields)
        if found is None:
            issues.append(Issue(where, label, str(cell).strip(), _unknown(cell, columns, "column")))
        elif found in seen:
            issues.append(
                Issue(
                    where,
                    label,
                    str(cell).strip(),
                    Text("column {found!r} given twice ({value!r})", found=found, value=seen[found]),
                )
            )
        else:
            seen[found] = str(cell).strip()
    issues += [Issue(where, label, f, Text("missing column")) for f in columns.required if f not in seen]
    return issues


def _unknown(name: object, columns: Columns, what: str = "field") -> str:
    """'unknown column; did you mean …?' with the closest known name, else the known names."""
    hint = closest(name, columns.fields)
    kind = Text("column") if what == "column" else Text("field")
    if hint:
        return Text("unknown {kind}; did you mean {hint!r}?", kind=kind, hint=hint)
    return Text("unknown {kind}; known: {known}", kind=kind, known=", ".join(columns.fields))


def rows_of(records: list[Any], shown: str, prefix: str, source: Source, columns: Columns) -> list[Row]:
    """Rows of an inline list; each record must be a mapping (its keys may be Chinese aliases)."""
    rows: list[Row] = []
    unknown: dict[str, str] = {}
    for i, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise ScenarioError([Issue(shown, f"{prefix} {i}", "", Text("expected a mapping of field: value"))])
        source.tally.add(shown, rows=1, cells=len(record))
        values = {}
        for key, value in record.items():
            found = field_for(key, columns.fields)
            if found is None:
                unknown.setdefault(str(key), f"{prefix} {i}")
            values[found or str(key)] = value
        rows.append(Row(shown, f"{prefix} {i}", values))
    if unknown:  # once per key, where it first appears, as a header's unknown column is
        raise ScenarioError([Issue(shown, where, key, _unknown(key, columns)) for key, where in unknown.items()])
    return rows


def parse_document(text: str, suffix: str, shown: str) -> Any:
    """Parse YAML or JSON text, naming the line of a syntax error; YAML aliases are refused (a
    few of them nested expand a small file into gigabytes)."""
    try:
        if suffix == ".json":
            return json.loads(text)
        _refuse_aliases(text, shown)
        return yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 (a safe loader)
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            [Issue(shown, Text("line {line}", line=exc.lineno), "", Text("malformed JSON: {problem}", problem=exc.msg))]
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError([Issue(shown, where, "", Text("malformed YAML: {problem}", problem=problem))]) from None
    except RecursionError:
        raise ScenarioError([Issue(shown, "", "", Text("nested too deeply"))]) from None


def _refuse_aliases(text: str, shown: str) -> None:
    if "*" not in text:  # every alias starts with '*'
        return
    for event in yaml.parse(text, Loader=_YAML_LOADER):
        if isinstance(event, yaml.AliasEvent):
            line = f"line {event.start_mark.line + 1}" if event.start_mark else ""
            raise ScenarioError(
                [
                    Issue(
                        shown,
                        line,
                        "",
                        Text("YAML aliases (*{anchor}) are not accepted; write the values out", anchor=event.anchor),
                    )
                ]
            )


def load_document(path: Path, shown: str) -> Any:
    """Parse a YAML or JSON file on disk (any encoding), naming the line of a syntax error."""
    source = Folder(path.parent)
    return parse_document(read_text(source, path.name), path.suffix.lower(), shown)
