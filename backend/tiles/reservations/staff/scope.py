"""Who is a reservations clerk: card-verified staff and the departments they belong to. A
resource, counter or booking of another department is answered 404 (never a hint that it
exists), as the procedures' staff review does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from backend.api.dependencies import EngineDep
from backend.identity.dependencies import StaffPerson
from backend.identity.staff_departments import scopes_of
from backend.models import Person


@dataclass(frozen=True)
class ReservationClerk:
    person: Person
    departments: frozenset[str]

    @property
    def id(self) -> str:
        return self.person.id

    @property
    def municipality_code(self) -> str:
        return self.person.municipality_code

    def serves(self, departments: frozenset[str] | str) -> bool:
        wanted = frozenset({departments}) if isinstance(departments, str) else departments
        return not wanted.isdisjoint(self.departments)


def reservation_clerk(staff: StaffPerson, engine: EngineDep) -> ReservationClerk:
    return ReservationClerk(staff, frozenset(s.department for s in scopes_of(engine, staff.id)))


ClerkDep = Annotated[ReservationClerk, Depends(reservation_clerk)]
