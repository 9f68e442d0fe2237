"""Find or create the common ID (Person) of an upstream identity."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from backend.db import write_engine
from backend.identity.staff_departments import replace_idp_scopes
from backend.identity.upstream.profile import UpstreamProfile
from backend.models.person import Person


def _find(session: Session, profile: UpstreamProfile) -> Person | None:
    return session.scalars(
        select(Person).where(
            (col(Person.upstream_issuer) == profile.issuer)
            & (Person.upstream_subject == profile.subject)
        )
    ).one_or_none()


def _apply(person: Person, profile: UpstreamProfile, now: datetime, keep_name: bool) -> None:
    person.assurance_level = profile.assurance_level
    person.role = profile.role
    if not (keep_name and person.name):
        person.name = profile.name
    person.address = profile.address
    person.birthdate = profile.birthdate
    person.gender = profile.gender
    person.email = profile.email
    person.updated_at = now


def person_for_login(engine: Engine, municipality_code: str, profile: UpstreamProfile,
                     now: datetime, keep_name: bool = False) -> Person:
    """The Person keyed on (issuer, subject): a new UUID at the first login, the same one
    ever after (a renewed card keeps its subject); name, address etc. refreshed each time,
    and the provider's staff scopes, when it states them (`profile.scopes`).
    With `keep_name` (email-only accounts, whose provider knows no name) a name already
    set is kept and `profile.name` is only the default."""
    for _attempt in range(2):
        with Session(write_engine(engine)) as session:  # finds, then writes
            person = _find(session, profile)
            if person is None:
                person = Person(
                    id=str(uuid.uuid4()),
                    municipality_code=municipality_code,
                    upstream_issuer=profile.issuer,
                    upstream_subject=profile.subject,
                    assurance_level=profile.assurance_level,
                    created_at=now,
                    updated_at=now,
                )
            _apply(person, profile, now, keep_name)
            session.add(person)
            if profile.scopes is not None:
                session.flush()  # the person row first: memberships refer to it
                replace_idp_scopes(session, person.id, person.municipality_code,
                                   profile.scopes, now)
            try:
                session.commit()
            except IntegrityError:
                # Two first logins of the same person at once: the other one won; reload.
                session.rollback()
                continue
            session.refresh(person)
            return person
    raise RuntimeError(f"could not store the person for subject {profile.subject!r}")
