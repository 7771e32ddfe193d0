"""Group commit of claim changes (api.group_commit): changes queued together on SQLite share one
transaction, yet each one's refusal undoes only its own statements, and a database error keeps
nothing of the batch; on PostgreSQL each change is its own transaction. The rows kept are read
back from the database."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from api.db import Store
from api.group_commit import GroupCommit
from api.models import AuditEntry, now

CHANGES = 12


def note(session: Session, n: int) -> int:
    """Write one audit row naming ``n``; return n."""
    session.execute(
        insert(AuditEntry.__table__),
        {
            "at": now(),
            "actor": "test",
            "action": "note",
            "entity": "n",
            "entity_id": str(n),
            "scenario_id": None,
            "detail": {},
        },
    )
    return n


def note_object(session: Session, n: int) -> int:
    """Write one audit row naming ``n`` as an ORM object, left to the session to flush."""
    session.add(AuditEntry(at=now(), actor="test", action="note", entity="n", entity_id=str(n), detail={}))
    return n


def refuse_after_writing(session: Session, n: int) -> int:
    note(session, n)
    session.add(AuditEntry(at=now(), actor="test", action="note", entity="n", entity_id=str(n + 1000), detail={}))
    raise ValueError(f"change {n} refused")


def broken_statement(session: Session, n: int) -> int:
    note(session, n)
    session.execute(text("SELECT * FROM no_such_table"))
    return n


def run_together(store: Store, works: list) -> list[object]:
    """Queue every work while the database write lock is held, so they are written as one batch
    on SQLite; return each one's result or exception."""
    writer = GroupCommit(store)
    results: list[object] = [None] * len(works)

    def one(i: int) -> None:
        try:
            results[i] = writer.run(works[i])
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(works))]
    with store.write():  # another writer holds the lock: the changes queue behind it
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while writer.waiting() < len(works) and store.is_sqlite:
            assert time.monotonic() < deadline, "the changes never queued"
            time.sleep(0.01)
    for thread in threads:
        thread.join(10)
    return results


def kept(store: Store) -> list[int]:
    with store.read() as session:
        return sorted(int(n) for n in session.scalars(select(AuditEntry.entity_id).where(AuditEntry.action == "note")))


@pytest.fixture
def store(db_url):
    made = Store(db_url)
    yield made
    made.dispose()


def test_a_refused_change_undoes_only_its_own_statements(store):
    works = [
        (lambda s, n=n: refuse_after_writing(s, n))
        if n % 4 == 0
        else (lambda s, n=n: note(s, n))
        if n % 2
        else (lambda s, n=n: note_object(s, n))
        for n in range(CHANGES)
    ]
    results = run_together(store, works)
    for n, result in enumerate(results):
        if n % 4 == 0:
            assert isinstance(result, ValueError) and str(result) == f"change {n} refused"
        else:
            assert result == n
    assert kept(store) == [n for n in range(CHANGES) if n % 4]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_database_error_keeps_nothing_of_the_batch(store):
    """A failed statement may leave the transaction unusable: the batch's every change fails with it."""
    works = [(lambda s, n=n: broken_statement(s, n)) if n == 5 else (lambda s, n=n: note(s, n)) for n in range(CHANGES)]
    results = run_together(store, works)
    assert all(isinstance(r, Exception) and "no_such_table" in str(r) for r in results), results
    assert kept(store) == []
    assert GroupCommit(store).run(lambda s: note(s, 99)) == 99  # the next change is written as usual
    assert kept(store) == [99]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_queued_changes_share_one_commit(store):
    """One transaction for the queued changes: the log is synced once, not once per change."""
    commits = []
    from sqlalchemy import event

    event.listen(store.engine, "commit", lambda conn: commits.append(1))
    results = run_together(store, [lambda s, n=n: note(s, n) for n in range(CHANGES)])
    assert results == list(range(CHANGES))
    assert kept(store) == list(range(CHANGES))
    assert len(commits) == 2  # the lock holder's and the batch's
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == CHANGES
