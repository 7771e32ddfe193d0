"""Fixtures for the API tests: an app on SQLite and on the local PostgreSQL, tokens, a scenario.

PostgreSQL tests use a database of their own, named uniquely per run (``matcher_api_test_<pid>_<hex>``)
so two runs on one server never collide, on the server named by ``MATCHER_TEST_POSTGRES`` (default
postgresql://postgres@127.0.0.1:5432/test); it is dropped when the run ends. They are skipped, saying
why, only when no server answers there.
"""

from __future__ import annotations

import io
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api import create_app
from api.auth import issue_token
from api.db import Store, upgrade
from api.models import Base

DATA = Path(__file__).parent.parent / "data" / "api"
ADMIN_URL = os.environ.get("MATCHER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def unique_database_name(prefix: str) -> str:
    """A database name no other run on the same server uses (``prefix_<pid>_<hex>``)."""
    return f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"


TEST_DATABASE = unique_database_name("matcher_api_test")


def require_postgres() -> None:
    """Skip the calling test, saying why, when no PostgreSQL server answers at ``ADMIN_URL``."""
    import psycopg

    try:
        psycopg.connect(ADMIN_URL, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL server answers at {ADMIN_URL}: {exc}".strip())


UNITS = ("U1", "U2", "U3", "U4", "U5")


def _postgres_url() -> str:
    """Create this run's empty test database on the local server; skip when none answers."""
    import psycopg

    require_postgres()
    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'CREATE DATABASE "{TEST_DATABASE}"')
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + TEST_DATABASE


def _drop_postgres() -> None:
    """Drop this run's test database (its connections are closed first)."""
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{TEST_DATABASE}" WITH (FORCE)')


def reset_postgres(url: str) -> None:
    """Drop every table, so the next app builds the schema by its migrations."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


@pytest.fixture(scope="session")
def migrated_postgres() -> Iterator[str]:
    """This run's PostgreSQL test database, built once by the migrations and dropped at the end."""
    url = _postgres_url()
    try:
        store = Store(url)
        upgrade(store.engine)
        store.dispose()
        yield url
    finally:
        _drop_postgres()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file built once by the migrations, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "matcher.db"
    store = Store(f"sqlite:///{path}")
    upgrade(store.engine)
    store.dispose()
    return path


def empty_postgres(url: str) -> None:
    """Delete every row of every table (the schema stays at the newest migration)."""
    import psycopg

    with psycopg.connect(url) as conn:  # one transaction; DELETE on small tables beats TRUNCATE
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(f"DELETE FROM {table.name}")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind, at the newest migration."""
    if request.param == "sqlite":
        path = tmp_path / "matcher.db"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("migrated_postgres")
    empty_postgres(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'matcher.db'}"


@pytest.fixture
def app(db_url: str) -> Iterator[Any]:
    app = create_app({"DATABASE_URL": db_url, "TESTING": True})
    yield app
    app.extensions["matcher"].runner.shutdown()
    app.extensions["matcher"].store.dispose()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def tokens(app: Any) -> dict[str, dict[str, str]]:
    """Authorization headers: 'planner', 'C1'..'C3' (communities), 'U1'..'U5' (units)."""
    store = app.extensions["matcher"].store
    out = {}
    with store.write() as session:
        out["planner"] = bearer(issue_token(session, "planner"))
        for community in ("C1", "C2", "C3"):
            out[community] = bearer(issue_token(session, "community", community))
        for unit in UNITS:
            out[unit] = bearer(issue_token(session, "unit", unit))
    return out


def upload(client: Any, headers: dict[str, str], name: str = "scenario.yaml", extra: tuple[str, ...] = ()) -> Any:
    files: dict[str, Any] = {"scenario": (io.BytesIO((DATA / name).read_bytes()), name)}
    if extra:
        files["files"] = [(io.BytesIO((DATA / e).read_bytes()), e) for e in extra]
    return client.post("/scenarios", data=files, headers=headers, content_type="multipart/form-data")


@pytest.fixture
def scenario_id(client: Any, tokens: dict[str, dict[str, str]]) -> int:
    response = upload(client, tokens["planner"])
    assert response.status_code == 201, response.json
    return response.json["id"]


@pytest.fixture
def tokens_for() -> Iterator[Any]:
    """Make an app on a given URL with a planner token and the small scenario uploaded."""
    made = []

    def make(url: str) -> tuple[Any, dict[str, str]]:
        app = create_app({"DATABASE_URL": url})
        made.append(app)
        with app.extensions["matcher"].store.write() as session:
            headers = bearer(issue_token(session, "planner"))
        response = upload(app.test_client(), headers)
        app.config["SCENARIO_ID"] = response.json["id"]
        return app, headers

    yield make
    for app in made:
        app.extensions["matcher"].runner.shutdown()


def yaml_bytes(doc: Any) -> bytes:
    """A document as YAML with every value written out: uploads refuse aliases (``&id``/``*id``),
    which PyYAML writes for objects it meets twice."""
    import yaml

    class Plain(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    return yaml.dump(doc, Dumper=Plain, allow_unicode=True).encode()


def medium_scenario(n_needs: int = 300, n_resources: int = 60, seed: int = 1, n_communities: int = 12) -> bytes:
    """A random scenario CP-SAT does not finish proving within seconds (needs take 1 or 2 providers)."""
    import random

    rng = random.Random(seed)
    categories = ["health", "legal", "daily_life", "culture", "government"]
    communities = [
        {"id": f"C{i}", "street": f"S{i % 3}", "district": "D1", "x": rng.uniform(0, 6), "y": rng.uniform(0, 6)}
        for i in range(n_communities)
    ]
    needs = [
        {
            "id": f"N{i}",
            "community": f"C{rng.randrange(n_communities)}",
            "category": rng.choice(categories),
            "hours": rng.choice([0.5, 1, 1.5, 2, 3]),
            "providers": rng.choice([1, 2]),
            "urgency": rng.choice(["normal", "utilities", "complex"]),
        }
        for i in range(n_needs)
    ]
    resources = [
        {
            "id": f"R{i}",
            "kind": "unit",
            "community": f"C{rng.randrange(n_communities)}",
            "categories": rng.sample(categories, 2),
            "capacity_hours": rng.choice([4, 6, 8]),
            "capacity_tasks": rng.choice([3, 4, 6]),
            "radius_minutes": 30,
        }
        for i in range(n_resources)
    ]
    doc = {"name": "medium", "communities": communities, "needs": needs, "resources": resources}
    return yaml_bytes(doc)


def upload_bytes(client: Any, headers: dict[str, str], content: bytes, name: str = "medium.yaml") -> int:
    response = client.post(
        "/scenarios",
        data={"scenario": (io.BytesIO(content), name)},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    return response.json["id"]
