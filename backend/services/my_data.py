""""My data" (マイデータ): everything the portal keeps about a person, as one JSON document."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from backend.models.person import Person
from backend.services.access_log import entries_about, entry_json
from backend.services.clock import age_on, city_today, utc_now
from backend.services.consents import consents_json
from backend.services.delegation import delegation_json, delegations_of
from backend.services.households import household_json, household_of, profile_for
from backend.services.synced_data import synced_data_json, tiles_json

EXPORT_FORMAT = "tsuyama-portal-my-data/1"


def profile_json(person: Person) -> dict[str, Any]:
    today = city_today()
    return {
        "common_id": person.id,
        "assurance_level": person.assurance_level,
        "role": person.role,
        "name": person.name,
        "address": person.address,
        "birthdate": person.birthdate.isoformat() if person.birthdate else None,
        "gender": person.gender,
        "email": person.email,
        "age": age_on(person.birthdate, today),
    }


def export_document(session: Session, person: Person) -> dict[str, Any]:
    """Profile, household, consents with history, delegations both ways, the full access log,
    what the resident's devices synced (settings and each tile's synced rows) and what the
    tiles keep otherwise (`tiles`, by tile id; each tile's spec says what it exports)."""
    today = city_today()
    view = household_of(session, person)
    entries, _ = entries_about(session, person.municipality_code, person.id, include_self=True)
    return {
        "format": EXPORT_FORMAT,
        "exported_at": utc_now().isoformat(),
        "municipality_code": person.municipality_code,
        "profile": {
            **profile_json(person),
            "upstream_issuer": person.upstream_issuer,
            "created_at": person.created_at.isoformat(),
            "updated_at": person.updated_at.isoformat(),
        },
        "household": household_json(view, today) if view else None,
        "home_profile": profile_for(person, view, today).as_json(),
        "consents": consents_json(session, person.municipality_code, person.id),
        "delegations": [delegation_json(d, person.id) for d in delegations_of(session, person)],
        "access_log": [entry_json(entry) for entry in entries],
        "synced_data": synced_data_json(session, person),
        "tiles": tiles_json(session, person),
    }
