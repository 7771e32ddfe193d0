"""The workbench in a real browser (Debian's Chromium through Playwright) against the real
server (``matcher serve``, two worker processes): a planner signs in, uploads a broken copy of
the Zhangjiang workbook and reads the Chinese validation table, uploads the right one, runs it
and watches its progress, opens the map, the unmatched queue and one need's candidates, and
exports the XLSX, read back with openpyxl against the API's own result. Every screen is shown in
both languages, and no request leaves the server's origin. Screenshots go to ``screenshots/``."""

from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path

import openpyxl
import pytest
from browser import browser_page, playwright_ready, shot
from conftest import bearer

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from loadgen import Server, request  # noqa: E402

pytestmark = pytest.mark.skipif(bool(playwright_ready()), reason=playwright_ready() or "ready")

ZHANGJIANG = Path(__file__).parents[2] / "scenarios" / "zhangjiang"
SHEETS = {"communities": "社区", "needs": "需求清单", "resources": "资源清单", "pairings": "结对"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def zhangjiang_workbook(path: Path, broken: bool = False) -> Path:
    """The Zhangjiang lists as one workbook with Chinese sheet names (``broken``: one need's
    category misspelt and another's hours not a number)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for list_name, sheet_name in SHEETS.items():
        sheet = book.create_sheet(sheet_name)
        rows = list(csv.reader((ZHANGJIANG / f"{list_name}.csv").open(encoding="utf-8")))
        if broken and list_name == "needs":
            header = rows[0]
            rows[3][header.index("category")] = "生活服务类"
            rows[5][header.index("hours")] = "两小时"
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def served(tmp_path):
    """The real server on a fresh SQLite file, with a planner token."""
    from api import create_app
    from api.auth import issue_token

    url = f"sqlite:///{tmp_path / 'matcher.db'}"
    app = create_app({"DATABASE_URL": url})
    with app.extensions["matcher"].store.write() as session:
        secret = issue_token(session, "planner")
    app.extensions["matcher"].runner.shutdown()
    app.extensions["matcher"].store.dispose()
    with Server(url, tmp_path / "server.log") as server:
        yield f"http://127.0.0.1:{server.port}", server.port, secret


def sign_in(page, origin: str, secret: str) -> None:
    page.goto(origin + "/")
    assert page.title() == "登录 · 社区资源匹配工作台"
    shot(page, "01-login-zh")
    page.fill("input[name=token]", secret)
    page.click("button[type=submit]")
    page.wait_for_url(origin + "/")


def upload(page, origin: str, workbook: Path) -> None:
    page.goto(origin + "/web/scenarios")
    page.set_input_files("input[name=scenario]", str(workbook))
    page.click("#upload button[type=submit]")
    page.wait_for_load_state()


def check_broken_upload(page, origin: str, tmp_path: Path) -> None:
    upload(page, origin, zhangjiang_workbook(tmp_path / "张江-有错.xlsx", broken=True))
    rows = page.locator("#issues tbody tr")
    texts = [rows.nth(i).inner_text() for i in range(rows.count())]
    assert len(texts) == 2, texts
    assert any("第 4 行" in t and "工作表 需求清单" in t and "未知的服务类别" in t for t in texts), texts
    assert any("第 6 行" in t and "工时" in t and "应为数字" in t for t in texts), texts
    assert "未通过检查" in page.inner_text("h2.error")
    shot(page, "02-upload-errors-zh")


def start_run(page, origin: str, tmp_path: Path) -> str:
    upload(page, origin, zhangjiang_workbook(tmp_path / "张江.xlsx"))
    assert re.search(r"/web/scenarios/\d+$", page.url), page.url
    assert page.locator("#records tbody tr").count() == 50  # the first page of the needs list
    shot(page, "03-scenario-zh")
    page.goto(origin + "/web/runs")
    page.fill("input[name=time_limit]", "6")
    page.click("#start button[type=submit]")
    page.wait_for_url(re.compile(r"/web/runs/[0-9a-f]{32}$"))
    page.wait_for_function("document.querySelector('[data-field=objective]').textContent !== '—'", timeout=30_000)
    shot(page, "04-run-progress-zh")
    page.wait_for_function("document.querySelector('[data-field=status]').textContent === '已完成'", timeout=60_000)
    assert page.inner_text("[data-field=served]").endswith("/ 715")
    shot(page, "05-run-done-zh")
    return page.url.rsplit("/", 1)[1]


def check_result_and_queue(page, origin: str, job: str) -> str:
    page.goto(f"{origin}/web/runs/{job}/result")
    assert (
        page.locator("#map circle").count() == 35 == page.locator("#coverage tbody tr").count()
        and page.locator("#lanes .bar").count() == 4
    )
    shot(page, "06-result-zh")
    page.goto(f"{origin}/web/runs/{job}/unmatched")
    first = page.locator("#unmatched tbody tr a").first
    need = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(rf"/unmatched/{need}$"))
    assert page.locator("#candidates tbody tr").count() > 0 and "最小改动" in page.inner_text("#smallest-change")
    assert CJK.search(page.inner_text("#reason").split("：", 1)[1])
    shot(page, "07-need-zh")
    return need


def check_export(page, origin: str, port: int, secret: str, job: str) -> None:
    page.goto(f"{origin}/web/runs/{job}/export")
    shot(page, "08-export-zh")
    with page.expect_download() as download:
        page.click("#export-xlsx")
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True)
    assert {"分配结果", "未匹配需求", "资源负荷", "覆盖率", "响应时限", "需求清单", "资源清单"} <= set(book.sheetnames)
    status, body = request(port, "GET", f"/solves/{job}/result", headers=bearer(secret))
    assert status == 200
    assignments = list(book["分配结果"].iter_rows(values_only=True))
    assert assignments[0][:2] == ("需求", "资源")
    assert sorted(r[:2] for r in assignments[1:]) == sorted(
        (a["need"], a["resource"]) for a in body["result"]["assignments"]
    )
    needs = list(book["需求清单"].iter_rows(values_only=True))
    assert needs[0][0] == "编号" and len(needs) == 716


def check_english(page, origin: str, job: str, need: str) -> None:
    """Every screen in English, then back to Chinese."""
    screens = {
        "home": "/",
        "scenarios": "/web/scenarios",
        "runs": "/web/runs",
        "run": f"/web/runs/{job}",
        "result": f"/web/runs/{job}/result",
        "unmatched": f"/web/runs/{job}/unmatched",
        "need": f"/web/runs/{job}/unmatched/{need}",
        "export": f"/web/runs/{job}/export",
    }
    for name, path in screens.items():
        page.goto(f"{origin}{path}{'&' if '?' in path else '?'}lang=en")
        assert page.get_attribute("html", "lang") == "en"
        heading = page.inner_text("h1").replace(need, "").replace("张江", "")  # ids and the file's name stay
        assert not CJK.search(page.inner_text("header nav") + heading), name
        shot(page, f"en-{name}")
    page.goto(origin + "/?lang=zh")
    for name, path in screens.items():
        page.goto(origin + path)
        assert page.get_attribute("html", "lang") == "zh-CN" and CJK.search(page.inner_text("h1")), name


def test_planner_session_in_chromium(served, tmp_path):
    origin, port, secret = served
    with browser_page(origin) as (page, watch):
        sign_in(page, origin, secret)
        check_broken_upload(page, origin, tmp_path)
        job = start_run(page, origin, tmp_path)
        need = check_result_and_queue(page, origin, job)
        check_export(page, origin, port, secret, job)
        check_english(page, origin, job, need)
        assert watch.left == [], f"requests left the origin: {watch.left}"
        assert watch.server_errors == []
        page.evaluate("fetch('https://cdn.example.invalid/x.js').catch(() => null)")
        page.wait_for_timeout(200)
        assert watch.left == ["https://cdn.example.invalid/x.js"]  # the guard sees (and stops) what would leave
