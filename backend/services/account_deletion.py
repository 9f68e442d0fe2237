"""Deleting an account: wipe the person, leave the household, end delegations, forget logs.

What goes and what stays (docs/consent-and-my-data.md):
- The person row stays as a tombstone (its common ID is never reused and other rows point
  to it), with every personal field wiped and `deleted_at` set. The upstream subject is
  replaced, so the same card can start a fresh account.
- The household membership row goes; the household and the other members stay.
- Pending and active delegations either way are revoked (the grantor's ledger gets the
  revocation row, unless the grantor is the deleted person).
- The person's consent records and the access-log rows about them are DELETED. This is a
  deliberate choice for the portal's own records: once the account is gone there is no one
  to show them to, and keeping them would keep personal data. Legal retention of
  administrative records (applications, payments, the resident registry itself) lives in
  the systems that own those records, not in this ledger. Rows where the person was only
  the actor (a staff member's reads, a parent's consent for their child) belong to the
  other person's history and stay, pointing to the tombstone.
- The person's synced data (preferences, push receipts and their rows of the sync change
  log) is DELETED as well (docs/sync.md).
- Each tile's rows follow its spec's `deletion` policy (`backend/tiles/spec.py`, ADR 0022):
  deleted here (health records), kept pointing to the tombstone with the reason stated
  (bulky-waste bookings: the city's collection records), or none kept.
- Hooks in `app.state.on_account_deleted` run afterwards (the identity code registers token
  revocation there); `CurrentPerson` already refuses a deleted person's tokens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, or_, select
from sqlmodel import Session, col

from backend.identity.staff_departments import delete_memberships
from backend.models.access_log_entry import AccessLogEntry
from backend.models.consent_record import ConsentRecord
from backend.models.delegation import STATUS_ACTIVE, STATUS_PENDING, Delegation
from backend.models.household import HouseholdMember
from backend.models.person import Person
from backend.models.sync_data import Preference
from backend.models.sync_log import SyncChange, SyncReceipt
from backend.services.clock import utc_now
from backend.services.delegation import revoke_delegation
from backend.tiles.registry import tile_specs
from backend.tiles.spec import Deletion

logger = logging.getLogger(__name__)

AccountDeletedHook = Callable[[str], None]


def deletion_hooks(state: Any) -> list[AccountDeletedHook]:
    """`app.state.on_account_deleted`, created empty on first use; each hook gets the common ID."""
    hooks = getattr(state, "on_account_deleted", None)
    if hooks is None:
        hooks = []
        state.on_account_deleted = hooks
    return hooks


def delete_account(session: Session, person: Person) -> None:
    """Wipe `person` as described above, in the caller's transaction (the caller commits)."""
    code = person.municipality_code
    open_delegations = session.scalars(
        select(Delegation).where(
            col(Delegation.municipality_code) == code,
            or_(
                col(Delegation.grantor_person_id) == person.id,
                col(Delegation.grantee_person_id) == person.id,
            ),
            col(Delegation.status).in_((STATUS_PENDING, STATUS_ACTIVE)),
        )
    ).all()
    for delegation in open_delegations:
        revoke_delegation(session, person, delegation.id)
    session.flush()
    session.execute(
        delete(ConsentRecord).where(
            col(ConsentRecord.municipality_code) == code, col(ConsentRecord.person_id) == person.id
        )
    )
    session.execute(
        delete(AccessLogEntry).where(
            col(AccessLogEntry.municipality_code) == code,
            col(AccessLogEntry.subject_person_id) == person.id,
        )
    )
    session.execute(
        delete(HouseholdMember).where(
            col(HouseholdMember.municipality_code) == code,
            col(HouseholdMember.person_id) == person.id,
        )
    )
    delete_memberships(session, person.id)  # no staff scope survives the account
    for spec in tile_specs():
        if spec.deletion.action is Deletion.DELETE and spec.deletion.delete is not None:
            spec.deletion.delete(session, person)
    for synced in (Preference, SyncReceipt, SyncChange):
        session.execute(delete(synced).where(synced.person_id == person.id))  # type: ignore[arg-type]
    row = session.get(Person, person.id)
    assert row is not None
    moment = utc_now()
    row.name = ""
    row.address = None
    row.birthdate = None
    row.gender = None
    row.email = None
    row.upstream_subject = f"deleted:{row.id}"
    row.deleted_at = moment
    row.updated_at = moment


def run_deletion_hooks(state: Any, person_id: str) -> None:
    """Run every hook; one failing is logged and does not stop the others."""
    for hook in list(deletion_hooks(state)):
        try:
            hook(person_id)
        except Exception:
            logger.exception("on_account_deleted hook %r failed for %s", hook, person_id)
