"""Households (世帯構成): who lives with whom, as the resident registry records it.

A member may have no account yet (a small child, an elderly parent without a card), so
`HouseholdMember.person_id` is nullable. A person belongs to at most one household
(unique `person_id`; several NULLs are allowed on SQLite and PostgreSQL alike).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Column, Date, ForeignKey, String, UniqueConstraint
from sqlmodel import Field, SQLModel

RELATION_SELF = "self"  # the head of the household (世帯主)
RELATION_SPOUSE = "spouse"
RELATION_CHILD = "child"
RELATION_PARENT = "parent"
RELATION_GRANDCHILD = "grandchild"
RELATION_OTHER = "other"
# Relations are to the head of the household, as in the resident registry's 続柄.
RELATIONS = (
    RELATION_SELF,
    RELATION_SPOUSE,
    RELATION_CHILD,
    RELATION_PARENT,
    RELATION_GRANDCHILD,
    RELATION_OTHER,
)


class Household(SQLModel, table=True):
    __tablename__ = "household"

    id: str = Field(primary_key=True, max_length=36)  # a UUID
    municipality_code: str = Field(max_length=6, index=True)
    address: str = Field(default="", max_length=500)
    is_demo: bool = Field(default=False)


class HouseholdMember(SQLModel, table=True):
    __tablename__ = "household_member"
    # A person is in at most one household.
    __table_args__ = (UniqueConstraint("person_id", name="uq_household_member_person"),)

    id: str = Field(primary_key=True, max_length=36)  # a UUID
    municipality_code: str = Field(max_length=6, index=True)
    household_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("household.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    person_id: str | None = Field(
        default=None,
        sa_column=Column(String(36), ForeignKey("person.id"), nullable=True),
    )
    name: str = Field(max_length=200)
    relation: str = Field(max_length=16)
    birthdate: date | None = Field(default=None, sa_column=Column(Date(), nullable=True))
    school_name: str | None = Field(default=None, max_length=200)
    school_class: str | None = Field(default=None, max_length=32)  # e.g. "3年2組"
