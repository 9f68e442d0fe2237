"""Database tables of the backend."""

from sqlmodel import SQLModel

from backend.models.notice import NOTICE_CATEGORIES, Notice
from backend.models.person import Person
from backend.models.utc_datetime import UTCDateTime, as_utc

metadata = SQLModel.metadata

__all__ = ["NOTICE_CATEGORIES", "Notice", "Person", "UTCDateTime", "as_utc", "metadata"]
