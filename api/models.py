"""Database tables of the service: scenarios with their lists, orders (点单), claims (认领) and
their transfers, solve jobs, API tokens and the audit log. Alembic migrations in
:mod:`api.migrations` create exactly these tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def now() -> datetime:
    return datetime.now(UTC)


#: How actors are named (``role:subject``, a subject of up to 200 characters).
ACTOR_LENGTH = 220


class UTCDateTime(TypeDecorator):
    """Times in UTC, read back with their zone on every database (SQLite stores none)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, datetime: UTCDateTime()}


class Scenario(Base):
    """An uploaded scenario: its name, description, policy and travel settings."""

    __tablename__ = "scenarios"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    policy: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Bumped by every change of a list, so a process's cache of who may claim what knows it is stale.
    lists_version: Mapped[int] = mapped_column(Integer, server_default="0")
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=now)


class ListRecord(Base):
    """One record of a scenario list (communities, needs, resources, projects, pairings) as the
    canonical mapping its value object reads back; ``community`` and ``category`` are copied out
    for filtering."""

    __tablename__ = "list_records"
    __table_args__ = (
        UniqueConstraint("scenario_id", "list_name", "record_id", name="uq_list_records_key"),
        Index("ix_list_records_filter", "scenario_id", "list_name", "community", "category"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id", ondelete="CASCADE"))
    list_name: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)
    record_id: Mapped[str] = mapped_column(String(200))
    community: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)


class Token(Base):
    """An API token, stored as its SHA-256 hash: a planner's, a community's or a unit's."""

    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200), default="")
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=now)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditEntry(Base):
    """Who changed what, when: one row per change, written in the change's own transaction."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=now)
    actor: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    scenario_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SolveJob(Base):
    """A solve of a scenario run outside the request: queued -> running -> done | stopped | failed."""

    __tablename__ = "solve_jobs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    solver: Mapped[str] = mapped_column(String(20))
    time_limit: Mapped[float] = mapped_column(Float)
    policy: Mapped[dict[str, Any]] = mapped_column(JSON)
    stop_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    requested_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    #: The server process that accepted the job and runs it (see :mod:`api.owners`).
    owner: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=now)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: The engine's latest improving plan while it runs: objective, bound, gap, seconds.
    progress: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Order(Base):
    """A community's order of a catalogue project (点单), with the 三会 lifecycle:
    hearing (听证会) -> running (协调会) -> evaluated (评议会)."""

    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id", ondelete="CASCADE"), index=True)
    project: Mapped[str] = mapped_column(String(200))
    community: Mapped[str] = mapped_column(String(200), index=True)
    #: The station (站点) it runs at, for projects that need one; "" for the others.
    venue: Mapped[str] = mapped_column(String(200), default="", server_default="")
    slots: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(20), default="hearing")
    score: Mapped[float | None] = mapped_column(Float)
    comments: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    #: Why the order was cancelled at its hearing (听证会); "" for orders not cancelled.
    cancel_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)


class Claim(Base):
    """A unit's claim (认领) of one provider slot of an order; withdrawn claims are kept."""

    __tablename__ = "claims"
    __table_args__ = (Index("ix_claims_order_status", "order_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    unit: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)


class IdempotencyKey(Base):
    """An ``Idempotency-Key`` a unit sent with a claim: it belongs to that unit and that order
    forever, whoever holds the claim later (a transfer does not free the key)."""

    __tablename__ = "idempotency_keys"
    unit: Mapped[str] = mapped_column(String(200), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)


class Transfer(Base):
    """An offer to hand a claim to another unit; it takes effect when the receiver accepts."""

    __tablename__ = "transfers"
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    from_unit: Mapped[str] = mapped_column(String(200))
    to_unit: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=now)
    decided_at: Mapped[datetime | None] = mapped_column()


class DispatchEvent(Base):
    """One step of live dispatch (派单) on a scenario, in order: a need arrived, an assignment was
    published (accepted) or unpinned, a re-plan placed the unpublished needs. Every server process
    rebuilds the same live plan by applying these events in id order (:mod:`api.dispatch`)."""

    __tablename__ = "dispatch_events"
    __table_args__ = (Index("ix_dispatch_events_scenario", "scenario_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    need: Mapped[str] = mapped_column(String(200), default="")
    resource: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[float] = mapped_column(Float)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=now)


class ProcessLease(Base):
    """A server process's heartbeat: it renews ``expires_at`` while it lives. A job whose owner's
    lease has lapsed (or who never held one) has no process left to run it."""

    __tablename__ = "process_leases"
    owner: Mapped[str] = mapped_column(String(200), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column()
    renewed_at: Mapped[datetime] = mapped_column(default=now)
