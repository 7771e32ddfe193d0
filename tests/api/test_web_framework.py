"""The workbench's frame: signing in by token, Chinese by default and English by a switch, the
CSRF check on forms, roles, plotly.js served from the installed package, and catalogues whose
compiled .mo matches the .po and covers every message in the code and templates."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages import mofile, pofile
from babel.messages.extract import extract_from_dir
from web_helpers import csrf_of, sign_in

from api.web.i18n import TRANSLATIONS

PO = TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po"
WEB = Path(TRANSLATIONS).parent
METHODS = {"**.py": "python", "templates/**.html": "jinja2"}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_login_by_token_in_chinese_then_english(client, tokens):
    assert client.get("/").headers["Location"].startswith("/login")
    page = client.get("/login").get_data(as_text=True)
    assert "<title>登录 · 社区资源匹配工作台</title>" in page and 'lang="zh-CN"' in page
    refused = client.post("/login", data={"token": "mt_wrong", "csrf": csrf_of(client)})
    assert refused.status_code == 401 and "令牌无效或已被吊销" in refused.get_data(as_text=True)
    sign_in(client, tokens["planner"])
    home = client.get("/").get_data(as_text=True)
    assert "规划人员" in home and "需求清单" in home and "吹哨报到" in home
    english = client.get("/?lang=en")
    assert "lang=en" in english.headers["Set-Cookie"] and "Planner" in english.get_data(as_text=True)
    assert "Planner" in client.get("/").get_data(as_text=True)  # the cookie keeps the choice
    assert "规划人员" in client.get("/?lang=zh").get_data(as_text=True)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_session_keeps_the_hash_not_the_token_and_logout_ends_it(client, tokens):
    secret = tokens["planner"]["Authorization"].split(" ", 1)[1]
    csrf = sign_in(client, tokens["planner"])
    cookie = client.get_cookie("matcher_session").value
    assert secret not in cookie
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 400  # no CSRF token, no action
    assert client.get("/").status_code == 200
    assert client.post("/logout", data={"csrf": csrf}).status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_unit_sees_no_planner_screen(client, tokens, app):
    from api.web.screens import MENU

    sign_in(client, tokens["U1"])
    assert "单位 U1" in client.get("/").get_data(as_text=True)
    for screen in MENU:
        if "unit" not in screen.roles:
            with app.test_request_context():
                from flask import url_for

                path = url_for(screen.endpoint)
            response = client.get(path)
            assert response.status_code == 403 and "无权" in response.get_data(as_text=True), path


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_plotly_is_served_from_the_installed_package(client):
    from api.web.assets import plotly_js

    response = client.get("/web-assets/plotly-1.min.js")
    assert response.status_code == 200 and response.data == plotly_js().read_bytes()
    assert (
        response.headers["Cache-Control"].startswith("public, max-age=31536000")
        or "max-age" in (response.headers["Cache-Control"])
    )


def _messages(catalog) -> dict[str, str]:
    return {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in catalog if m.id}


def test_compiled_catalogue_matches_the_po():
    """The committed .mo holds exactly the .po's translations (run `pybabel compile` after editing)."""
    with open(PO, "rb") as f:
        po = pofile.read_po(f, locale="zh")
    with open(PO.with_suffix(".mo"), "rb") as f:
        mo = mofile.read_mo(f)
    assert _messages(mo) == {k: v for k, v in _messages(po).items() if v}
    compiled = io.BytesIO()
    mofile.write_mo(compiled, po)
    assert compiled.getvalue() == PO.with_suffix(".mo").read_bytes()


def test_every_message_has_a_chinese_translation():
    """Each message of the code and templates is in the .po, translated (no English left in zh)."""
    with open(PO, "rb") as f:
        po = _messages(pofile.read_po(f, locale="zh"))
    found = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            WEB, method_map=list(METHODS.items()), keywords=dict.fromkeys(("_", "_l", "gettext", "lazy_gettext"))
        )
    }
    assert found, "no messages extracted"
    missing = sorted(m for m in found if not po.get(m))
    assert not missing, f"untranslated (pybabel extract/update, then translate): {missing}"


def test_recent_makes_a_value_once_and_forgets_a_failure():
    """Two threads asking for one job's data make it once; a failed make is not kept."""
    import threading
    import time

    from api.web.results import Recent

    recent, made = Recent(2), []

    def slow() -> str:
        made.append(1)
        time.sleep(0.2)
        return "value"

    threads = [threading.Thread(target=recent.get, args=("job", slow)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert made == [1] and recent.get("job", lambda: "other") == "value"

    def broken() -> str:
        raise ValueError("lists changed")

    with pytest.raises(ValueError):
        recent.get("bad", broken)
    assert "bad" not in recent and recent.get("bad", lambda: "again") == "again"
    recent.get("third", lambda: "3")
    assert "job" not in recent  # the least recently used went
