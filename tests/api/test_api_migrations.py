"""Migrations: the tables they build are the models, and upgrading a database keeps its data."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from conftest import DATA, reset_postgres
from sqlalchemy import insert

from api import create_app
from api.auth import digest
from api.db import Store, current_revision, upgrade
from api.models import Base, ListRecord, Scenario, SolveJob, Token, now
from api.records import make_row, policy_data, record_data
from matcher.io.scenario import load_scenario


def fresh(db_url: str) -> Store:
    """An empty database without any table (each test leaves it at the newest revision)."""
    if db_url.startswith("postgresql"):
        reset_postgres(db_url)
    else:
        Path(db_url.removeprefix("sqlite:///")).unlink()
    return Store(db_url)


def test_migrations_build_exactly_the_models(db_url):
    """Autogenerate finds nothing to change between the migrated schema and the models."""
    store = fresh(db_url)
    upgrade(store.engine)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    store.dispose()
    assert diff == []


def test_upgrade_keeps_existing_data(db_url):
    """A database made at revision 0001 with a scenario, tokens and a running job upgrades to head intact."""
    store = fresh(db_url)
    upgrade(store.engine, "0001")
    assert current_revision(store.engine) == "0001"
    loaded = load_scenario(DATA / "scenario.yaml")
    scenario_id, before = _fill_at_0001(store, loaded)
    store.dispose()

    app = create_app({"DATABASE_URL": db_url})  # upgrades to head on start
    try:
        store = app.extensions["matcher"].store
        assert current_revision(store.engine) == "0008"
        with store.read() as session:
            after = sorted((r.list_name, r.record_id, str(r.data)) for r in session.query(ListRecord))
        assert after == before
        client = app.test_client()
        got = client.get(f"/scenarios/{scenario_id}", headers={"Authorization": "Bearer old-secret"})
        assert got.status_code == 200 and got.json["description"] == "made at 0001"
        assert got.json["counts"]["needs"] == len(loaded.problem.needs)
        ordered = client.post(
            f"/scenarios/{scenario_id}/orders",
            json={"project": "P1", "community": "C1"},
            headers={"Authorization": "Bearer c1-secret"},
        )
        assert ordered.status_code == 201  # the tables 0002 added work on the old data
        old_job = client.get("/solves/old-job", headers={"Authorization": "Bearer old-secret"}).json
        assert old_job["status"] == "failed" and "running" in old_job["error"]  # its process is long gone
    finally:
        app.extensions["matcher"].runner.shutdown()
        app.extensions["matcher"].store.dispose()


def _fill_at_0001(store, loaded) -> tuple[int, list[tuple[str, str, str]]]:
    """A scenario with its lists, a planner's and a community's token and a running job, written
    with the columns revision 0001 made; returns the scenario's id and its list records."""
    with store.write() as session:
        columns = Scenario.__table__.c  # the columns 0001 made (later revisions add more)
        scenario_id = session.execute(
            insert(Scenario.__table__)
            .values(
                name="kept",
                description="made at 0001",
                created_by="planner",
                policy=policy_data(loaded.policy),
                settings=record_data(loaded.problem.settings),
                created_at=now(),
            )
            .returning(columns.id)
        ).scalar_one()
        for list_name in ("communities", "needs", "resources", "projects", "pairings"):
            session.add_all(
                make_row(scenario_id, list_name, i, r) for i, r in enumerate(getattr(loaded.problem, list_name))
            )
        session.add(Token(token_hash=digest("old-secret"), role="planner", subject="", label="", revoked=False))
        session.add(Token(token_hash=digest("c1-secret"), role="community", subject="C1", label="", revoked=False))
        session.flush()
        # a job that was running when the 0001-era service stopped (no owner column then)
        session.execute(
            insert(SolveJob.__table__).values(
                id="old-job",
                scenario_id=scenario_id,
                status="running",
                solver="auto",
                time_limit=5.0,
                policy={},
                stop_requested=False,
                requested_by="planner",
                created_at=now(),
            )
        )
        before = sorted((r.list_name, r.record_id, str(r.data)) for r in session.query(ListRecord))
    return scenario_id, before


def test_upgrade_keeps_idempotency_keys_with_the_unit_that_sent_them(db_url):
    """A key stored on a claim at revision 0004 becomes the key of the unit that made the claim (the
    giver of its first accepted transfer, if it was handed on), for that order."""
    from sqlalchemy import select, text

    from api.models import IdempotencyKey

    store = fresh(db_url)
    upgrade(store.engine, "0004")
    at = now()
    with store.write() as session:
        run = session.execute
        run(
            text(
                "INSERT INTO scenarios (id, name, description, policy, settings, created_by, created_at) "
                "VALUES (1, 's', '', '{}', '{}', 'planner', :at)"
            ),
            {"at": at},
        )
        run(
            text(
                "INSERT INTO orders (id, scenario_id, project, community, venue, slots, stage, comments, note, "
                "created_by, created_at, updated_at) VALUES (1, 1, 'P1', 'C1', '', 2, 'hearing', '', '', 'planner', "
                ":at, :at)"
            ),
            {"at": at},
        )
        for claim_id, unit, key in ((1, "U2", "handed-on"), (2, "U3", "kept"), (3, "U4", None)):
            run(
                text(
                    "INSERT INTO claims (id, order_id, unit, status, idempotency_key, created_at, updated_at) "
                    "VALUES (:id, 1, :unit, 'active', :key, :at, :at)"
                ),
                {"id": claim_id, "unit": unit, "key": key, "at": at},
            )
        run(
            text(
                "INSERT INTO transfers (id, claim_id, from_unit, to_unit, status, created_at) "
                "VALUES (1, 1, 'U1', 'U2', 'accepted', :at)"
            ),
            {"at": at},
        )
    upgrade(store.engine)
    with store.read() as session:
        keys = {(k.unit, k.key, k.order_id, k.claim_id) for k in session.scalars(select(IdempotencyKey))}
    store.dispose()
    assert keys == {("U1", "handed-on", 1, 1), ("U3", "kept", 1, 2)}
