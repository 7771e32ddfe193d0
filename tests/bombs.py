"""Expansion bombs built by the tests and bench/bench_bombs.py themselves (issue 11, item 2)."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl


def billion_laughs(levels: int = 9) -> bytes:
    """A YAML document of nested aliases: under 2 KB, about 10**levels strings once expanded."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return (
        f"name: laughs\ndescription: *a{levels - 1}\ncommunities: [{{id: C1}}]\n"
        "needs: []\nresources: []\n" + "\n".join(lines) + "\n"
    ).encode()


def xlsx_bomb(cells: int, row_width: int = 1000) -> bytes:
    """A valid workbook whose needs sheet holds ``cells`` empty styled cells: a few KB zipped."""
    book = openpyxl.Workbook()
    book.active.title = "communities"
    book.active.append(["id"])
    book.active.append(["C1"])
    for name in ("needs", "resources"):
        book.create_sheet(name).append(["id", "community", "category", "kind", "categories"])
    buffer = io.BytesIO()
    book.save(buffer)
    row = "".join('<c s="0"/>' for _ in range(row_width))
    rows = "".join(f'<row r="{r}">{row}</row>' for r in range(2, cells // row_width + 2))
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":  # the needs sheet, its extent declared truly
                extent = f'<dimension ref="A1:ALL{cells // row_width + 1}"/>'.encode()
                data = re.sub(rb'<dimension ref="[^"]*"\s*/>', extent, data)
                data = data.replace(b"</sheetData>", rows.encode() + b"</sheetData>")
            dst.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()
