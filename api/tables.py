"""A scenario list as a download: CSV (UTF-8 with a BOM, so Excel opens it as UTF-8) or an XLSX
sheet, in the cell format the scenario readers read back (lists joined by ';', neighbours as
'C02:8;C03:12')."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from matcher.files import csv_text

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def cell(value: Any) -> Any:
    """One stored field value as a spreadsheet cell."""
    if isinstance(value, Mapping):
        return ";".join(f"{key}:{minutes}" for key, minutes in value.items())
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    return value


def columns(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every field any record has, in order of first appearance."""
    names: list[str] = []
    for record in records:
        names += [k for k in record if k not in names]
    return names


def csv_bytes(records: Sequence[Mapping[str, Any]]) -> bytes:
    return ("\ufeff" + csv_text([{k: cell(v) for k, v in r.items()} for r in records], columns(records))).encode()


def xlsx_bytes(sheet: str, records: Sequence[Mapping[str, Any]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    names = columns(records)
    ws.append(names)
    for record in records:
        ws.append([cell(record.get(name)) for name in names])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(list_name: str, records: Sequence[Mapping[str, Any]], fmt: str) -> tuple[bytes, dict[str, str]]:
    """The file's bytes and its response headers."""
    body = csv_bytes(records) if fmt == "csv" else xlsx_bytes(list_name, records)
    return body, {"Content-Type": FORMATS[fmt], "Content-Disposition": f'attachment; filename="{list_name}.{fmt}"'}
