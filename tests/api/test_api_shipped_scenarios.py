"""Issue 11, item 10: every scenario shipped under scenarios/ uploads (taizhou, pudong and
pudong-street answered 500), solves, and round-trips: each of its lists read back through the API
as JSON, CSV and XLSX equals, record for record, what the core's reader reads from the files."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from api.records import record_data
from matcher.io.scenario import LISTS, load_scenario
from matcher.io.sources import Folder
from matcher.io.tables import Columns, read_rows

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SHIPPED = sorted(p.name for p in SCENARIOS.iterdir() if (p / "scenario.yaml").is_file())
#: Scenarios small enough to solve in a test on two shared cores on both databases ...
SOLVED = ("taizhou", "pudong-street", "zhangjiang")
#: ... and on SQLite only. Pudong (10,269 needs) is uploaded and round-tripped but not solved here: its
#: solve through the API takes about a minute on two shared cores.
SOLVED_ON_SQLITE = ("wanshou", "xihu")
#: Lists up to this size also round-trip as XLSX (openpyxl takes seconds per 10,000 rows); every
#: kind of list is that small in one shipped scenario or another.
XLSX_ROUND_TRIP = 2000


def upload_folder(client, headers, folder: Path):
    files = {
        "scenario": (io.BytesIO((folder / "scenario.yaml").read_bytes()), "scenario.yaml"),
        "files": [(io.BytesIO(p.read_bytes()), p.name) for p in sorted(folder.glob("*.csv"))],
    }
    return client.post("/scenarios", data=files, headers=headers, content_type="multipart/form-data")


def read_back(tmp_path: Path, list_name: str, fmt: str, content: bytes) -> list:
    """The downloaded file read by the core's table reader and the list's value object."""
    path = tmp_path / f"{list_name}.{fmt}"
    path.write_bytes(content)
    columns = Columns(LISTS[list_name].field_names(), ())
    rows = read_rows(Folder(tmp_path), path.name, None, list_name, columns)
    return [LISTS[list_name].from_record(row.values) for row in rows]


def json_pages(client, headers, url: str) -> list[dict]:
    items, page = [], 1
    while True:
        got = client.get(f"{url}?page={page}&page_size=500", headers=headers).json
        items += got["items"]
        if len(items) >= got["total"]:
            return items
        page += 1


def test_every_shipped_scenario_is_tested():
    """The parametrisation below covers each folder under scenarios/."""
    assert {"taizhou", "pudong", "pudong-street", "zhangjiang", "wanshou", "xihu"} <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenario_uploads_and_round_trips(client, tokens, name, tmp_path, db_url):
    """Upload (201), then every list the file holds comes back as JSON and CSV (and XLSX, for lists
    up to XLSX_ROUND_TRIP records) equal to the records the core reads from the files."""
    if db_url.startswith("postgresql") and name not in SOLVED:
        pytest.skip("the large scenarios round-trip on SQLite; storage is the same code on PostgreSQL")
    folder = SCENARIOS / name
    loaded = load_scenario(folder / "scenario.yaml")
    made = upload_folder(client, tokens["planner"], folder)
    assert made.status_code == 201, made.json
    scenario_id = made.json["id"]
    for list_name in LISTS:
        expected = list(loaded.lists.get(list_name, ()) or getattr(loaded.problem, list_name, ()))
        assert made.json["counts"][list_name] == len(expected), list_name
        if not expected:
            continue
        url = f"/scenarios/{scenario_id}/lists/{list_name}"
        stored = json_pages(client, tokens["U1"], url)
        assert [item["data"] for item in stored] == [record_data(r) for r in expected], list_name
        for fmt in ("csv", "xlsx") if len(expected) <= XLSX_ROUND_TRIP else ("csv",):
            response = client.get(f"{url}?format={fmt}", headers=tokens["U1"])
            assert response.status_code == 200 and response.headers["Content-Type"].startswith(
                "text/csv" if fmt == "csv" else "application/vnd.openxmlformats"
            )
            assert read_back(tmp_path, list_name, fmt, response.data) == expected, (list_name, fmt)


@pytest.mark.parametrize("name", SOLVED + SOLVED_ON_SQLITE)
def test_shipped_scenario_solves(client, tokens, name, db_url):
    """An uploaded shipped scenario solves through the API (a short time limit) to a result."""
    if db_url.startswith("postgresql") and name in SOLVED_ON_SQLITE:
        pytest.skip("solved on SQLite; the solve reads the same problem on PostgreSQL")
    made = upload_folder(client, tokens["planner"], SCENARIOS / name)
    assert made.status_code == 201, made.json
    job = client.post(f"/scenarios/{made.json['id']}/solves", json={"time_limit": 2}, headers=tokens["planner"]).json
    deadline = time.monotonic() + 120
    while job["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.1)
        job = client.get(f"/solves/{job['id']}", headers=tokens["planner"]).json
    assert job["status"] == "done", job
    result = client.get(f"/solves/{job['id']}/result", headers=tokens["planner"]).json["result"]
    assert result["served"] + len(result["unmatched"]) == made.json["counts"]["needs"]
