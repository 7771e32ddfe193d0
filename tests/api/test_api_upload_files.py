"""Hostile uploads (issue 11, items 1 and 2): an uploaded scenario reaches only the files uploaded
with it, error texts never name a server path, and expansion bombs are refused within a second."""

from __future__ import annotations

import io
import tempfile
import uuid
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from conftest import DATA

from tests.bombs import billion_laughs, xlsx_bomb

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
    assert (
        answers[0] == answers[1] == "'NAME' was not uploaded with the scenario (uploaded: resources.csv, scenario.yaml)"
    )


def test_upload_with_chinese_file_names(client, tokens):
    """List files keep their names when uploaded, Chinese ones included (they were mangled to 'csv')."""
    files = {
        "scenario.yaml": _scenario("需求清单.csv", "资源清单.csv"),
        "需求清单.csv": (DATA / "needs.csv").read_bytes(),
        "资源清单.csv": (DATA / "resources.csv").read_bytes(),
    }
    response = _post(client, tokens["planner"], files)
    assert response.status_code == 201, response.json
    assert response.json["counts"]["needs"] == 2


def _never(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("a bomb must be refused before it is parsed")


def test_yaml_alias_bomb_is_refused_before_expanding(client, tokens, monkeypatch):
    """A 1.7 KB billion-laughs YAML is refused with 422 naming the alias before any document is
    built, and nothing is stored (it used to be stored as an 80 MB description). The time taken
    is printed by bench/bench_bombs.py."""
    bomb = billion_laughs()
    assert len(bomb) < 2048
    monkeypatch.setattr(yaml, "load", _never)
    response = _post(client, tokens["planner"], {"scenario.yaml": bomb})
    assert response.status_code == 422, response.json
    assert "YAML aliases (*a8) are not accepted" in response.json["message"]
    assert client.get("/scenarios", headers=tokens["planner"]).json == []


@pytest.mark.parametrize("cells,limit", [(400_000, "cells"), (4_000_000, "expanded_bytes")])
def test_xlsx_bomb_is_refused_before_parsing(client, tokens, monkeypatch, cells, limit):
    """A small XLSX that expands hugely is refused with 413 naming the limit, from the archive's
    sizes and raw tags alone: openpyxl never parses it (bench/bench_bombs.py prints the time)."""
    bomb = xlsx_bomb(cells)
    assert len(bomb) < 200_000
    monkeypatch.setattr(openpyxl, "load_workbook", _never)
    response = _post(client, tokens["planner"], {"plan.xlsx": bomb}, main="plan.xlsx")
    assert response.status_code == 413, response.json
    assert limit in response.json["errors"]["limits"] and "limit per scenario" in response.json["message"]
    assert client.get("/scenarios", headers=tokens["planner"]).json == []


def test_upload_reads_planners_files_as_the_cli_does(client, tokens):
    """An upload of GBK and UTF-16 lists with Chinese headers, a title row and a Chinese sheet name
    stores the records the CSV originals hold."""
    needs = "需求清单（2026年）\n编号,社区,类别,工时\nN1,C1,健康服务,1\nN2,C2,法律服务,2\n".encode("gbk")
    book = openpyxl.Workbook()
    book.active.title = " 资源清单 "
    book.active.append(["编号", "类型", "社区", "类别", "可接任务数"])
    book.active.append(["R1", "驻区单位", "C1", "健康服务，法律服务", 2])
    workbook = io.BytesIO()
    book.save(workbook)
    scenario = f"name: 规划\n{COMMUNITIES}需求清单: 需求.csv\n资源清单: 资源.xlsx\n".encode("utf-16")
    response = _post(
        client, tokens["planner"], {"scenario.yaml": scenario, "需求.csv": needs, "资源.xlsx": workbook.getvalue()}
    )
    assert response.status_code == 201, response.json
    scenario_id = response.json["id"]
    stored = [n["data"] for n in client.get(f"/scenarios/{scenario_id}/needs", headers=tokens["planner"]).json["items"]]
    assert [(n["id"], n["community"], n["category"], n["hours"]) for n in stored] == [
        ("N1", "C1", "health", 1.0),
        ("N2", "C2", "legal", 2.0),
    ]
    [resource] = client.get(f"/scenarios/{scenario_id}/resources", headers=tokens["planner"]).json["items"]
    assert sorted(resource["data"]["categories"]) == ["health", "legal"] and resource["data"]["capacity_tasks"] == 2
