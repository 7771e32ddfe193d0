"""``matcher tokens create`` and ``matcher tokens revoke`` against the database a server uses."""

from __future__ import annotations

from conftest import bearer

from api import create_app
from matcher.cli import main


def issue(capsys, db_url: str, *who: str) -> str:
    assert main(["tokens", "create", *who, "--database", db_url]) == 0
    return capsys.readouterr().out.strip()


def status_with(db_url: str, secret: str) -> int:
    """The status a freshly started server answers a read with this token (no token cache yet)."""
    app = create_app({"DATABASE_URL": db_url})
    try:
        return app.test_client().get("/scenarios", headers=bearer(secret)).status_code
    finally:
        app.extensions["matcher"].runner.shutdown()
        app.extensions["matcher"].store.dispose()


def test_revoke_one_token_or_all_of_a_unit(capsys, sqlite_url):
    first, second = issue(capsys, sqlite_url, "--unit", "U1"), issue(capsys, sqlite_url, "--unit", "U1")
    other = issue(capsys, sqlite_url, "--unit", "U2")
    assert {status_with(sqlite_url, s) for s in (first, second, other)} == {200}

    assert main(["tokens", "revoke", "--token", first, "--database", sqlite_url]) == 0
    assert "revoked 1 token(s)" in capsys.readouterr().out
    assert [status_with(sqlite_url, s) for s in (first, second, other)] == [401, 200, 200]

    assert main(["tokens", "revoke", "--unit", "U1", "--database", sqlite_url]) == 0
    assert "revoked 1 token(s)" in capsys.readouterr().out  # the second; the first was already revoked
    assert [status_with(sqlite_url, s) for s in (first, second, other)] == [401, 401, 200]


def test_revoking_nothing_is_bad_input(capsys, sqlite_url):
    issue(capsys, sqlite_url, "--community", "C1")
    assert main(["tokens", "revoke", "--unit", "U9", "--database", sqlite_url]) == 2
    assert "'--unit': no live token matches" in capsys.readouterr().err
    assert main(["tokens", "revoke", "--token", "mt_not-a-token", "--database", sqlite_url]) == 2
    assert main(["tokens", "revoke", "--community", " ", "--database", sqlite_url]) == 2
    assert "name the community or unit" in capsys.readouterr().err
