"""`GET /notices`: newest city notices in Japanese or English."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import Session

from backend.api.dependencies import EngineDep, SettingsDep
from backend.models import Notice, as_utc

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
    lang: Annotated[Language, Query(description="Language of title and body")] = "ja",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> NoticeList:
    statement = (
        select(Notice)
        .where(Notice.municipality_code == settings.municipality_code)
        .order_by(Notice.published_at.desc(), Notice.id.desc())
        .limit(limit)
    )
    with Session(engine) as session:
        notices = session.scalars(statement).all()
    return NoticeList(notices=[_to_out(notice, lang) for notice in notices])
