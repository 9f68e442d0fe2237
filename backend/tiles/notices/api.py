"""The notices tile's public API for other tiles (docs/tiles.md: a tile uses another only
through its `api` module).

`notify_person` writes a personal notice (お知らせ): a `notice` row with `person_id`, and its
row in that person's own sync stream of the `notices` collection, in the caller's
transaction. Only that person sees it (`GET /notices`, their pull); it is exported with
their data and deleted with their account (`personal_notices_export`,
`forget_personal_notices`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session, col

from backend.models import Person
from backend.services.clock import utc_now
from backend.sync.change_log import append_changes
from backend.sync.types import ChangeRow
from backend.tiles.notices.models import Notice
from backend.tiles.notices.sync_rows import COLLECTION, notice_data

PERSONAL_CATEGORY = "life"
MAX_TITLE = 200
MAX_BODY = 2000


def notify_person(session: Session, person: Person, title_ja: str, title_en: str,
                  body_ja: str, body_en: str, category: str = PERSONAL_CATEGORY) -> Notice:
    """A notice for `person` alone, in the caller's transaction (the caller commits)."""
    if not title_ja.strip() or not title_en.strip():
        raise ValueError("a notice needs a title in Japanese and English")
    notice = Notice(municipality_code=person.municipality_code, category=category,
                    published_at=utc_now(), title_ja=title_ja[:MAX_TITLE],
                    title_en=title_en[:MAX_TITLE], body_ja=body_ja[:MAX_BODY],
                    body_en=body_en[:MAX_BODY], is_demo=False, person_id=person.id)
    session.add(notice)
    session.flush()
    append_changes(session.connection(), person.municipality_code, person.id,
                   [ChangeRow(COLLECTION, str(notice.id), "upsert", notice_data(notice))])
    return notice


def personal_notices_of(session: Session, person_id: str) -> list[Notice]:
    return list(session.scalars(select(Notice).where(col(Notice.person_id) == person_id)
                                .order_by(col(Notice.published_at), col(Notice.id))))


def personal_notices_export(session: Session, person: Person) -> list[dict[str, Any]]:
    """The person's own notices (My data export)."""
    return [notice_data(notice) for notice in personal_notices_of(session, person.id)]


def forget_personal_notices(session: Session, person: Person) -> None:
    """Account deletion: the person's own notices go (their sync rows go with the account)."""
    session.execute(delete(Notice).where(col(Notice.person_id) == person.id))
