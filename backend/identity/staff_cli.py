"""`python -m backend staff list|grant|revoke`: manage staff members' department scopes.

  python -m backend staff list
  python -m backend staff grant PERSON SCOPE [--by NAME]
  python -m backend staff revoke PERSON SCOPE

PERSON is a common ID or an upstream subject (the person must have logged in once). SCOPE is
a department id (waste, citizens, health, school, notices, admin) or a department and unit
("school:tsuyama-higashi-es"). The staff role itself comes from the identity provider
(TSUYAMA_STAFF_SUBJECTS with the national provider); see docs/identity.md and ADR 0023.
Exit status: 0 done, 1 nothing to do or not found, 2 configuration or usage error.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from sqlalchemy import Engine, or_, select
from sqlmodel import Session, col

from backend.db import make_engine
from backend.identity.staff_departments import (
    DEPARTMENTS_BY_ID,
    UnknownScope,
    grant,
    parse_scope,
    revoke,
)
from backend.models.person import ROLE_STAFF, Person
from backend.models.staff_membership import StaffMembership
from backend.schema import upgrade_to_head
from backend.settings import Settings

COMMAND = "staff"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=f"python -m backend {COMMAND}", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder of the SQLite database when DATABASE_URL is unset")
    commands = parser.add_subparsers(dest="action", required=True)
    commands.add_parser("list", help="every staff scope")
    for action in ("grant", "revoke"):
        sub = commands.add_parser(action, help=f"{action} a scope")
        sub.add_argument("person", help="common ID or upstream subject")
        sub.add_argument("scope", help="department id, or department:unit")
        if action == "grant":
            sub.add_argument("--by", default=None, help="who grants it (default: this user)")
    return parser.parse_args(argv)


def _find_person(engine: Engine, code: str, key: str) -> Person | None:
    with Session(engine) as session:
        return session.scalars(select(Person).where(
            col(Person.municipality_code) == code,
            col(Person.deleted_at).is_(None),
            or_(col(Person.id) == key, col(Person.upstream_subject) == key))).first()


def _list(engine: Engine, code: str) -> int:
    with Session(engine) as session:
        rows = session.execute(
            select(StaffMembership, col(Person.name), col(Person.role))
            .join(Person, col(Person.id) == col(StaffMembership.person_id))
            .where(col(StaffMembership.municipality_code) == code)
            .order_by(StaffMembership.department, Person.name)).all()
    for membership, name, role in rows:
        scope = membership.department + (f":{membership.unit}" if membership.unit else "")
        department = DEPARTMENTS_BY_ID[membership.department].name_ja \
            if membership.department in DEPARTMENTS_BY_ID else "?"
        note = "" if role == ROLE_STAFF else "  (not staff: refused until the role is given)"
        print(f"{scope}\t{department}\t{membership.person_id}\t{name}\t"
              f"{membership.source}\t{membership.granted_by or ''}{note}")
    return 0


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        settings = Settings.from_env(args.data_dir)
    except ValueError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    try:
        upgrade_to_head(engine)
        code = settings.municipality_code
        if args.action == "list":
            return _list(engine, code)
        try:
            scope = parse_scope(args.scope)
        except UnknownScope as exc:
            print(f"Usage error: {exc}", file=sys.stderr)
            return 2
        person = _find_person(engine, code, args.person)
        if person is None:
            print(f"No person {args.person!r} (they must log in once first)", file=sys.stderr)
            return 1
        if args.action == "grant":
            done = grant(engine, person.id, code, scope, args.by or getpass.getuser())
            if person.role != ROLE_STAFF:
                print(f"Note: {person.id} has no staff role; the scope counts once they have",
                      file=sys.stderr)
        else:
            done = revoke(engine, person.id, scope)
        print(f"{args.action} {scope.text} for {person.id}: "
              f"{'done' if done else 'nothing to do'}")
        return 0 if done else 1
    finally:
        engine.dispose()
