"""XLSX workbooks read safely: the archive's expanded size and its cells are counted against the
scenario's limits before openpyxl parses anything (a zip bomb is refused at once), and the XML
is parsed by defusedxml (openpyxl uses it when it is installed; :func:`open_workbook` checks).
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from matcher.errors import Issue, ScenarioError
from matcher.i18n import Text
from matcher.io.headers import normalise, sheet_for
from matcher.io.sources import Source

log = logging.getLogger(__name__)

#: How tags are counted in the raw XML, with or without a namespace prefix (``<c `` or ``<x:c ``):
#: a cheap upper bound taken before any parsing.
_CELL_TAGS = (b"<c ", b"<c>", b"<c/", b":c ", b":c>", b":c/")
_ROW_TAGS = (b"<row ", b"<row>", b":row ", b":row>")
_FORMULA_TAGS = (b"<f>", b"<f ", b":f>", b":f ")
_SHARED_STRING_TAGS = (b"<si>", b"<si ", b":si>", b":si ")
CHUNK = 1024 * 1024


@dataclass
class Workbook:
    """An opened workbook: cached values, and the formulas when the workbook has any."""

    shown: str
    values: Any  # openpyxl Workbook, read-only, cached values
    formulas: Any | None  # the same workbook with formulas as text, or None when it has none

    @property
    def sheet_names(self) -> list[str]:
        return list(self.values.sheetnames)

    def find_sheet(self, list_name: str | None, requested: str | None) -> str | None:
        """The sheet named ``requested`` (ignoring case and spaces), else the one of ``list_name``."""
        if requested is not None:
            return next((s for s in self.sheet_names if normalise(s) == normalise(requested)), None)
        return sheet_for(list_name, self.sheet_names) if list_name else None

    def rows(self, sheet: str) -> Iterator[tuple[int, tuple[Any, ...], tuple[Any, ...]]]:
        """(line, cached values, formulas or ()) for each row of ``sheet``."""
        values = _all_rows(self.values[sheet])
        formulas = _all_rows(self.formulas[sheet]) if self.formulas is not None else None
        for line, row in enumerate(values, start=1):
            yield line, row, (next(formulas, ()) if formulas is not None else ())


def _all_rows(sheet: Any) -> Iterator[tuple[Any, ...]]:
    """Every row of a read-only sheet, whatever extent it declares (openpyxl stops at the declared
    one, and some programs declare 'A1' whatever the sheet holds)."""
    sheet.reset_dimensions()
    return sheet.iter_rows(values_only=True)


def open_workbook(source: Source, name: str, by: str = "", field: str = "") -> Workbook:
    """Open workbook ``name`` of ``source`` once (later calls reuse it), within its limits."""
    if name in source.workbooks:
        return source.workbooks[name]
    import openpyxl

    if not openpyxl.DEFUSEDXML:
        raise RuntimeError("openpyxl is not using defusedxml; install defusedxml and unset OPENPYXL_DEFUSEDXML")
    shown = source.shown(name)
    data = source.read(name, by, field)
    if not data:
        raise ScenarioError([Issue(shown, "", "", Text("the file is empty"))])
    has_formulas = _check_archive(data, shown, source)
    try:
        values = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas = openpyxl.load_workbook(io.BytesIO(data), read_only=True) if has_formulas else None
    except Exception as exc:  # openpyxl and defusedxml raise many kinds for a broken or hostile file
        log.info("unreadable workbook %s: %r", shown, exc)
        raise ScenarioError(
            [Issue(shown, "", "", Text("cannot read the workbook ({value})", value=_reason(exc)))]
        ) from None
    book = Workbook(shown, values, formulas)
    source.workbooks[name] = book
    return book


def _check_archive(data: bytes, shown: str, source: Source) -> bool:
    """Count the archive's expanded bytes, rows and cells against the limits before any XML is
    parsed, stopping at the first limit passed; return whether any sheet holds a formula."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ScenarioError(
            [Issue(shown, "", "", Text("not an XLSX workbook (the file is not a zip archive)"))]
        ) from None
    with archive:
        infos = archive.infolist()
        source.tally.add(shown, expanded_bytes=sum(i.file_size for i in infos))
        has_formulas = False
        for info in infos:
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                for chunk in _chunks(archive, info, shown):
                    source.tally.add(shown, rows=_count(chunk, _ROW_TAGS), cells=_count(chunk, _CELL_TAGS))
                    has_formulas = has_formulas or _count(chunk, _FORMULA_TAGS) > 0
            elif info.filename == "xl/sharedStrings.xml":
                for chunk in _chunks(archive, info, shown):
                    source.tally.add(shown, cells=_count(chunk, _SHARED_STRING_TAGS))
    return has_formulas


def _count(chunk: bytes, tags: tuple[bytes, ...]) -> int:
    return sum(chunk.count(tag) for tag in tags)


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str) -> Iterator[bytes]:
    """A member's bytes in pieces that overlap by a few bytes, so no tag is split unseen (zipfile
    never expands more than the size the archive declares)."""
    tail = b""
    try:
        with archive.open(info) as member:
            while chunk := member.read(CHUNK):
                yield tail + chunk
                tail = chunk[-5:]
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ScenarioError([Issue(shown, "", "", Text("broken workbook archive ({exc})", exc=exc))]) from None


def _reason(exc: BaseException | None) -> str:
    """Why a workbook cannot be read, from the exception or one it wraps (openpyxl wraps defusedxml's)."""
    while exc is not None:
        if type(exc).__module__.startswith("defusedxml"):
            return "it declares XML entities or a DTD, which are refused"
        exc = exc.__cause__ or exc.__context__
    return "not a valid XLSX file"
