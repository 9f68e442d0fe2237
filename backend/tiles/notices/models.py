"""City notices (お知らせ) shown on the home screen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from backend.models.utc_datetime import UTCDateTime
from backend.services.audiences import AUDIENCES

NOTICE_CATEGORIES = ("life", "health", "disaster", "event")
# Who a targeted notice is for (backend/services/audiences.py, home_profile.audiences).
NOTICE_AUDIENCES = AUDIENCES


class Notice(SQLModel, table=True):
    __tablename__ = "notice"
    __table_args__ = (
        Index("ix_notice_municipality_published", "municipality_code", "published_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Indexed through the (municipality_code, published_at) index: it serves both lookups.
    municipality_code: str = Field(max_length=6)
    category: str = Field(max_length=32)
    published_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    title_ja: str
    title_en: str
    body_ja: str
    body_en: str
    is_demo: bool = Field(default=False)
    # None: for everyone. Otherwise only callers whose household matches see it.
    audience: str | None = Field(default=None, max_length=32)
    # A personal notice (a procedure's status changed): only this person sees it, as a row
    # of their own sync stream (backend/tiles/notices/api.py). None: the city's notice.
    person_id: str | None = Field(default=None, max_length=36, foreign_key="person.id")
