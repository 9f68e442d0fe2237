"""The procedures tile's data on this device (the `ProceduresRepository` of ports.py) and its
network routes (`ProceduresOnline`).

- The catalogue: the public `procedures` rows (the public store; their age is the public
  stream's last sync).
- Drafts (`procedure_drafts`) and submissions (`procedure_submissions`): the resident's own
  rows and their outbox entries, encrypted at rest (offline_store SENSITIVE_COLLECTIONS);
  every write is `UserStore.apply_local` (row and outbox entry in one transaction).
- Who the resident may act for (minor children, delegators) and their age: read once per
  session from `/me/household` and `/me/delegations` while online; offline the catalogue
  simply claims no household fit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

from app.features.procedures.catalogue import ADULT_AGE, Household, Person, entries_from
from app.features.procedures.ports import CatalogueRead, Handoff, Uploaded
from app.features.procedures.records import (
    CATALOGUE,
    DRAFTS,
    SUBMISSIONS,
    Draft,
    Submission,
    drafts_from,
    submissions_from,
)
from app.store_sides import DeviceSide, PublicSide
from backend_client import BackendClient, BackendError
from backend_client.procedures import ProceduresClient

log = logging.getLogger(__name__)

PUBLIC_STREAM = "public"
DELEGATION_SCOPES = frozenset({"procedures", "all"})




class PeopleSource(Protocol):
    async def household(self) -> Household: ...


def _rows(rows: list[Any]) -> list[dict[str, Any]]:
    return [dict(r.data) for r in rows if isinstance(r.data, Mapping)]


def applicant_from(profile: Mapping[str, Any] | None) -> Person | None:
    """The signed-in resident as the form's applicant (`GET /me`: name, address,
    birthdate), or None when nobody is signed in."""
    if not profile or not isinstance(profile.get("name"), str):
        return None
    address, birthdate = profile.get("address"), profile.get("birthdate")
    return Person("self", None, str(profile["name"]),
                  birthdate if isinstance(birthdate, str) else None,
                  address if isinstance(address, str) else None)


def household_from(age: int | None, household: Mapping[str, Any] | None,
                   delegations: list[dict[str, Any]]) -> Household:
    """Minor children (of whom the resident is a parent, in their household) and the people
    who granted them an active delegation for procedures (or all)."""
    children: list[Person] = []
    members = household.get("members") if isinstance(household, Mapping) else None
    caller = next((m for m in members or () if isinstance(m, Mapping) and m.get("is_you")), {})
    address = household.get("address") if isinstance(household, Mapping) else None
    for member in members or ():
        if not isinstance(member, Mapping) or member.get("is_you"):
            continue
        member_age = member.get("age")
        if not isinstance(member_age, int) or member_age >= ADULT_AGE:
            continue
        if not _is_parent(str(caller.get("relation") or ""), str(member.get("relation") or "")):
            continue
        person_id = member.get("person_id")
        children.append(Person("minor_child", person_id if isinstance(person_id, str) else None,
                               str(member.get("name") or ""),
                               member.get("birthdate") if isinstance(member.get("birthdate"),
                                                                     str) else None,
                               address if isinstance(address, str) else None))
    delegators = [
        Person("delegator", str(d["grantor_common_id"]), str(d.get("other_name") or ""))
        for d in delegations
        if d.get("direction") == "for_me" and d.get("status") == "active"
        and d.get("scope") in DELEGATION_SCOPES and isinstance(d.get("grantor_common_id"), str)]
    return Household(age=age, minor_children=tuple(children), delegators=tuple(delegators),
                     known=True)


def _is_parent(caller: str, member: str) -> bool:
    """The household relations that make the caller a parent of the member (as the
    backend's `is_parent_relation`): a child of the head or spouse; the head of a parent."""
    if member == "child":
        return caller in ("self", "spouse")
    return member == "self" and caller == "parent"


class BackendPeople:
    """The household and delegations, read once per session while online."""

    def __init__(self, client: BackendClient, token: Callable[[], Awaitable[str]],
                 age: Callable[[], int | None]) -> None:
        self._client = client
        self._token = token
        self._age = age
        self._read: Household | None = None

    async def household(self) -> Household:
        if self._read is not None:
            return self._read
        try:
            token = await self._token()
            answer = await self._client.my_household(token)
            delegations = await self._client.my_delegations(token)
        except BackendError as exc:
            log.info("household not read (the catalogue claims no fit): %s", exc)
            return Household(age=self._age())
        household = answer.get("household")
        self._read = household_from(self._age(),
                                    household if isinstance(household, Mapping) else None,
                                    delegations)
        return self._read


class LocalProcedures:
    def __init__(self, public: PublicSide, device: DeviceSide, people: PeopleSource,
                 profile: Callable[[], Mapping[str, Any] | None]) -> None:
        self._public = public
        self._device = device
        self._people = people
        self._profile = profile

    @property
    def signed_in(self) -> bool:
        return self._device.store is not None and self.applicant() is not None

    def stamp(self) -> object:
        store = self._device.store
        return (self._public.version, self._device.version, id(store) if store else None)

    def applicant(self) -> Person | None:
        return applicant_from(self._profile())

    async def catalogue(self) -> CatalogueRead:
        store = self._public.store
        if store is None:
            return CatalogueRead([], None, available=False)

        def read() -> CatalogueRead:
            return CatalogueRead(entries_from(_rows(store.list(CATALOGUE))),
                                 store.cursor(PUBLIC_STREAM).last_synced_at)

        return await asyncio.to_thread(read)

    async def drafts(self) -> list[Draft]:
        store = self._device.store
        if store is None:
            return []
        return drafts_from(await asyncio.to_thread(store.list, DRAFTS))

    async def submissions(self, now: datetime) -> list[Submission]:
        store = self._device.store
        if store is None:
            return []
        rows = await asyncio.to_thread(store.list, SUBMISSIONS)
        outbox = await asyncio.to_thread(store.outbox, ("rejected",))
        return submissions_from(rows, outbox, now)

    async def household(self) -> Household:
        if self._device.store is None:
            return Household()
        return await self._people.household()

    async def save_draft(self, draft_id: str, row: dict[str, Any]) -> bool:
        return await self._write(DRAFTS, draft_id, row, "save", row)

    async def discard_draft(self, draft_id: str) -> bool:
        return await self._write(DRAFTS, draft_id, None, "discard", {"id": draft_id})

    async def stored_submission(self, submission_id: str) -> dict[str, Any]:
        store = self._device.store
        if store is None:
            return {}
        row = await asyncio.to_thread(store.read, SUBMISSIONS, submission_id)
        return dict(row.data) if row is not None and isinstance(row.data, Mapping) else {}

    async def write_submission(self, submission_id: str, row: dict[str, Any], name: str,
                               args: dict[str, Any]) -> bool:
        return await self._write(SUBMISSIONS, submission_id, row, name, args)

    async def _write(self, collection: str, key: str, row: dict[str, Any] | None, name: str,
                     args: dict[str, Any]) -> bool:
        store = self._device.store
        if store is None:
            return False
        await asyncio.to_thread(store.apply_local, collection, key, row, name, args)
        await self._device.changed_locally()
        return True


class BackendProcedures:
    """The routes that need the network: an attachment's upload, a handoff code."""

    def __init__(self, client: BackendClient, token: Callable[[], Awaitable[str]]) -> None:
        self._client = ProceduresClient(client)
        self._token = token

    async def upload(self, procedure_id: str, slot: str, name: str, content_type: str,
                     content: bytes) -> Uploaded:
        done = await self._client.upload_attachment(
            await self._token(), procedure_id=procedure_id, slot=slot, name=name,
            content_type=content_type, content=content)
        return Uploaded(done.attachment_id, done.content_type, done.size)

    async def handoff(self, submission_id: str) -> Handoff:
        code = await self._client.handoff_code(await self._token(), submission_id)
        return Handoff(code.code, code.expires_at)


def describe_change(entry: Any) -> tuple[str, dict[str, str]] | None:
    """How "Data on this device" names the procedures tile's own changes."""
    if entry.collection == DRAFTS:
        return {"save": ("A procedure draft saved", {}),
                "discard": ("A procedure draft deleted", {})}.get(
                    entry.name, ("A procedure draft changed", {}))
    if entry.collection == SUBMISSIONS:
        return {"submit": ("An application sent", {}),
                "resubmit": ("A corrected application sent", {}),
                "withdraw": ("An application withdrawn", {})}.get(
                    entry.name, ("An application changed", {}))
    return None
