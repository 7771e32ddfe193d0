"""The usual claim on PostgreSQL in one round trip: a function ``claim_slot`` that locks the order
row, checks under that lock what the claim needs (token, stage, unit, the key's earlier use, the
rules' lists version) and makes the claim, its key and its audit entry (PostgreSQL only; SQLite
runs the claim's statements from Python, see :mod:`api.claim_statement`).

Each statement of a PL/pgSQL function in a READ COMMITTED transaction takes a snapshot of its own,
so the count of the order's claims, made after the lock is granted, sees every claim committed
before. Outcomes: ``made`` (``claim_id`` is the new claim), ``mine`` (the unit holds
``claim_id``), ``full``, ``stale`` (the lists changed since the caller checked the rules at
``p_version``: ``version`` is the current one) and ``other`` (no order, a dead token, a closed
stage, an unknown unit or a known key: nothing is written and the caller answers in full).

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

CLAIM_SLOT = """
CREATE FUNCTION claim_slot(
    p_order integer, p_unit text, p_token text, p_key text, p_version integer, p_open text[],
    p_at timestamptz, p_actor text,
    OUT outcome text, OUT version integer, OUT slots integer, OUT taken integer, OUT claim_id integer
) LANGUAGE plpgsql AS $$
DECLARE
    v_scenario integer;
    v_stage text;
BEGIN
    SELECT o.scenario_id, o.slots, o.stage, s.lists_version INTO v_scenario, slots, v_stage, version
    FROM orders o JOIN scenarios s ON s.id = o.scenario_id WHERE o.id = p_order FOR UPDATE OF o;
    IF NOT FOUND
        OR NOT EXISTS (SELECT 1 FROM tokens t WHERE t.token_hash = p_token AND NOT t.revoked)
        OR v_stage <> ALL (p_open)
        OR NOT EXISTS (SELECT 1 FROM list_records r WHERE r.scenario_id = v_scenario
                       AND r.list_name = 'resources' AND r.record_id = p_unit)
        OR (p_key <> '' AND EXISTS (SELECT 1 FROM idempotency_keys k WHERE k.unit = p_unit AND k.key = p_key))
    THEN
        outcome := 'other';
        RETURN;
    END IF;
    IF version <> p_version THEN
        outcome := 'stale';
        RETURN;
    END IF;
    SELECT count(*), max(CASE WHEN c.unit = p_unit THEN c.id END) INTO taken, claim_id
    FROM claims c WHERE c.order_id = p_order AND c.status = 'active';
    IF claim_id IS NOT NULL THEN
        outcome := 'mine';
        RETURN;
    END IF;
    IF taken >= slots THEN
        outcome := 'full';
        RETURN;
    END IF;
    INSERT INTO claims (order_id, unit, status, created_at, updated_at)
    VALUES (p_order, p_unit, 'active', p_at, p_at) RETURNING id INTO claim_id;
    IF p_key <> '' THEN
        INSERT INTO idempotency_keys (unit, key, order_id, claim_id) VALUES (p_unit, p_key, p_order, claim_id);
    END IF;
    INSERT INTO audit_log (at, actor, action, entity, entity_id, scenario_id, detail)
    VALUES (p_at, p_actor, 'claim.create', 'claim', claim_id::text, v_scenario,
            json_build_object('order', p_order, 'unit', p_unit, 'slot', taken + 1, 'slots', slots));
    outcome := 'made';
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CLAIM_SLOT)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION claim_slot(integer, text, text, text, integer, text[], timestamptz, text)")
