"""Engines, sessions and migrations.

SQLite (the default, a file in WAL mode, synchronous=FULL) or PostgreSQL through psycopg 3. Reads run in plain
transactions; writes run in :meth:`Store.write`, which on PostgreSQL relies on row locks taken
by the caller (``FOR UPDATE``) and on SQLite opens ``BEGIN IMMEDIATE`` (the write lock is taken
before anything is read, so a check-then-write cannot interleave). On SQLite, writers first
queue for an in-process lock and then for an exclusive ``flock`` on ``<database>-writer.lock``:
a process waiting there wakes the moment the lock is released, where SQLite's own busy handler
sleeps and retries in steps of up to 100 ms, which with several server processes made the
slowest claims several times slower.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

try:
    import fcntl
except ImportError:  # Windows has no flock: SQLite's busy handler alone queues the writers there
    fcntl = None  # type: ignore[assignment]

#: The migrations ship inside the package, so an installed copy upgrades its own database.
MIGRATIONS = str(Path(__file__).with_name("migrations"))


#: By default SQLite syncs the write-ahead log at every commit, so a 201 survives a power cut or an
#: OS crash; NORMAL syncs only at checkpoints and may lose the last commits, for several times the
#: writes per second on a slow disk (docs/api.md has the measurements).
SQLITE_SYNCHRONOUS = ("FULL", "NORMAL")
#: Seconds a pooled PostgreSQL connection may sit unused before it is pinged at its next use.
PING_AFTER_IDLE_SECONDS = 5.0
#: SQLite errors after which a connection is renewed rather than reused.
RENEW_AFTER = ("readonly database", "disk I/O error", "unable to open database file")


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` URLs use the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, pool: bool = True, synchronous: str = SQLITE_SYNCHRONOUS[0]) -> Engine:
    """An engine for ``url``; SQLite connections get WAL, foreign keys, ``synchronous`` and our own BEGIN."""
    if synchronous not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"synchronous must be one of {', '.join(SQLITE_SYNCHRONOUS)}, not {synchronous!r}")
    url = normalise_url(url)
    if not url.startswith("sqlite"):
        if not pool:
            return create_engine(url, poolclass=NullPool)
        engine = create_engine(url, pool_size=20, max_overflow=40)
        ping_when_idle(engine)
        return engine
    engine = create_engine(
        url, connect_args={"timeout": 30, "check_same_thread": False}, **({} if pool else {"poolclass": NullPool})
    )

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver must not open transactions itself
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", f"synchronous={synchronous}", "busy_timeout=30000"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "handle_error")
    def _renew(context: Any) -> None:
        """A connection SQLite opened read-only (the file was not writable then), or one that hit a
        disk error, stays broken after the file is fine again: drop the pool's connections."""
        if any(sign in str(context.original_exception) for sign in RENEW_AFTER):
            context.is_disconnect = True

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("immediate") else "BEGIN")

    return engine


def ping_when_idle(engine: Engine, seconds: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Ping a pooled connection before use when it has been idle over ``seconds`` (the database may
    have restarted meanwhile); one that was in use moments ago is not pinged, which saves every
    request of a busy server a round trip. A connection that fails its ping is replaced."""

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("idle_since", time.monotonic()) <= seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(str(exc)) from exc  # the pool opens a new connection instead


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` with the migrations shipped in this package."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    with engine.connect() as connection:
        # SQLite changes a column by copying its table; with foreign keys on, dropping the old copy
        # would cascade to every row that refers to it. The pragma only acts outside a transaction.
        raw = connection.connection.driver_connection if engine.dialect.name == "sqlite" else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def file_lock(path: str) -> Iterator[None]:
    """Hold an exclusive flock on ``path`` (opened afresh each time: a descriptor inherited over a
    fork would share its lock with the parent)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:  # e.g. a read-only folder: BEGIN IMMEDIATE alone still keeps writes apart
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class Store:
    """The database of one app: an engine, a session factory and the write discipline."""

    def __init__(self, url: str, synchronous: str = SQLITE_SYNCHRONOUS[0]) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url, synchronous=synchronous)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.is_sqlite = self.url.startswith("sqlite")
        self._write_lock = threading.Lock() if self.is_sqlite else None
        database = self.engine.url.database if self.is_sqlite else None
        self._writer_file = f"{database}-writer.lock" if database and database != ":memory:" else None

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on any error."""
        with self._write_lock or nullcontext(), self._between_processes(), self.sessions() as session:
            session.connection(execution_options={"immediate": True})
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def raw_autocommit(self) -> Iterator[Any]:
        """A pooled driver connection (psycopg) in autocommit mode, each statement a transaction of
        its own, for a hot path that SQLAlchemy's Session and statement execution would slow
        (PostgreSQL only). Driver errors are raised wrapped as SQLAlchemy's (so a lost database is a
        503 as elsewhere), and a connection they show broken is dropped from the pool."""
        fairy = self.engine.raw_connection()
        conn = fairy.driver_connection
        assert conn is not None  # a connection the pool just handed out is open
        dialect = self.engine.dialect
        try:
            conn.autocommit = True
            try:
                yield conn
            finally:
                if not conn.closed:
                    conn.autocommit = False
        except dialect.loaded_dbapi.Error as exc:
            broken = dialect.is_disconnect(exc, conn, None)
            if broken:
                fairy.invalidate(exc)
            raise DBAPIError.instance(
                None, None, exc, dialect.loaded_dbapi.Error, connection_invalidated=broken, dialect=dialect
            ) from exc
        finally:
            fairy.close()

    def _between_processes(self) -> AbstractContextManager[None]:
        """The SQLite writers' queue across processes (a no-op on PostgreSQL and where there is no flock)."""
        return file_lock(self._writer_file) if self._writer_file and fcntl else nullcontext()

    def dispose(self) -> None:
        self.engine.dispose()
