"""`GET /notices`: newest city notices in Japanese or English.

Notices with an `audience` ("parents", "age75plus") go only to callers whose household
matches (`backend/services/home_profile.py`); anonymous callers get untargeted notices.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import and_, or_, select
from sqlmodel import Session, col

from backend.api.dependencies import EngineDep, SettingsDep
from backend.api.optional_caller import OptionalPerson
from backend.models import as_utc
from backend.services.clock import city_today
from backend.services.households import household_of, profile_for
from backend.tiles.notices.models import Notice

router = APIRouter()

Language = Literal["ja", "en"]


class NoticeOut(BaseModel):
    id: int
    category: str
    published_at: str
    title: str
    body: str
    is_demo: bool


class NoticeList(BaseModel):
    notices: list[NoticeOut]


def _to_out(notice: Notice, lang: Language) -> NoticeOut:
    assert notice.id is not None
    return NoticeOut(
        id=notice.id,
        category=notice.category,
        published_at=as_utc(notice.published_at).isoformat(),
        title=notice.title_en if lang == "en" else notice.title_ja,
        body=notice.body_en if lang == "en" else notice.body_ja,
        is_demo=notice.is_demo,
    )


@router.get("/notices")
def list_notices(
    engine: EngineDep,
    settings: SettingsDep,
    caller: OptionalPerson,
    lang: Annotated[Language, Query(description="Language of title and body")] = "ja",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> NoticeList:
    with Session(engine) as session:
        audiences: frozenset[str] = frozenset()
        if caller is not None:
            audiences = profile_for(caller, household_of(session, caller), city_today()).audiences
        visible = and_(
            col(Notice.person_id).is_(None),
            or_(
                col(Notice.audience).is_(None),
                col(Notice.audience).in_(sorted(audiences)),
            ),
        )
        if caller is not None:  # and the caller's own personal notices
            visible = or_(visible, col(Notice.person_id) == caller.id)
        statement = (
            select(Notice)
            .where(
                col(Notice.municipality_code) == settings.municipality_code,
                visible,
            )
            .order_by(col(Notice.published_at).desc(), col(Notice.id).desc())
            .limit(limit)
        )
        notices = session.scalars(statement).all()
    return NoticeList(notices=[_to_out(notice, lang) for notice in notices])
