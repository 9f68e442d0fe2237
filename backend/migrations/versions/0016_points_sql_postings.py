"""Points: earn and pay as one PostgreSQL function call each (ADR 0037).

The ledger's two busiest operations posted with about 13 statements each, every one a round
trip and a piece of Python; on PostgreSQL they now run as one call of `points_earn` /
`points_pay`, which do the same steps in the same order under the same locks (see
`backend/tiles/points/ledger_sql.py`). SQLite keeps the Python posting. Nothing changes in
the tables.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The resident's `wallet` rows (backend/tiles/points/wallet_rows.py): the transfer as they
# see it and the balance with the soonest expiry dates, at the next two change-log
# positions (the counter row stays locked until commit, as `allocate_positions` does).
WALLET_ROWS = """
CREATE OR REPLACE FUNCTION points_wallet_rows(
    p_code text, p_person text, p_account text, p_balance integer, p_item jsonb,
    p_now timestamptz, p_now_iso text, p_time_zone text, p_expiring_shown integer
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_expiring jsonb;
    v_last bigint;
BEGIN
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'amount', s.total, 'expires_on', to_char(s.day, 'YYYY-MM-DD')) ORDER BY s.day),
           '[]'::jsonb)
      INTO v_expiring
      FROM (SELECT (l.expires_at AT TIME ZONE p_time_zone)::date AS day,
                   sum(l.remaining)::bigint AS total
              FROM points_lot l
             WHERE l.account_id = p_account AND l.remaining > 0
             GROUP BY 1 ORDER BY 1 LIMIT p_expiring_shown) s;
    UPDATE sync_counter SET value = value + 2 WHERE municipality_code = p_code
        RETURNING value INTO v_last;
    IF NOT FOUND THEN
        INSERT INTO sync_counter (municipality_code, value) VALUES (p_code, 0)
            ON CONFLICT (municipality_code) DO NOTHING;
        UPDATE sync_counter SET value = value + 2 WHERE municipality_code = p_code
            RETURNING value INTO v_last;
    END IF;
    INSERT INTO sync_change (municipality_code, position, person_id, audience, collection,
                             key, op, data, changed_at)
    VALUES (p_code, v_last - 1, p_person, NULL, 'wallet', 'transfer:' || (p_item ->> 'id'),
            'upsert', p_item::text, p_now),
           (p_code, v_last, p_person, NULL, 'wallet', 'balance', 'upsert',
            jsonb_build_object('balance', p_balance, 'expiring', v_expiring,
                               'updated_at', p_now_iso)::text, p_now);
END
$$;
"""

# Both accounts of a resident's transfer, made if missing and locked in id order (as
# `accounts.lock_accounts`): the resident's (id, balance) first, then the other's.
LOCK_PAIR = """
CREATE OR REPLACE FUNCTION points_lock_pair(
    p_code text, p_person text, p_other_kind text, p_other_key text, p_shop text,
    p_new_ids text[], p_now timestamptz,
    OUT resident_id text, OUT resident_balance integer,
    OUT other_id text, OUT other_balance integer
) LANGUAGE plpgsql AS $$
DECLARE
    v_row record;
    v_attempt integer;
BEGIN
    FOR v_attempt IN 1..2 LOOP
        resident_id := NULL;
        other_id := NULL;
        FOR v_row IN SELECT a.id, a.owner_key, a.balance FROM points_account a
                      WHERE a.municipality_code = p_code
                        AND a.owner_key IN ('person:' || p_person, p_other_key)
                      ORDER BY a.id FOR UPDATE LOOP
            IF v_row.owner_key = p_other_key THEN
                other_id := v_row.id;
                other_balance := v_row.balance;
            ELSE
                resident_id := v_row.id;
                resident_balance := v_row.balance;
            END IF;
        END LOOP;
        EXIT WHEN resident_id IS NOT NULL AND other_id IS NOT NULL;
        INSERT INTO points_account (id, municipality_code, kind, owner_key, person_id,
                                    shop_id, balance, created_at, updated_at)
        VALUES (p_new_ids[1], p_code, 'resident', 'person:' || p_person, p_person, NULL, 0,
                p_now, p_now),
               (p_new_ids[2], p_code, p_other_kind, p_other_key, NULL, p_shop, 0, p_now,
                p_now)
        ON CONFLICT (municipality_code, owner_key) DO NOTHING;
    END LOOP;
END
$$;
"""

# A check every posting starts with: the key's first answer, or a refusal.
KEY_CHECK = """
CREATE OR REPLACE FUNCTION points_key_answer(p_scope text, p_key text, p_digest text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_row record;
BEGIN
    SELECT k.request_sha256, k.answer INTO v_row FROM points_idempotency k
     WHERE k.scope = p_scope AND k.key = p_key;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF v_row.request_sha256 <> p_digest THEN
        RETURN jsonb_build_object('status', 'conflict');
    END IF;
    RETURN jsonb_build_object('status', 'replay', 'answer', v_row.answer::jsonb);
END
$$;
"""

# `points_earn` and `points_pay` repeat their steps (key check, resident, transfer, postings,
# balances, answer) instead of calling shared helper functions: each PL/pgSQL call costs a
# little, and with three more per posting the benchmark lost about a tenth of its rate
# (docs/benchmarks.md). tests/backend/test_points_ledger_sql.py holds both to the Python
# posting.
EARN = """
CREATE OR REPLACE FUNCTION points_earn(
    p_scope text, p_key text, p_digest text, p_person text, p_amount integer,
    p_purpose text, p_reference text, p_actor text, p_transfer_id text, p_lot_id text,
    p_new_ids text[], p_now timestamptz, p_expires_at timestamptz, p_answer_time text,
    p_item_time text, p_now_iso text, p_time_zone text, p_expiring_shown integer
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_seen jsonb;
    v_code text;
    v_deleted timestamptz;
    v_pair record;
    v_resident integer;
    v_issuer integer;
    v_answer jsonb;
BEGIN
    v_seen := points_key_answer(p_scope, p_key, p_digest);
    IF v_seen IS NOT NULL THEN
        RETURN v_seen;
    END IF;
    SELECT p.municipality_code, p.deleted_at INTO v_code, v_deleted FROM person p
     WHERE p.id = p_person;
    IF NOT FOUND OR v_deleted IS NOT NULL THEN
        RETURN jsonb_build_object('status', 'unknown_resident');
    END IF;
    SELECT * INTO v_pair FROM points_lock_pair(v_code, p_person, 'issuer', 'issuer', NULL,
                                               p_new_ids, p_now);
    v_resident := v_pair.resident_balance + p_amount;
    v_issuer := v_pair.other_balance - p_amount;
    INSERT INTO points_transfer (id, municipality_code, kind, from_account_id, to_account_id,
                                 amount, purpose, reference, reason, refund_of, corrects,
                                 actor_person_id, created_at)
    VALUES (p_transfer_id, v_code, 'earn', v_pair.other_id, v_pair.resident_id, p_amount,
            p_purpose, p_reference, NULL, NULL, NULL, p_actor, p_now);
    INSERT INTO points_posting (transfer_id, account_id, amount, balance_after)
    VALUES (p_transfer_id, v_pair.other_id, -p_amount, v_issuer),
           (p_transfer_id, v_pair.resident_id, p_amount, v_resident);
    UPDATE points_account
       SET balance = CASE WHEN id = v_pair.resident_id THEN v_resident ELSE v_issuer END,
           updated_at = p_now
     WHERE id IN (v_pair.resident_id, v_pair.other_id);
    INSERT INTO points_lot (id, account_id, transfer_id, amount, remaining, created_at,
                            expires_at)
    VALUES (p_lot_id, v_pair.resident_id, p_transfer_id, p_amount, p_amount, p_now,
            p_expires_at);
    v_answer := jsonb_build_object(
        'transfer_id', p_transfer_id, 'kind', 'earn', 'purpose', p_purpose,
        'amount', p_amount, 'balance_after', v_resident, 'created_at', p_answer_time,
        'reference', p_reference, 'person_id', p_person);
    INSERT INTO points_idempotency (scope, key, request_sha256, transfer_id, answer,
                                    created_at)
    VALUES (p_scope, p_key, p_digest, p_transfer_id, v_answer::text, p_now);
    PERFORM points_wallet_rows(v_code, p_person, v_pair.resident_id, v_resident,
        jsonb_build_object(
            'id', p_transfer_id, 'kind', 'earn', 'purpose', p_purpose, 'amount', p_amount,
            'counterparty', jsonb_build_object('kind', 'city', 'id', NULL, 'name', NULL),
            'reference', p_reference, 'created_at', p_item_time, 'refund_of', NULL,
            'corrects', NULL, 'balance_after', v_resident),
        p_now, p_now_iso, p_time_zone, p_expiring_shown);
    RETURN jsonb_build_object('status', 'ok', 'answer', v_answer);
END
$$;
"""

PAY = """
CREATE OR REPLACE FUNCTION points_pay(
    p_scope text, p_key text, p_digest text, p_person text, p_shop text, p_amount integer,
    p_purpose text, p_reference text, p_transfer_id text, p_new_ids text[],
    p_now timestamptz, p_answer_time text, p_item_time text, p_now_iso text,
    p_time_zone text, p_expiring_shown integer
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_seen jsonb;
    v_code text;
    v_deleted timestamptz;
    v_shop record;
    v_other_kind text := 'issuer';
    v_other_key text := 'issuer';
    v_counterparty jsonb := jsonb_build_object('kind', 'city', 'id', NULL, 'name', NULL);
    v_pair record;
    v_resident integer;
    v_other integer;
    v_lot record;
    v_left integer;
    v_used integer;
    v_answer jsonb;
BEGIN
    v_seen := points_key_answer(p_scope, p_key, p_digest);
    IF v_seen IS NOT NULL THEN
        RETURN v_seen;
    END IF;
    SELECT p.municipality_code, p.deleted_at INTO v_code, v_deleted FROM person p
     WHERE p.id = p_person;
    IF NOT FOUND OR v_deleted IS NOT NULL THEN
        RETURN jsonb_build_object('status', 'unknown_resident');
    END IF;
    IF p_shop IS NOT NULL THEN
        SELECT s.municipality_code, s.name, s.active INTO v_shop FROM points_shop s
         WHERE s.id = p_shop;
        IF NOT FOUND OR NOT v_shop.active OR v_shop.municipality_code <> v_code THEN
            RETURN jsonb_build_object('status', 'unknown_shop');
        END IF;
        v_other_kind := 'shop';
        v_other_key := 'shop:' || p_shop;
        v_counterparty := jsonb_build_object('kind', 'shop', 'id', p_shop, 'name', v_shop.name);
    END IF;
    SELECT * INTO v_pair FROM points_lock_pair(v_code, p_person, v_other_kind, v_other_key,
                                               p_shop, p_new_ids, p_now);
    IF v_pair.resident_balance < p_amount THEN
        RETURN jsonb_build_object('status', 'insufficient',
                                  'balance', v_pair.resident_balance);
    END IF;
    v_resident := v_pair.resident_balance - p_amount;
    v_other := v_pair.other_balance + p_amount;
    INSERT INTO points_transfer (id, municipality_code, kind, from_account_id, to_account_id,
                                 amount, purpose, reference, reason, refund_of, corrects,
                                 actor_person_id, created_at)
    VALUES (p_transfer_id, v_code, 'pay', v_pair.resident_id, v_pair.other_id, p_amount,
            p_purpose, p_reference, NULL, NULL, NULL, p_person, p_now);
    INSERT INTO points_posting (transfer_id, account_id, amount, balance_after)
    VALUES (p_transfer_id, v_pair.resident_id, -p_amount, v_resident),
           (p_transfer_id, v_pair.other_id, p_amount, v_other);
    UPDATE points_account
       SET balance = CASE WHEN id = v_pair.resident_id THEN v_resident ELSE v_other END,
           updated_at = p_now
     WHERE id IN (v_pair.resident_id, v_pair.other_id);
    -- The lots that expire soonest first (lots.take).
    v_left := p_amount;
    FOR v_lot IN SELECT l.id, l.remaining FROM points_lot l
                  WHERE l.account_id = v_pair.resident_id AND l.remaining > 0
                  ORDER BY l.expires_at, l.id LOOP
        EXIT WHEN v_left = 0;
        v_used := least(v_left, v_lot.remaining);
        UPDATE points_lot SET remaining = remaining - v_used WHERE id = v_lot.id;
        INSERT INTO points_lot_use (transfer_id, lot_id, amount)
        VALUES (p_transfer_id, v_lot.id, v_used);
        v_left := v_left - v_used;
    END LOOP;
    IF v_left <> 0 THEN
        RAISE EXCEPTION 'account %: lots hold % of %', v_pair.resident_id,
            p_amount - v_left, p_amount;
    END IF;
    v_answer := jsonb_build_object(
        'transfer_id', p_transfer_id, 'kind', 'pay', 'purpose', p_purpose,
        'amount', p_amount, 'balance_after', v_resident, 'created_at', p_answer_time,
        'reference', p_reference, 'person_id', p_person);
    INSERT INTO points_idempotency (scope, key, request_sha256, transfer_id, answer,
                                    created_at)
    VALUES (p_scope, p_key, p_digest, p_transfer_id, v_answer::text, p_now);
    PERFORM points_wallet_rows(v_code, p_person, v_pair.resident_id, v_resident,
        jsonb_build_object(
            'id', p_transfer_id, 'kind', 'pay', 'purpose', p_purpose, 'amount', -p_amount,
            'counterparty', v_counterparty, 'reference', p_reference,
            'created_at', p_item_time, 'refund_of', NULL, 'corrects', NULL,
            'balance_after', v_resident),
        p_now, p_now_iso, p_time_zone, p_expiring_shown);
    RETURN jsonb_build_object('status', 'ok', 'answer', v_answer);
END
$$;
"""

FUNCTIONS = (WALLET_ROWS, LOCK_PAIR, KEY_CHECK, EARN, PAY)
DROPPED = (
    "points_pay(text, text, text, text, text, integer, text, text, text, text[], "
    "timestamptz, text, text, text, text, integer)",
    "points_earn(text, text, text, text, integer, text, text, text, text, text, text[], "
    "timestamptz, timestamptz, text, text, text, text, integer)",
    "points_key_answer(text, text, text)",
    "points_lock_pair(text, text, text, text, text, text[], timestamptz)",
    "points_wallet_rows(text, text, text, integer, jsonb, timestamptz, text, text, integer)",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for function in FUNCTIONS:
        op.execute(function)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for signature in DROPPED:
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
