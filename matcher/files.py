"""Writing output files so that a folder never holds a half-written set; result tables are CSV
files with the UTF-8 byte-order mark Excel needs and, on request, one XLSX workbook."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def _file_mode() -> int:
    """The permissions a newly created file gets under the process's umask (0o644 under 022).

    Read once at import: ``os.umask`` can only be read by setting it, which is not thread-safe."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


_FILE_MODE = _file_mode()
#: The workbook ``matcher run --xlsx`` writes beside the CSV tables.
RESULTS_WORKBOOK = "results.xlsx"


def write_files(out_dir: str | Path, texts: Mapping[str, str | bytes]) -> list[Path]:
    """Write ``{file name: text or bytes}`` into ``out_dir``: every file is staged under a hidden
    temporary name first, then all are moved into place, so an error leaves no partial output."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, Path]] = []
    try:
        for name, text in texts.items():
            fd, tmp = tempfile.mkstemp(dir=out, prefix=f".{name}.")
            staged.append((tmp, out / name))
            os.fchmod(fd, _FILE_MODE)  # mkstemp makes files private; outputs get the usual permissions
            with os.fdopen(fd, "wb") as fh:
                fh.write(text if isinstance(text, bytes) else text.encode("utf-8"))
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
    for tmp, final in staged:
        os.replace(tmp, final)
    return [final for _, final in staged]


#: Starts every result CSV: without it Excel in China reads UTF-8 as GBK and garbles Chinese text.
EXCEL_BOM = "\ufeff"


def table_files(
    tables: Mapping[str, Sequence[Mapping[str, Any]]],
    workbook: str | None = None,
    columns: Mapping[str, list[str] | None] | None = None,
) -> dict[str, str | bytes]:
    """Result tables for planners: ``{name}.csv`` for each (UTF-8 with the byte-order mark Excel
    needs) and, when ``workbook`` names one, all of them as its sheets. ``columns`` gives a
    table's header, so that a table without rows still has one."""
    columns = columns or {}
    files: dict[str, str | bytes] = {
        f"{name}.csv": EXCEL_BOM + csv_text(rows, columns.get(name)) for name, rows in tables.items()
    }
    if workbook:
        files[workbook] = xlsx_bytes(tables, columns)
    return files


def xlsx_bytes(
    tables: Mapping[str, Sequence[Mapping[str, Any]]], columns: Mapping[str, list[str] | None] | None = None
) -> bytes:
    """An XLSX workbook with one sheet per table (header row, then one row per record). Text is
    always stored as text, so an id such as ``=1+1`` never becomes a formula."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    book = openpyxl.Workbook(write_only=True)
    for name, rows in tables.items():
        sheet = book.create_sheet(name[:31])
        header = (columns or {}).get(name) or _columns(rows)
        if header:  # a table with neither rows nor known columns is an empty sheet
            sheet.append(header)
        for row in rows:
            cells = []
            for value in (row.get(c) for c in header):
                cell = WriteOnlyCell(sheet, value)
                if isinstance(value, str):
                    cell.data_type = "s"
                cells.append(cell)
            sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every key of ``rows`` in order of first appearance."""
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    return columns


def csv_text(rows: Sequence[Mapping[str, Any]], columns: list[str] | None = None) -> str:
    """Rows as CSV text; columns default to every key in order of first appearance."""
    if columns is None:
        columns = _columns(rows)
    buffer = io.StringIO()
    if columns:
        writer = csv.DictWriter(buffer, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()
