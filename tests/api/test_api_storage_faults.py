"""Issue 11, items 8 and 9: SQLite recovers once its file is writable again and commits durably;
long token subjects, deep JSON and streamed bodies over the cap are 4xx, never 500."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from api.db import Store, normalise_url, ping_when_idle


def immutable(path: Path, on: bool) -> None:
    """Make the file unwritable even for root (``chattr +i``), or writable again."""
    subprocess.run(["chattr", "+i" if on else "-i", str(path)], check=True)


@pytest.mark.skipif(shutil.which("chattr") is None, reason="needs chattr to make a file unwritable for root")
def test_sqlite_writes_recover_once_the_file_is_writable(app, client, tokens, db_url):
    """Connections opened while the database file was read-only are renewed after the write fails:
    writes answer 503 while it is read-only and 201 again as soon as it is writable (they stayed
    503 until a restart)."""
    if not db_url.startswith("sqlite"):
        pytest.skip("a file permission fault is SQLite's alone")
    path = Path(db_url.removeprefix("sqlite:///"))
    body = {"role": "unit", "subject": "U1"}
    assert client.post("/tokens", json=body, headers=tokens["planner"]).status_code == 201
    immutable(path, True)
    try:
        app.extensions["matcher"].store.engine.dispose()  # new connections open while it is read-only
        refused = [client.post("/tokens", json=body, headers=tokens["planner"]) for _ in range(3)]
        assert [r.status_code for r in refused] == [503] * 3 and refused[0].headers["Retry-After"] == "1"
    finally:
        immutable(path, False)
    assert [client.post("/tokens", json=body, headers=tokens["planner"]).status_code for _ in range(3)] == [201] * 3


def test_sqlite_commits_sync_the_log(sqlite_url):
    """By default every SQLite connection syncs at each commit (synchronous=FULL, 2): a 201 outlives a
    power cut; NORMAL (1) is chosen explicitly (``matcher serve --sqlite-synchronous NORMAL``)."""
    for chosen, expected in ((None, 2), ("NORMAL", 1)):
        store = Store(sqlite_url) if chosen is None else Store(sqlite_url, synchronous=chosen)
        try:
            with store.write() as session:
                assert session.connection().exec_driver_sql("PRAGMA synchronous").scalar() == expected
            with store.read() as session:
                assert session.connection().exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        finally:
            store.dispose()
    with pytest.raises(ValueError, match="synchronous"):
        Store(sqlite_url, synchronous="OFF")


@pytest.mark.parametrize("length", [196, 200])
@pytest.mark.parametrize("role", ["community", "unit"])
def test_long_token_subjects_are_stored_and_audited(client, tokens, scenario_id, role, length):
    """A subject of up to 200 characters makes a token whose audit entry (``role:subject``) and
    later actions are stored (PostgreSQL overflowed the audit log's varchar(200) with a 500)."""
    subject = "社" * length
    made = client.post("/tokens", json={"role": role, "subject": subject}, headers=tokens["planner"])
    assert made.status_code == 201, made.json
    entries = client.get("/audit?action=token.create", headers=tokens["planner"]).json["items"]
    assert entries[-1]["entity_id"] == f"{role}:{subject}"
    headers = {"Authorization": f"Bearer {made.json['token']}"}
    if role == "community":  # its order is refused by the rules, not by the database
        refused = client.post(
            f"/scenarios/{scenario_id}/orders", json={"project": "P1", "community": subject}, headers=headers
        )
        assert refused.status_code == 422 and "community" in refused.json["errors"]["json"]
    over = client.post(
        "/tokens", json={"role": role, "subject": subject + "x" * (201 - length)}, headers=tokens["planner"]
    )
    assert over.status_code == 422 and "subject" in over.json["errors"]["json"]


def test_streamed_body_over_the_cap_is_413(app, client, tokens):
    """A chunked body (no Content-Length) over MAX_CONTENT_LENGTH is 413 like a declared one (it was
    cut at the cap and answered 400); one under the cap is read whole."""
    cap = app.config["MAX_CONTENT_LENGTH"]

    def stream(size: int):
        body = json.dumps({"role": "unit", "subject": "U1", "label": "x" * size}).encode()
        return client.post(
            "/tokens",
            input_stream=io.BytesIO(body),
            headers={**tokens["planner"], "Content-Type": "application/json", "Transfer-Encoding": "chunked"},
            environ_overrides={"wsgi.input_terminated": True},
        )

    too_big = stream(cap + 10)
    assert too_big.status_code == 413 and set(too_big.json) == {"code", "status", "message", "errors"}
    assert stream(300).status_code == 422  # read whole: the label's length (at most 200) is what is wrong
    assert stream(10).status_code == 201


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("idle_limit", [0.2, 60.0])
def test_postgres_connection_idle_too_long_is_pinged_and_replaced(db_url, idle_limit):
    """A pooled connection whose server process went away while it sat idle longer than the limit
    fails its ping and is replaced unseen; one used within the limit is not pinged (a busy server
    makes no extra round trip), so its first statement meets the lost connection."""
    engine = create_engine(normalise_url(db_url), pool_size=1, max_overflow=0)
    ping_when_idle(engine, idle_limit)
    try:
        with engine.connect() as conn:
            first = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with psycopg.connect(db_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (first,))
        time.sleep(0.5)
        with engine.connect() as conn:
            if idle_limit < 0.5:
                assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != first
            else:
                with pytest.raises(OperationalError):
                    conn.execute(text("SELECT 1"))
    finally:
        engine.dispose()


def test_claim_on_lost_postgres_connections_is_503_then_made_once(app, client, tokens, scenario_id, db_url):
    """The claim's path on PostgreSQL takes a driver connection from the pool: when the database's
    processes behind the pool went away, a claim is a 503 with Retry-After (never a 500), each broken
    connection leaves the pool, and retrying with the same Idempotency-Key makes the claim once."""
    if db_url.startswith("sqlite"):
        pytest.skip("no connections to lose: SQLite is a file")
    from test_api_orders_claims import claim, order

    made = order(client, tokens, scenario_id)
    assert claim(client, tokens, made["id"], "U1").status_code == 201  # the pool's connections, used just now
    with psycopg.connect(db_url, autocommit=True) as admin:
        lost = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]
    time.sleep(0.3)
    answers = []
    while not answers or answers[-1].status_code == 503:
        answers.append(claim(client, tokens, made["id"], "U4", key="lost-connection"))
        assert len(answers) <= lost + 1, [a.status_code for a in answers]
    assert answers[-1].status_code == 201, answers[-1].json
    assert all(a.headers.get("Retry-After") == "1" for a in answers[:-1])
    again = claim(client, tokens, made["id"], "U4", key="lost-connection")
    assert again.status_code == 200 and again.json["id"] == answers[-1].json["id"]
    assert client.get(f"/orders/{made['id']}", headers=tokens["C1"]).json["claimed"] == 2
