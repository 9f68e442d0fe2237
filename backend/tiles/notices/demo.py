"""Made-up notices so a fresh development backend has something to show."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select, text
from sqlmodel import col

from backend.db import SQLITE_BEGIN_OPTION
from backend.models import as_utc
from backend.settings import Settings
from backend.tiles.notices.models import NOTICE_AUDIENCES, NOTICE_CATEGORIES, Notice
from backend.tiles.notices.sync_rows import log_notices

logger = logging.getLogger(__name__)

DEMO_NOTICES_PATH = Path(__file__).resolve().parents[3] / "assets" / "demo" / "notices.json"

_PG_DEMO_LOCK_ID = 332038_0002
_TEXT_FIELDS = ("category", "title_ja", "title_en", "body_ja", "body_en")


def _notice_from_json(item: Any, municipality_code: str, path: Path) -> Notice:
    if not isinstance(item, dict):
        raise ValueError(f"{path}: every notice must be an object, got {item!r}")
    missing = [key for key in (*_TEXT_FIELDS, "published_at") if key not in item]
    if missing:
        raise ValueError(f"{path}: notice {item.get('title_en')!r} lacks {', '.join(missing)}")
    if item.get("is_demo") is not True:
        raise ValueError(f'{path}: notice {item["title_en"]!r} must be marked "is_demo": true')
    if item["category"] not in NOTICE_CATEGORIES:
        raise ValueError(f"{path}: unknown category {item['category']!r}")
    audience = item.get("audience")
    if audience is not None and audience not in NOTICE_AUDIENCES:
        raise ValueError(f"{path}: unknown audience {audience!r}")
    published_at = datetime.fromisoformat(item["published_at"])
    if published_at.tzinfo is None:
        raise ValueError(f"{path}: published_at {item['published_at']!r} needs a UTC offset")
    texts: dict[str, Any] = {key: str(item[key]) for key in _TEXT_FIELDS}
    return Notice(
        municipality_code=municipality_code,
        published_at=as_utc(published_at),
        is_demo=True,
        audience=audience,
        **texts,
    )


def read_demo_notices(municipality_code: str, path: Path = DEMO_NOTICES_PATH) -> list[Notice]:
    """Parse the demo notices file into unsaved `Notice` rows for `municipality_code`."""
    document = json.loads(path.read_text(encoding="utf-8"))
    items = document.get("notices") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise ValueError(f'{path}: expected an object with a "notices" list')
    return [_notice_from_json(item, municipality_code, path) for item in items]


def load_demo_data(engine: Engine, municipality_code: str, path: Path = DEMO_NOTICES_PATH) -> int:
    """Insert the demo notices unless the municipality already has notices; return the count.

    The check and the insert share one transaction that holds a lock (PostgreSQL advisory
    lock, SQLite `BEGIN IMMEDIATE`), so two backends starting together load the data once.
    """
    notices = read_demo_notices(municipality_code, path)
    with engine.connect() as connection:
        connection.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:lock_id)"), {"lock_id": _PG_DEMO_LOCK_ID}
                )
            existing = connection.execute(
                select(func.count())
                .select_from(Notice)
                .where(col(Notice.municipality_code) == municipality_code)
            ).scalar_one()
            if existing:
                return 0
            for notice in notices:
                notice.id = connection.execute(
                    insert(Notice).values(**notice.model_dump(exclude={"id"})).returning(col(Notice.id))
                ).scalar_one()
            # Public change-log rows for devices (`GET /sync/pull`), in the same transaction.
            log_notices(connection, municipality_code, notices)
    logger.info("Loaded %d demo notices for municipality %s", len(notices), municipality_code)
    return len(notices)


def load_demo_notices(engine: Engine, settings: Settings) -> int:
    """Start-up loader of the notices tile: the demo notices when `settings.load_demo_data`."""
    if not settings.load_demo_data:
        return 0
    return load_demo_data(engine, settings.municipality_code)
