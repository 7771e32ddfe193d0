"""The audit log: every change is written with its actor in the change's own transaction (as a
plain INSERT: the entry is never read back in that transaction, so it needs no ORM object)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from api.auth import Principal
from api.models import AuditEntry, now
from api.prepared import Prepared

_INSERT = Prepared(
    insert(AuditEntry.__table__),  # type: ignore[arg-type]  # SQLAlchemy types __table__ as FromClause; it is a Table
    ("at", "actor", "action", "entity", "entity_id", "scenario_id", "detail"),
)


def record(
    session: Session,
    actor: Principal | str,
    action: str,
    entity: str,
    entity_id: object,
    scenario_id: int | None = None,
    **detail: Any,
) -> None:
    """Add one audit entry (who, what, when) to the session's transaction."""
    name = actor.name if isinstance(actor, Principal) else actor
    _INSERT.run(
        session.connection(),
        {
            "at": now(),
            "actor": name,
            "action": action,
            "entity": entity,
            "entity_id": str(entity_id),
            "scenario_id": scenario_id,
            "detail": detail,
        },
    )
