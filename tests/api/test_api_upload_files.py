"""Hostile uploads (issue 11, items 1 and 2): an uploaded scenario reaches only the files uploaded
with it, error texts never name a server path, and expansion bombs are refused within a second."""

from __future__ import annotations

import io
import tempfile
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import DATA

COMMUNITIES = "communities:\n  - {id: C1, x: 0, y: 0}\n  - {id: C2, x: 1, y: 1}\n"
SECRET_NEEDS = "id,community,category\nSECRET-1,C1,health\n"


def _post(client: Any, headers: dict[str, str], files: dict[str, bytes], main: str = "scenario.yaml") -> Any:
    data: dict[str, Any] = {"scenario": (io.BytesIO(files[main]), main)}
    extra = [(io.BytesIO(content), name) for name, content in files.items() if name != main]
    if extra:
        data["files"] = extra
    return client.post("/scenarios", data=data, headers=headers, content_type="multipart/form-data")


def _scenario(needs: str, resources: str = "resources.csv") -> bytes:
    return f"name: hostile\n{COMMUNITIES}needs: {needs}\nresources: {resources}\n".encode()


@pytest.fixture
def server_file() -> Any:
    """A needs list on the server's disk, in the folder uploads were unpacked into before the fix."""
    path = Path(tempfile.gettempdir()) / f"secret-{uuid.uuid4().hex}.csv"
    path.write_text(SECRET_NEEDS, encoding="utf-8")
    yield path
    path.unlink()


def _assert_no_server_path(response: Any) -> None:
    text = response.get_data(as_text=True)
    assert tempfile.gettempdir() not in text and "matcher-upload" not in text, text


@pytest.mark.parametrize("how", ["absolute", "parent", "workbook"])
def test_upload_cannot_name_a_server_file(client, tokens, server_file, how):
    """A scenario naming a server file (absolute, through '..', or as its workbook) is refused with
    422 naming the key, and the file's contents are never stored."""
    resources = (DATA / "resources.csv").read_bytes()
    if how == "absolute":
        scenario = _scenario(str(server_file))
    elif how == "parent":
        scenario = _scenario(f"../{server_file.name}")
    else:
        book = openpyxl.Workbook()
        book.active.title = "needs"
        for row in [line.split(",") for line in SECRET_NEEDS.splitlines()]:
            book.active.append(row)
        workbook = server_file.with_suffix(".xlsx")
        book.save(workbook)
        scenario = f"name: hostile\n{COMMUNITIES}workbook: {workbook}\nresources: resources.csv\n".encode()
    try:
        response = _post(client, tokens["planner"], {"scenario.yaml": scenario, "resources.csv": resources})
    finally:
        server_file.with_suffix(".xlsx").unlink(missing_ok=True)
    assert response.status_code == 422, response.json
    [(where, fields)] = response.json["errors"].items()
    assert where == "scenario.yaml" and set(fields) == {"workbook" if how == "workbook" else "needs"}
    assert "not a file name" in fields.popitem()[1][0]
    _assert_no_server_path(response)
    assert "SECRET-1" not in response.get_data(as_text=True)
    listed = client.get("/scenarios", headers=tokens["planner"]).json
    assert listed == []


def test_upload_errors_do_not_tell_whether_a_server_path_exists(client, tokens, server_file):
    """A name not uploaded gets the same answer whether or not a file of that name is on the server."""
    resources = (DATA / "resources.csv").read_bytes()
    answers = []
    for name in (server_file.name, f"missing-{uuid.uuid4().hex}.csv"):
        response = _post(client, tokens["planner"], {"scenario.yaml": _scenario(name), "resources.csv": resources})
        assert response.status_code == 422
        _assert_no_server_path(response)
        answers.append(response.json["errors"]["scenario.yaml"]["needs"][0].replace(name, "NAME"))
    assert answers[0] == answers[1] == "'NAME' was not uploaded with the scenario (uploaded: resources.csv, " \
                                       "scenario.yaml)"


def test_upload_with_chinese_file_names(client, tokens):
    """List files keep their names when uploaded, Chinese ones included (they were mangled to 'csv')."""
    files = {"scenario.yaml": _scenario("需求清单.csv", "资源清单.csv"),
             "需求清单.csv": (DATA / "needs.csv").read_bytes(), "资源清单.csv": (DATA / "resources.csv").read_bytes()}
    response = _post(client, tokens["planner"], files)
    assert response.status_code == 201, response.json
    assert response.json["counts"]["needs"] == 2


def billion_laughs(levels: int = 9) -> bytes:
    """A YAML document of nested aliases: under 2 KB, about 10**levels strings once expanded."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return (f"name: laughs\ndescription: *a{levels - 1}\n{COMMUNITIES}"
            "needs: []\nresources: []\n" + "\n".join(lines) + "\n").encode()


def test_yaml_alias_bomb_is_refused_fast(client, tokens):
    """A 1.7 KB billion-laughs YAML is refused with 422 naming the alias, in under a second, and
    nothing is stored (it used to be stored as an 80 MB description)."""
    bomb = billion_laughs()
    assert len(bomb) < 2048
    start = time.perf_counter()
    response = _post(client, tokens["planner"], {"scenario.yaml": bomb})
    elapsed = time.perf_counter() - start
    assert response.status_code == 422, response.json
    assert "YAML aliases" in response.json["message"]
    assert elapsed < 1.0, elapsed
    assert client.get("/scenarios", headers=tokens["planner"]).json == []


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
    row = "".join('<c r="A1" s="0"/>' for _ in range(row_width))
    rows = "".join(f'<row r="{r}">{row}</row>' for r in range(2, cells // row_width + 2))
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                data = data.replace(b"</sheetData>", rows.encode() + b"</sheetData>")
            dst.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


@pytest.mark.parametrize("cells,limit", [(400_000, "cells"), (3_000_000, "expanded_bytes")])
def test_xlsx_bomb_is_refused_fast(client, tokens, cells, limit):
    """A small XLSX that expands hugely is refused with 413 naming the limit, in under a second."""
    bomb = xlsx_bomb(cells)
    assert len(bomb) < 200_000
    start = time.perf_counter()
    response = _post(client, tokens["planner"], {"plan.xlsx": bomb}, main="plan.xlsx")
    elapsed = time.perf_counter() - start
    assert response.status_code == 413, response.json
    assert limit in response.json["errors"]["limits"] and "limit per scenario" in response.json["message"]
    assert elapsed < 1.0, elapsed
