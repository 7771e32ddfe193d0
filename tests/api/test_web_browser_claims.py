"""The projects-and-claims, escalation, compare and history screens in a real browser (Debian's
Chromium through Playwright) against ``matcher serve``: a community orders a project (点单); a unit
coordinator signs in, sees only its own unit, claims a slot and hands it to another unit, which
accepts; a unit that may not claim the project sees the rule it breaks in Chinese and is refused
with it; a planner routes the scenario community → street → district and compares two stored
runs. Each screen in both languages, no request leaves the origin, and no answer is a 5xx.
Screenshots go to ``screenshots/`` (``claims-*``)."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest
from browser import browser_page, playwright_ready, shot
from conftest import bearer, upload

from matcher.rules.claims import ClaimRule

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from loadgen import Server  # noqa: E402

pytestmark = pytest.mark.skipif(bool(playwright_ready()), reason=playwright_ready() or "ready")
ZHANGJIANG = Path(__file__).parents[2] / "scenarios" / "zhangjiang"
CJK = re.compile(r"[\u4e00-\u9fff]")
ROLES = {
    "planner": ("planner", ""),
    "C1": ("community", "C1"),
    "U1": ("unit", "U1"),
    "U2": ("unit", "U2"),
    "U4": ("unit", "U4"),
}


@pytest.fixture
def served(tmp_path):
    """The real server on a fresh SQLite file with the small test scenario (with projects), the
    Zhangjiang scenario with a pairing-strict and a pairing-soft greedy run of it, and a token per role."""
    from api import create_app
    from api.auth import issue_token

    url = f"sqlite:///{tmp_path / 'matcher.db'}"
    app = create_app({"DATABASE_URL": url})
    with app.extensions["matcher"].store.write() as session:
        secrets = {name: issue_token(session, role, subject) for name, (role, subject) in ROLES.items()}
    client = app.test_client()
    upload(client, bearer(secrets["planner"]))  # the small scenario with projects (项目清单)
    scenario = upload_zhangjiang(client, bearer(secrets["planner"]))
    for preset in ("pairing-strict", "pairing-soft"):
        body = {"solver": "greedy", "time_limit": 5, "policy": preset}
        started = client.post(f"/scenarios/{scenario}/solves", json=body, headers=bearer(secrets["planner"]))
        assert started.status_code in (201, 202), started.json
    assert app.extensions["matcher"].runner.wait_idle(60)
    app.extensions["matcher"].runner.shutdown()
    app.extensions["matcher"].store.dispose()
    with Server(url, tmp_path / "server.log") as server:
        yield f"http://127.0.0.1:{server.port}", secrets, scenario


def upload_zhangjiang(client, headers: dict[str, str]) -> int:
    files = [(io.BytesIO(path.read_bytes()), path.name) for path in sorted(ZHANGJIANG.glob("*.csv"))]
    response = client.post(
        "/scenarios",
        data={"scenario": (io.BytesIO((ZHANGJIANG / "scenario.yaml").read_bytes()), "scenario.yaml"), "files": files},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    return response.json["id"]


def signed_in(page, origin: str, secret: str) -> None:
    page.goto(origin + "/login")
    page.fill("input[name=token]", secret)
    page.click("button[type=submit]")
    page.wait_for_url(origin + "/")


def both_languages(page, origin: str, path: str, name: str) -> None:
    """The screen in English (no Chinese in its menu and heading), then back in Chinese."""
    page.goto(f"{origin}{path}{'&' if '?' in path else '?'}lang=en")
    assert page.get_attribute("html", "lang") == "en"
    assert not CJK.search(page.inner_text("header nav") + page.inner_text("h1")), name
    shot(page, f"claims-{name}-en")
    page.goto(f"{origin}{path}{'&' if '?' in path else '?'}lang=zh")
    assert CJK.search(page.inner_text("h1")), name
    shot(page, f"claims-{name}-zh")


def community_orders(origin: str, secret: str) -> int:
    with browser_page(origin) as (page, watch):
        signed_in(page, origin, secret)
        page.goto(origin + "/web/projects")
        assert page.locator("#catalogue tbody tr").count() == 2
        page.locator("#catalogue tbody tr", has_text="健康讲座").locator("button").click()
        page.wait_for_load_state()
        row = page.locator("#orders tbody tr").first
        assert "听证会" in row.inner_text() and "0 / 2" in row.inner_text()
        order = int(row.get_attribute("id").split("-")[1])
        both_languages(page, origin, "/web/projects", "projects")
        assert watch.left == [] and watch.server_errors == []
    return order


def unit_claims_and_transfers(origin: str, secret: str, order: int) -> int:
    with browser_page(origin) as (page, watch):
        signed_in(page, origin, secret)
        assert [a.inner_text() for a in page.locator("header nav a").all()] == ["认领"]
        assert page.goto(origin + "/web/projects").status == 403
        page.goto(origin + "/web/claims")
        assert "是" in page.inner_text(f"#open-{order}")
        page.locator(f"#open-{order} button").click()
        page.wait_for_load_state()
        claim = page.locator("#held tbody tr").first
        claim_id = int(claim.get_attribute("id").split("-")[1])
        claim.locator("input[name=to_unit]").fill("U4")
        claim.locator("button", has_text="转让").click()
        page.wait_for_load_state()
        assert "待答复" in page.inner_text("#transfers")
        both_languages(page, origin, "/web/claims", "unit-offered")
        assert watch.left == [] and watch.server_errors == []
    return claim_id


def other_unit_accepts(origin: str, secret: str, claim_id: int) -> None:
    with browser_page(origin) as (page, watch):
        signed_in(page, origin, secret)
        page.goto(origin + "/web/claims")
        page.locator("#transfers button", has_text="接受").click()
        page.wait_for_load_state()
        assert "已接受" in page.inner_text("#transfers") and page.locator(f"#claim-{claim_id}").count() == 1
        page.locator(f"#claim-{claim_id} a", has_text="记录").click()
        page.wait_for_url(re.compile(rf"/web/history/claim/{claim_id}$"))
        history = page.inner_text("#history")
        assert "认领" in history and "转让已提出" in history and "转让已接受" in history
        both_languages(page, origin, f"/web/history/claim/{claim_id}", "history")
        assert watch.left == [] and watch.server_errors == []


def ineligible_unit_is_refused(origin: str, secret: str, order: int, claim_id: int) -> None:
    with browser_page(origin) as (page, watch):
        signed_in(page, origin, secret)
        page.goto(origin + "/web/claims")
        assert ClaimRule.CATEGORY.label in page.inner_text(f"#open-{order}")
        assert page.locator("#held tbody tr").count() == 0  # another unit's claims are not shown
        page.locator(f"#open-{order} button").click()
        page.wait_for_load_state()
        assert ClaimRule.CATEGORY.label in page.inner_text("#refusal")
        shot(page, "claims-refused-zh")
        assert page.goto(f"{origin}/web/history/claim/{claim_id}").status == 404
        assert watch.left == [] and watch.server_errors == []


def planner_routes_and_compares(origin: str, secret: str, scenario: int) -> None:
    with browser_page(origin) as (page, watch):
        signed_in(page, origin, secret)
        page.goto(f"{origin}/web/escalation?scenario={scenario}")
        levels = page.locator("#levels tbody tr")
        assert levels.count() == 4 and "社区" in levels.first.inner_text()  # three levels and the unserved
        assert page.locator("#routes tbody tr").count() == 50  # the first page of 715 needs
        both_languages(page, origin, f"/web/escalation?scenario={scenario}", "escalation")
        page.goto(f"{origin}/web/compare?scenario={scenario}")
        assert page.locator("#compare thead th").count() == 3  # the label column and two runs
        assert "未经证明" in page.inner_text("#not-proven")  # greedy proves nothing
        page.wait_for_selector("#coverage-chart svg")
        assert "[" in page.inner_text("#pairing-price")
        both_languages(page, origin, f"/web/compare?scenario={scenario}", "compare")
        assert watch.left == [] and watch.server_errors == []


def test_roles_in_chromium(served):
    origin, secrets, scenario = served
    order = community_orders(origin, secrets["C1"])
    claim_id = unit_claims_and_transfers(origin, secrets["U1"], order)
    other_unit_accepts(origin, secrets["U4"], claim_id)
    ineligible_unit_is_refused(origin, secrets["U2"], order, claim_id)
    planner_routes_and_compares(origin, secrets["planner"], scenario)
