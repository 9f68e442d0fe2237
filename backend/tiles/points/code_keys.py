"""The keys that sign earn codes (`earn_codes.py`), kept in `points_code_key`.

The first key of a municipality (kid "k1") is made when the first code is issued, with
INSERT ... ON CONFLICT DO NOTHING, so two backends issuing at once agree on one key. The
newest key signs; every key verifies, so codes already printed stay good after a new key
is added (rotation: insert a row with the next kid). The key is in the database rather
than a file because a sync handler, which has only its session, verifies codes too.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from backend.services.clock import utc_now
from backend.tiles.points.earn_codes import new_secret
from backend.tiles.points.earning_models import PointsCodeKey

FIRST_KID = "k1"


def signing_key(session: Session, municipality_code: str) -> tuple[str, str]:
    """(kid, secret) of the municipality's newest key, made if there is none."""
    newest = session.exec(
        select(PointsCodeKey).where(col(PointsCodeKey.municipality_code) == municipality_code)
        .order_by(col(PointsCodeKey.created_at).desc(), col(PointsCodeKey.kid).desc())
    ).first()
    if newest is not None:
        return newest.kid, newest.secret
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(PointsCodeKey).values(
        municipality_code=municipality_code, kid=FIRST_KID, secret=new_secret(),
        created_at=utc_now()).on_conflict_do_nothing(
        index_elements=["municipality_code", "kid"]))
    made = session.get(PointsCodeKey, (municipality_code, FIRST_KID))
    assert made is not None
    return made.kid, made.secret


def secret_lookup(session: Session) -> Callable[[str, str], str | None]:
    """`secret_of(municipality_code, kid)` for `earn_codes.read_code`."""

    def secret_of(municipality_code: str, kid: str) -> str | None:
        row = session.get(PointsCodeKey, (municipality_code, kid))
        return None if row is None else row.secret

    return secret_of
